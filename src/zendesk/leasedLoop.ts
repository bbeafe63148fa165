/**
 * Singleton background work (the Talk export poller, the side-conversation events poll): a loop that runs
 * a round every interval while this replica holds the named lease, so across replicas exactly one polls.
 * A RetryAfter from a round (429, budget) sleeps exactly that long; other failures back off.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { RetryAfter } from '../jobs/runner.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';

export interface LeasedLoopOptions {
  /** Lease name; also names the loop in logs. */
  name: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** One round of work; resolves true when more is waiting right now. */
  round: () => Promise<boolean>;
}

export class LeasedLoop {
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private leader = false;
  private failures = 0;

  constructor(private readonly options: LeasedLoopOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** The lease outlives a few rounds so a slow round does not hand it over; a dead holder's expires. */
  private get leaseMs(): number {
    return Math.max(3 * this.options.intervalMs, 60_000);
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    if (this.leader) {
      this.leader = false;
      await this.options.store.leases.release(this.options.name, this.holder).catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    const { store, clock, logger, name, intervalMs } = this.options;
    while (!this.stopping) {
      let delay = intervalMs;
      try {
        const leader = await store.leases.acquire(name, this.holder, this.leaseMs, clock.now());
        if (leader !== this.leader) {
          logger.info({ loop: name }, `${name}: ${leader ? 'this replica polls' : 'another replica polls'}`);
        }
        this.leader = leader;
        if (leader && !this.stopping) {
          const more = await this.options.round();
          delay = more ? 0 : intervalMs;
        }
        this.failures = 0;
      } catch (error) {
        if (error instanceof RetryAfter) {
          delay = error.delayMs;
          logger.debug({ loop: name, delayMs: delay }, `${name}: waiting as asked (${error.message})`);
        } else {
          this.failures++;
          delay = Math.min(intervalMs * 2 ** this.failures, 5 * 60_000);
          logger.warn(
            { err: error, loop: name, retryInMs: delay },
            `${name}: round failed; trying again later`,
          );
        }
      }
      if (this.stopping) break;
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
