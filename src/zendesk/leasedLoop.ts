/**
 * Singleton background work (the Talk export poller, the side-conversation events poll): a loop that runs
 * a round every interval while this replica holds the named lease, so across replicas exactly one polls.
 * A RetryAfter from a round (429, budget) sleeps exactly that long; other failures back off.
 * A round has a deadline (half the lease): past it the round's signal is aborted and the loop moves on,
 * so a round stuck on a hung request can neither stall polling nor block shutdown; no new round starts
 * until the stuck one has settled, so two rounds never run at once.
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
  /** How long one round may take (default half the lease); its signal is aborted then. */
  roundDeadlineMs?: number;
  /** One round of work; resolves true when more is waiting right now. Should stop when `signal` aborts. */
  round: (signal: AbortSignal) => Promise<boolean>;
}

/** A round ran past its deadline and was abandoned. */
export class RoundDeadlineExceeded extends Error {
  constructor(loop: string, ms: number) {
    super(`${loop}: the round did not finish within ${ms} ms`);
    this.name = 'RoundDeadlineExceeded';
  }
}

export class LeasedLoop {
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private leader = false;
  private failures = 0;
  /** The round under way (or abandoned at its deadline and not yet settled). */
  private inFlight: Promise<unknown> | null = null;
  private abortRound: ((reason: Error) => void) | null = null;

  constructor(private readonly options: LeasedLoopOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** The lease outlives a few rounds so a slow round does not hand it over; a dead holder's expires. */
  private get leaseMs(): number {
    return Math.max(3 * this.options.intervalMs, 60_000);
  }

  private get roundDeadlineMs(): number {
    return this.options.roundDeadlineMs ?? Math.floor(this.leaseMs / 2);
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.abortRound?.(new Error(`${this.options.name}: stopping`));
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
        if (leader && !this.stopping && this.inFlight) {
          logger.warn({ loop: name }, `${name}: the last round is still stuck; skipping this one`);
        } else if (leader && !this.stopping) {
          const more = await this.runRound();
          delay = more ? 0 : intervalMs;
        }
        this.failures = 0;
      } catch (error) {
        if (this.stopping) break;
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

  /** One round, abandoned (signal aborted) at its deadline or when the loop stops. */
  private async runRound(): Promise<boolean> {
    const controller = new AbortController();
    const abandoned = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    abandoned.catch(() => undefined);
    const timer = setTimeout(
      () => controller.abort(new RoundDeadlineExceeded(this.options.name, this.roundDeadlineMs)),
      this.roundDeadlineMs,
    );
    this.abortRound = (reason) => controller.abort(reason);
    const round = this.options.round(controller.signal);
    const settled = round.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = settled;
    void settled.then(() => {
      if (this.inFlight === settled) this.inFlight = null;
    });
    try {
      return await Promise.race([round, abandoned]);
    } finally {
      clearTimeout(timer);
      this.abortRound = null;
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
