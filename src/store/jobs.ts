/** The jobs table: every outbound effect and every timer, taken with leases so a crash delays, never loses. */
import type { Kysely, Selectable } from 'kysely';
import type { DialectName } from './db.js';
import type { Database, JobsTable } from './schema.js';

export interface NewJob {
  kind: string;
  payload: unknown;
  /** Epoch ms; default now. */
  runAt?: number;
  /** Enqueued at most once, ever (e.g. "escalation step 2 of episode X"). */
  dedupeKey?: string;
  /** Enqueued at most once while pending (e.g. "re-render episode X"): later requests fold into it. */
  coalesceKey?: string;
  maxAttempts?: number;
  /** Jobs sharing a queue key run one at a time, oldest first, across all replicas (e.g. `slack:C0123`). */
  queueKey?: string;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'dead';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  createdAt: number;
}

export const DEFAULT_MAX_ATTEMPTS = 12;

function jobFromRow(row: Selectable<JobsTable>): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: Number(row.run_at),
    createdAt: Number(row.created_at),
  };
}

export class JobRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /** Inserts jobs; a job whose dedupe or coalesce key is taken is silently skipped. Returns how many were new. */
  async enqueue(jobs: NewJob[], now: number): Promise<number> {
    let inserted = 0;
    for (const job of jobs) {
      const result = await this.db
        .insertInto('jobs')
        .values({
          kind: job.kind,
          payload: JSON.stringify(job.payload ?? null),
          dedupe_key: job.dedupeKey ?? null,
          coalesce_key: job.coalesceKey ?? null,
          status: 'pending',
          run_at: job.runAt ?? now,
          attempts: 0,
          max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted;
  }

  /**
   * Takes up to `limit` due jobs for this worker: pending ones whose time has come, and running ones whose
   * lease expired (their worker died). Each take counts as an attempt.
   */
  async take(
    workerId: string,
    limit: number,
    leaseMs: number,
    now: number,
    /** Kinds to leave where they are (their vendor is down, or already holds its share of the slots). */
    excludeKinds: readonly string[] = [],
  ): Promise<Job[]> {
    if (limit <= 0) return [];
    let due = this.db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', now)]),
          // A job taken maxAttempts times whose lease ran out each time is buried, not taken again.
          eb.and([
            eb('status', '=', 'running'),
            eb('locked_until', '<', now),
            eb('attempts', '<', eb.ref('max_attempts')),
          ]),
        ]),
      );
    if (excludeKinds.length > 0) due = due.where('kind', 'not in', [...excludeKinds]);
    due = due.orderBy('run_at').orderBy('id').limit(limit);
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: workerId,
        locked_until: now + leaseMs,
        // Once running, a new request for the same effect must be able to queue behind it.
        coalesce_key: null,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.map(jobFromRow).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
  }

  async complete(id: number, workerId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'done', locked_by: null, locked_until: null, last_error: null, updated_at: now })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Puts a job back to run at `runAt`; `dead` parks it for a human. */
  async fail(
    id: number,
    workerId: string,
    outcome: { dead: boolean; runAt: number; error: string; countAttempt: boolean },
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: outcome.dead ? 'dead' : 'pending',
        run_at: outcome.runAt,
        locked_by: null,
        locked_until: null,
        last_error: outcome.error.slice(0, 2000),
        attempts: outcome.countAttempt ? eb.ref('attempts') : eb('attempts', '-', 1),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Extends the lease of a job that is still working; false when the job is no longer this worker's. */
  async extendLease(id: number, workerId: string, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ locked_until: until })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Dead-letters running jobs whose lease expired after their last allowed attempt: each worker that took
   * them vanished (or the job kills its process), so taking them again would loop forever. Returns the
   * jobs buried by this call, so each is reported once.
   */
  async buryAbandoned(now: number): Promise<{ id: number; kind: string; attempts: number }[]> {
    const rows = await this.db
      .updateTable('jobs')
      .set({
        status: 'dead',
        locked_by: null,
        locked_until: null,
        last_error: 'the lease expired on its last attempt: its worker died or the job never finished',
        updated_at: now,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<', now)
      .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
      .returning(['id', 'kind', 'attempts'])
      .execute();
    return rows.map((row) => ({ id: Number(row.id), kind: row.kind, attempts: row.attempts }));
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts: Record<JobStatus, number> = { pending: 0, running: 0, done: 0, dead: 0 };
    for (const row of rows) counts[row.status as JobStatus] = Number(row.n);
    return counts;
  }

  async list(
    filter: { kind?: string; status?: JobStatus } = {},
  ): Promise<(Job & { status: JobStatus; lastError: string | null })[]> {
    let query = this.db.selectFrom('jobs').selectAll();
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    const rows = await query.orderBy('id').execute();
    return rows.map((row) => ({
      ...jobFromRow(row),
      status: row.status as JobStatus,
      lastError: row.last_error,
    }));
  }

  /** When the next pending job is due (of any kind but `excludeKinds`); readiness looks for old due work. */
  async nextRunAt(excludeKinds: readonly string[] = []): Promise<number | null> {
    let query = this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('next'))
      .where('status', '=', 'pending');
    if (excludeKinds.length > 0) query = query.where('kind', 'not in', [...excludeKinds]);
    const row = await query.executeTakeFirst();
    return row?.next === null || row?.next === undefined ? null : Number(row.next);
  }

  /** Deletes finished jobs older than `before`. */
  async purgeDone(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('status', '=', 'done')
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
