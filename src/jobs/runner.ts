/**
 * Runs jobs from the jobs table: takes due jobs under a lease, runs the handler for their kind,
 * backs off on failure, honours "retry after" (429s), parks jobs that keep failing as dead.
 * A running job renews its lease, so a short lease hands a dead worker's jobs over within seconds.
 * A vendor whose breaker is open, or whose jobs already hold their share of the slots, is skipped when
 * taking work, so one hanging vendor cannot occupy every slot.
 * Several replicas share the table; SIGTERM stops taking work and lets running jobs finish.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BulkheadPolicy, BulkheadRejectedError, bulkhead } from 'cockatiel';
import type { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  VENDORS,
  type Vendor,
  type VendorPolicies,
  vendorOfJobKind,
  vendorPolicies,
} from '../resilience/vendorPolicy.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import { flushUrgentBatches, TurnBatch } from '../store/turnBatch.js';
import { PermanentFailure, RetryAfter } from './errors.js';
import type { JobKind, TypedJobHandler } from './registry.js';

export { PermanentFailure, RetryAfter };

/** Long enough for a few missed heartbeats, short enough that a killed process's work moves on quickly. */
export const DEFAULT_LEASE_MS = 15_000;
/**
 * The lease a Ringback process runs with. The runner renews it every third while a job runs (a hung vendor
 * request keeps its lease), so it only bounds how long a killed process's jobs wait: short enough that
 * everything it held is out within 10 s of a restart (design.md), long enough for two missed renewals.
 */
export const PRODUCTION_LEASE_MS = 5_000;

/** A job taken beyond its vendor's free slots: it goes back untouched (handleFailure). */
class SlotsBusy extends Error {
  constructor(vendor: string) {
    super(`every ${vendor} slot is busy`);
    this.name = 'SlotsBusy';
  }
}

/**
 * A job of a kind this process has no handler for may be a newer version's, queued while replicas of two
 * versions run side by side (a rolling deploy): it is put back for the others (not counted as an attempt)
 * this long after it was queued, and only then called dead.
 */
export const UNKNOWN_KIND_GRACE_MS = 60 * 60_000;
const UNKNOWN_KIND_RETRY_MS = 10_000;

/** The shortest idle sleep: a job due "now" by another clock is still not worth a busy loop. */
const MIN_SLEEP_MS = 5;

/** Runs one job; throw RetryAfter to be called again later without counting a failure. */
export type JobHandler = (payload: unknown, job: Job) => Promise<void>;

export interface JobRunnerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  workerId?: string;
  /** Jobs run at once by this process. */
  concurrency?: number;
  /** How often an idle runner looks for work other replicas queued. */
  pollIntervalMs?: number;
  /** How long a taken job is ours before another worker may take it over; renewed every third of it. */
  leaseMs?: number;
  /** Slots one vendor's jobs may hold at once (default half of `concurrency`). */
  vendorSlots?: number;
  /** Breakers consulted before taking a vendor's jobs (default: the process's). */
  vendors?: VendorPolicies;
  /** First retry delay; doubled each attempt, capped by maxBackoffMs, with jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * While a backlog waits (the last take filled every slot it asked for), take again only once this many
   * slots are free, or `maxTakeHoldMs` after a slot first freed, whichever comes first. Default 1: take
   * for any free slot.
   */
  minTakeWhileBacklogged?: number;
  /** How long a free slot may wait for others while a backlog waits (default 25 ms). */
  maxTakeHoldMs?: number;
}

/**
 * Slots for a database. On SQLite a job's statements run on the event loop, so more slots only queue more
 * work behind HTTP. On PostgreSQL a slot mostly waits: on a round trip, or (an ingest job) for its turn in
 * the next ingest batch (src/providers/ingestJob.ts), and the more deliveries wait, the larger that batch.
 * 64 slots against 32: see POSTGRES_INGEST_BATCH_MAX. A vendor keeps 4 slots either way, so no vendor is
 * called harder than before.
 */
export function runnerSlotsFor(
  dialect: 'sqlite' | 'postgres',
): Pick<JobRunnerOptions, 'concurrency' | 'vendorSlots' | 'minTakeWhileBacklogged'> {
  // A PostgreSQL take costs about as much for 8 jobs as for 32 (planning, the index walk): under a backlog
  // the runner waits for half its slots (at most 25 ms) instead of taking 7 or 8 jobs at a time. Measured
  // (ingest bench, 2 replicas, alternating runs): 817–850 events/s against 638–694 without.
  return dialect === 'postgres'
    ? { concurrency: 64, vendorSlots: 4, minTakeWhileBacklogged: 32 }
    : { concurrency: 8, vendorSlots: 4 };
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

export class JobRunner {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  /** What a kind does when one of its jobs is buried (its lease expired on every attempt). */
  private readonly burialHandlers = new Map<string, (payload: unknown) => Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  /** When the loop last looked for due jobs (the idle sleep counts from there). */
  private lastTakeAt: number | null = null;
  private readonly leaseMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private poked = false;
  private unsubscribe: (() => void) | null = null;
  private readonly vendors: VendorPolicies;
  /** Jobs that ran to their end this turn, deleted together. */
  private readonly completions: TurnBatch<number, boolean>;
  private readonly slots: Record<Vendor, BulkheadPolicy>;
  private startedAt: number | null = null;
  private lastFinishedAt: number | null = null;
  private lastBurialAt = Number.NEGATIVE_INFINITY;
  private readonly minTakeWhileBacklogged: number;
  private readonly maxTakeHoldMs: number;
  /** The last take filled every slot it asked for: more jobs are probably due. */
  private backlogged = false;
  /** Since when (performance.now()) free slots wait for more to free, or null. */
  private holdingSince: number | null = null;

  constructor(private readonly options: JobRunnerOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.concurrency = options.concurrency ?? 8;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.baseBackoffMs = options.baseBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 15 * 60_000;
    this.vendors = options.vendors ?? vendorPolicies;
    this.minTakeWhileBacklogged = Math.max(
      1,
      Math.min(this.concurrency, options.minTakeWhileBacklogged ?? 1),
    );
    this.maxTakeHoldMs = options.maxTakeHoldMs ?? 25;
    const perVendor = options.vendorSlots ?? Math.max(1, Math.ceil(this.concurrency / 2));
    this.completions = new TurnBatch(async (ids) => {
      const done = new Set(await options.store.jobs.completeMany(ids, this.workerId));
      return ids.map((id) => done.has(id));
    });
    this.slots = {
      slack: bulkhead(perVendor),
      teams: bulkhead(perVendor),
      zendesk: bulkhead(perVendor),
      aircall: bulkhead(perVendor),
    };
  }

  /** True while the loop takes jobs (started and not stopping). */
  get isTaking(): boolean {
    return this.loop !== null && !this.stopping;
  }

  /**
   * For readiness: when the runner started and when a job last finished (any outcome), or null while
   * the runner is not taking jobs (stopped, or driven by hand).
   */
  progress(): { startedAt: number; lastFinishedAt: number | null; waitingKinds: string[] } | null {
    if (!this.isTaking || this.startedAt === null) return null;
    // A vendor that is down holds its jobs back on purpose: waiting for it is not a stalled runner.
    return {
      startedAt: this.startedAt,
      lastFinishedAt: this.lastFinishedAt,
      waitingKinds: this.kindsOf(VENDORS.filter((vendor) => this.vendors.get(vendor).pausedForMs() > 0)),
    };
  }

  register(kind: string, handler: JobHandler): this {
    if (this.handlers.has(kind)) throw new Error(`job kind "${kind}" already has a handler`);
    this.handlers.set(kind, handler);
    this.options.metrics.jobKinds.add(kind);
    return this;
  }

  /**
   * Registers the handler of a typed kind: it receives the payload parsed by the kind's schema.
   * `whenBuried` runs once if a job of the kind dies because its lease expired on every attempt: the handler
   * never got to its own last-attempt cleanup (its process died each time).
   */
  handle<S extends z.ZodType>(
    kind: JobKind<S>,
    handler: TypedJobHandler<S>,
    options: { whenBuried?: (payload: z.infer<S>) => Promise<void> } = {},
  ): this {
    const { whenBuried } = options;
    if (whenBuried) {
      this.burialHandlers.set(kind.name, async (payload) => {
        const parsed = kind.schema.safeParse(payload);
        if (parsed.success) await whenBuried(parsed.data);
      });
    }
    return this.register(kind.name, async (payload, job) => {
      const parsed = kind.schema.safeParse(payload);
      if (!parsed.success) {
        throw new PermanentFailure(`${kind.name} job ${job.id}: invalid payload: ${parsed.error.message}`);
      }
      await handler(parsed.data, job);
    });
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.startedAt = this.options.clock.now();
    this.unsubscribe = this.options.store.onJobsEnqueued(() => this.poke());
    this.loop = this.run();
  }

  /** Wakes the loop now (jobs were just queued in this process). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Stops taking jobs (the first step of a shutdown); running jobs go on. */
  async stopTaking(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Stops taking jobs and waits for the running ones to finish. */
  async stop(): Promise<void> {
    await this.stopTaking();
    await Promise.allSettled([...this.running]);
  }

  /** Runs due jobs until none is left (tests and the bench drive the runner with this). */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const jobs = await this.takeJobs(this.concurrency);
      if (jobs.length === 0 && this.running.size === 0) return total;
      total += jobs.length;
      for (const job of jobs) this.track(job);
      await Promise.race([...this.running, new Promise((r) => setTimeout(r, 5))]);
    }
    return total;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      // better-sqlite3 answers at once, so without this the loop and its jobs chain as microtasks and HTTP
      // waits until the backlog is gone; one take per turn also gathers the slots freed during it.
      await nextTurn();
      // Webhook deliveries answered this turn are committed before the take (src/store/turnBatch.ts).
      flushUrgentBatches();
      if (this.stopping) break;
      this.poked = false;
      let taken = 0;
      const free = this.concurrency - this.running.size;
      const holdMs = this.holdForMoreSlots(free);
      if (free > 0 && holdMs === 0) {
        try {
          const jobs = await this.takeJobs(free);
          taken = jobs.length;
          this.backlogged = taken === free;
          for (const job of jobs) this.track(job);
        } catch (error) {
          this.options.logger.error({ err: error }, 'jobs: could not take jobs; will try again');
        }
      }
      if (this.stopping) break;
      if (holdMs > 0) {
        // Each job that finishes wakes the loop to count the free slots again.
        await this.sleep(holdMs);
        continue;
      }
      // More may be waiting when we filled every slot, or when someone queued while we were busy.
      if ((taken > 0 && taken === free) || this.poked) {
        if (this.running.size < this.concurrency) continue;
      }
      await this.sleep(await this.untilNextDue());
    }
  }

  /** Sleeps `ms`, or until poked (jobs queued here, a job finished, a stop). */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  /**
   * How long `free` slots should wait for more to free before a take; 0 to take now. Only while a backlog
   * waits and fewer than `minTakeWhileBacklogged` are free: a take costs the database about as much for a
   * few jobs as for many, and more jobs are due anyway. Never longer than `maxTakeHoldMs` from the first
   * free slot, so long-running jobs holding the others do not hold the backlog back.
   */
  private holdForMoreSlots(free: number): number {
    if (free <= 0 || !this.backlogged || free >= this.minTakeWhileBacklogged) {
      this.holdingSince = null;
      return 0;
    }
    const now = performance.now();
    this.holdingSince ??= now;
    const left = this.holdingSince + this.maxTakeHoldMs - now;
    if (left > 0) return left;
    this.holdingSince = null;
    return 0;
  }

  /**
   * How long an idle loop sleeps: until the next job of this database comes due, when that is sooner than
   * the poll (a paced lane asking to run again in 300 ms should not wait for the next poll).
   */
  private async untilNextDue(): Promise<number> {
    const now = this.options.clock.now();
    try {
      // Jobs due by the last take and not taken are held back (a queue key, a vendor's slots): not a reason
      // to wake. A job that came due since that take is, however late this runs (a busy machine).
      const next = await this.options.store.jobs.nextRunAt([], this.lastTakeAt ?? now);
      if (next === null) return this.pollIntervalMs;
      return Math.max(MIN_SLEEP_MS, Math.min(this.pollIntervalMs, next - now));
    } catch {
      return this.pollIntervalMs;
    }
  }

  private async takeJobs(limit: number): Promise<Job[]> {
    const { store, clock } = this.options;
    const now = clock.now();
    this.lastTakeAt = now;
    await this.buryAbandoned(now);
    return store.jobs.take(this.workerId, limit, this.leaseMs, now, this.blockedKinds());
  }

  /** Kinds of the vendors whose breaker is open or whose jobs hold all the slots they may. */
  private blockedKinds(): string[] {
    return this.kindsOf(
      VENDORS.filter(
        (vendor) => this.vendors.get(vendor).pausedForMs() > 0 || this.slots[vendor].executionSlots === 0,
      ),
    );
  }

  /** The registered job kinds that talk to one of these vendors. */
  private kindsOf(vendors: Vendor[]): string[] {
    if (vendors.length === 0) return [];
    return this.kinds().filter((kind) => {
      const vendor = vendorOfJobKind(kind);
      return vendor !== null && vendors.includes(vendor);
    });
  }

  /** Jobs whose workers died on every attempt go dead here, counted and logged once each. */
  private async buryAbandoned(now: number): Promise<void> {
    // take() already skips such jobs; burying them at most once a second spares a write per take.
    if (now - this.lastBurialAt < Math.min(1_000, this.leaseMs / 3)) return;
    this.lastBurialAt = now;
    const { store, logger, metrics } = this.options;
    for (const job of await store.jobs.buryAbandoned(now)) {
      metrics.jobs.inc({ kind: job.kind, result: 'dead' });
      logger.error(
        { job: job.id, kind: job.kind, attempts: job.attempts },
        `jobs: job ${job.id} (${job.kind}) is dead: its lease expired on all ${job.attempts} attempts`,
      );
      try {
        await this.burialHandlers.get(job.kind)?.(job.payload);
      } catch (error) {
        logger.error(
          { err: error, job: job.id, kind: job.kind },
          'jobs: could not clean up after a dead job',
        );
      }
    }
  }

  private noHandler(job: Job): Error {
    if (this.options.clock.now() - job.createdAt < UNKNOWN_KIND_GRACE_MS) {
      return new RetryAfter(
        UNKNOWN_KIND_RETRY_MS,
        `no handler for job kind "${job.kind}" here: left for a replica that has one`,
      );
    }
    return new PermanentFailure(`no handler for job kind "${job.kind}"`);
  }

  private track(job: Job): void {
    const promise = this.execute(job).finally(() => {
      this.running.delete(promise);
      this.lastFinishedAt = this.options.clock.now();
      this.poke();
    });
    this.running.add(promise);
  }

  private async execute(job: Job): Promise<void> {
    const { metrics } = this.options;
    const handler = this.handlers.get(job.kind);
    const stopTimer = metrics.jobDuration.startTimer({ kind: job.kind });
    const stopHeartbeat = this.heartbeat(job);
    try {
      if (!handler) throw this.noHandler(job);
      const vendor = vendorOfJobKind(job.kind);
      if (vendor) await this.inVendorSlot(vendor, () => handler(job.payload, job));
      else await handler(job.payload, job);
      stopHeartbeat();
      await this.completions.add(job.id);
      metrics.jobs.inc({ kind: job.kind, result: 'done' });
    } catch (error) {
      stopHeartbeat();
      await this.handleFailure(job, error);
    } finally {
      stopHeartbeat();
      stopTimer();
    }
  }

  /** Runs a vendor's job in one of that vendor's slots; when none is free, the job comes back shortly. */
  private async inVendorSlot(vendor: Vendor, run: () => Promise<void>): Promise<void> {
    try {
      await this.slots[vendor].execute(run);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) throw new SlotsBusy(vendor);
      throw error;
    }
  }

  /** Renews the job's lease every third of it while the handler runs; returns the function that stops it. */
  private heartbeat(job: Job): () => void {
    const { store, clock, logger } = this.options;
    const timer = setInterval(
      () => {
        store.jobs.extendLease(job.id, this.workerId, clock.now() + this.leaseMs).then(
          (held) => {
            if (!held) logger.warn({ job: job.id, kind: job.kind }, 'jobs: lost the lease of a running job');
          },
          (error: unknown) => logger.warn({ err: error, job: job.id }, 'jobs: could not renew a lease'),
        );
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    // A heartbeat alone must not keep a process alive that has nothing else to do.
    timer.unref();
    return () => clearInterval(timer);
  }

  private async handleFailure(job: Job, error: unknown): Promise<void> {
    const { store, clock, logger, metrics } = this.options;
    const now = clock.now();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    try {
      if (error instanceof SlotsBusy) {
        // The job never ran: it goes back as it was, due when it was. Moved later, it let a younger job of
        // its queue key go first (thread lines out of order). The vendor's kinds are not taken again while
        // its slots are full (blockedKinds), and a freed slot wakes the loop.
        await store.jobs.fail(
          job.id,
          this.workerId,
          { dead: false, runAt: job.runAt, error: message, countAttempt: false },
          now,
        );
        metrics.jobs.inc({ kind: job.kind, result: 'retry_after' });
        return;
      }
      if (error instanceof RetryAfter) {
        // The remote side is pacing us: not a failure, so it does not count towards dead-lettering.
        await store.jobs.fail(
          job.id,
          this.workerId,
          { dead: false, runAt: now + error.delayMs, error: message, countAttempt: false },
          now,
        );
        metrics.jobs.inc({ kind: job.kind, result: 'retry_after' });
        logger.debug({ job: job.id, kind: job.kind, delayMs: error.delayMs }, 'jobs: retry after');
        return;
      }
      const dead = error instanceof PermanentFailure || job.attempts >= job.maxAttempts;
      const delay = backoffDelay(job.attempts, this.baseBackoffMs, this.maxBackoffMs);
      await store.jobs.fail(
        job.id,
        this.workerId,
        { dead, runAt: now + delay, error: message, countAttempt: true },
        now,
      );
      if (dead) {
        metrics.jobs.inc({ kind: job.kind, result: 'dead' });
        logger.error(
          { job: job.id, kind: job.kind, attempts: job.attempts, error: message },
          `jobs: job ${job.id} (${job.kind}) is dead after ${job.attempts} attempts: ${message}`,
        );
      } else {
        metrics.jobs.inc({ kind: job.kind, result: 'retry' });
        logger.warn(
          { job: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
          'jobs: job failed; will retry',
        );
      }
    } catch (storeError) {
      // The lease expires and another worker (or this one) takes the job again: delayed, not lost.
      logger.error({ err: storeError, job: job.id }, 'jobs: could not record a failure');
    }
  }
}
