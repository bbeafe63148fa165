/**
 * Runs jobs from the jobs table: takes due jobs under a lease, runs the handler for their kind,
 * backs off on failure, honours "retry after" (429s), parks jobs that keep failing as dead.
 * Several replicas share the table; SIGTERM stops taking work and lets running jobs finish.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';

/** Thrown by a handler when the remote side said when to come back, e.g. a 429. */
export class RetryAfter extends Error {
  constructor(
    readonly delayMs: number,
    reason = 'retry later',
  ) {
    super(reason);
    this.name = 'RetryAfter';
  }
}

/** Thrown by a handler for a failure no retry can fix (bad payload, 4xx other than 429): the job goes dead now. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

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
  /** How long a taken job is ours before another worker may take it over. */
  leaseMs?: number;
  /** First retry delay; doubled each attempt, capped by maxBackoffMs, with jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

export class JobRunner {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private poked = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: JobRunnerOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.concurrency = options.concurrency ?? 8;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 15 * 60_000;
  }

  register(kind: string, handler: JobHandler): this {
    if (this.handlers.has(kind)) throw new Error(`job kind "${kind}" already has a handler`);
    this.handlers.set(kind, handler);
    return this;
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.unsubscribe = this.options.store.onJobsEnqueued(() => this.poke());
    this.loop = this.run();
  }

  /** Wakes the loop now (jobs were just queued in this process). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Stops taking jobs and waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    this.loop = null;
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
      this.poked = false;
      let taken = 0;
      const free = this.concurrency - this.running.size;
      if (free > 0) {
        try {
          const jobs = await this.takeJobs(free);
          taken = jobs.length;
          for (const job of jobs) this.track(job);
        } catch (error) {
          this.options.logger.error({ err: error }, 'jobs: could not take jobs; will try again');
        }
      }
      if (this.stopping) break;
      // More may be waiting when we filled every slot, or when someone queued while we were busy.
      if ((taken > 0 && taken === free) || this.poked) {
        if (this.running.size < this.concurrency) continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private takeJobs(limit: number): Promise<Job[]> {
    return this.options.store.jobs.take(this.workerId, limit, this.leaseMs, this.options.clock.now());
  }

  private track(job: Job): void {
    const promise = this.execute(job).finally(() => {
      this.running.delete(promise);
      this.poke();
    });
    this.running.add(promise);
  }

  private async execute(job: Job): Promise<void> {
    const { store, clock, metrics } = this.options;
    const handler = this.handlers.get(job.kind);
    const stopTimer = metrics.jobDuration.startTimer({ kind: job.kind });
    try {
      if (!handler) throw new PermanentFailure(`no handler for job kind "${job.kind}"`);
      await handler(job.payload, job);
      await store.jobs.complete(job.id, this.workerId, clock.now());
      metrics.jobs.inc({ kind: job.kind, result: 'done' });
    } catch (error) {
      await this.handleFailure(job, error);
    } finally {
      stopTimer();
    }
  }

  private async handleFailure(job: Job, error: unknown): Promise<void> {
    const { store, clock, logger, metrics } = this.options;
    const now = clock.now();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    try {
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
