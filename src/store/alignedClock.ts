/**
 * A replica's clock set to the database server's. Replicas compare times through the database (a job's lease
 * against another replica's now, when a job is due), so a replica whose clock is seconds off took over live
 * leases or ran jobs early. Each replica measures the gap to the one clock they all reach and adds it.
 */
import type { Clock } from '../domain/clock.js';
import type { Store } from './store.js';

/** Below this a gap is measurement noise (half a round trip) or ordinary NTP drift: not worth a step. */
export const CLOCK_ALIGN_MIN_MS = 250;

/** How often the gap is measured again (clocks drift; an NTP fix on the host closes the gap). */
export const CLOCK_ALIGN_EVERY_MS = 10 * 60_000;

export class DatabaseAlignedClock implements Clock {
  private offset = 0;

  constructor(private readonly local: Clock) {}

  now(): number {
    return this.local.now() + this.offset;
  }

  /** What is added to the local clock (ms). */
  get offsetMs(): number {
    return this.offset;
  }

  /** The local clock's gap to the database's (local − database, ms), or null without a server. */
  async measureGap(store: Store): Promise<number | null> {
    const before = this.local.now();
    const server = await store.databaseNow();
    if (server === null) return null;
    // The server read its clock somewhere in the round trip: its middle is the best guess.
    return Math.round((before + this.local.now()) / 2 - server);
  }

  /** Follows the database's clock from now on, unless the gap is too small to matter. */
  follow(gapMs: number): void {
    this.offset = Math.abs(gapMs) > CLOCK_ALIGN_MIN_MS ? -gapMs : 0;
  }
}
