/**
 * The jobs table: every outbound effect and every timer, taken with leases so a crash delays, never loses.
 * A finished job is deleted; what "once ever" dedupe needs of it (its key) stays in `job_keys`.
 */
import { CompiledQuery, type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import type { DialectName } from './db.js';
import type { Database, JobsTable } from './schema.js';

export interface NewJob {
  kind: string;
  payload: unknown;
  /** Epoch ms; default now. */
  runAt?: number;
  /** Enqueued at most once, ever (e.g. "escalation step 2 of episode X"): the key outlives the job. */
  dedupeKey?: string;
  /** Enqueued at most once while pending (e.g. "re-render episode X"): later requests fold into it. */
  coalesceKey?: string;
  /**
   * With a coalesce key, on PostgreSQL: a request that folds into the waiting job locks it until its
   * transaction commits, so no replica runs the waiting job on the state before this change (it would draw a
   * card stale, and nothing would be left to draw the change). For jobs about one episode: two transactions
   * folding into channel-wide jobs in opposite orders would deadlock, and a global key would serialize them.
   */
  foldedUnderLock?: boolean;
  maxAttempts?: number;
  /** Jobs sharing a queue key run one at a time, oldest first, across all replicas (e.g. `slack:C0123`). */
  queueKey?: string;
}

/** A stored payload, or null when it does not read (a burial still goes ahead). */
function parsedOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A job that completed is deleted, so it has no status: what is in the table is waiting, working or dead. */
export type JobStatus = 'pending' | 'running' | 'dead';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  createdAt: number;
  queueKey: string | null;
}

export const DEFAULT_MAX_ATTEMPTS = 12;

/**
 * Held (on PostgreSQL) by the one take() at a time that may hand out keyed jobs. Without it two replicas
 * taking at once both see no running job of a key and each takes one. Try-locked, never waited for: a
 * replica that finds it held takes unkeyed work only this round, so takes of ordinary jobs stay parallel.
 */
export const QUEUE_KEY_LOCK_ID = 727_225_008;

function jobFromRow(row: Selectable<JobsTable>): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: Number(row.run_at),
    createdAt: Number(row.created_at),
    queueKey: row.queue_key,
  };
}

/** Due now: pending and its time has come, or running under a lease that ran out (its worker died). */
function takeable(alias: 'candidate' | 'older', now: number): RawBuilder<SqlBool> {
  const col = (name: keyof JobsTable) => sql.ref(`${alias}.${name}`);
  // A job taken maxAttempts times whose lease ran out each time is buried, not taken again.
  return sql<SqlBool>`((${col('status')} = 'pending' and ${col('run_at')} <= ${now})
    or (${col('status')} = 'running' and ${col('locked_until')} < ${now}
      and ${col('attempts')} < ${col('max_attempts')}))`;
}

export class JobRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Inserts jobs; a job whose dedupe key was ever used, or whose coalesce key is pending, is silently
   * skipped. Returns how many were new. A dedupe key and its job are written together (in the caller's
   * transaction, or one of their own), so a crash cannot keep the key and lose the job.
   */
  async enqueue(jobs: NewJob[], now: number): Promise<number> {
    if (this.db.isTransaction || !jobs.some((job) => job.dedupeKey !== undefined)) {
      return insertJobs(this.db, jobs, now);
    }
    return this.db.transaction().execute((trx) => insertJobs(trx, jobs, now));
  }

  /**
   * Inserts jobs that each carry a dedupe key, in one transaction with two multi-row statements, and answers
   * for each whether it was new (false: its key was used before, or earlier in the same list). The webhook
   * routes commit the deliveries that arrived together this way.
   */
  async enqueueEach(jobs: readonly (NewJob & { dedupeKey: string })[], now: number): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const work = async (db: Kysely<Database>) => {
      const fresh = new Set<string>();
      // Bounded so that no statement nears SQLite's limit on bound values.
      for (let start = 0; start < jobs.length; start += 200) {
        const chunk = jobs.slice(start, start + 200);
        const keys = await db
          .insertInto('job_keys')
          .values(chunk.map((job) => ({ key: job.dedupeKey, created_at: now })))
          .onConflict((oc) => oc.doNothing())
          .returning('key')
          .execute();
        const newKeys = new Set(keys.map((row) => row.key));
        const firsts = chunk.filter((job) => newKeys.delete(job.dedupeKey));
        if (firsts.length === 0) continue;
        const inserted = await db
          .insertInto('jobs')
          .values(firsts.map((job) => jobRow(job, now)))
          .onConflict((oc) => oc.doNothing())
          .returning('dedupe_key')
          .execute();
        for (const row of inserted) if (row.dedupe_key !== null) fresh.add(row.dedupe_key);
      }
      return fresh;
    };
    const fresh = this.db.isTransaction ? await work(this.db) : await this.db.transaction().execute(work);
    const answered = new Set<string>();
    return jobs.map((job) => {
      if (!fresh.has(job.dedupeKey) || answered.has(job.dedupeKey)) return false;
      answered.add(job.dedupeKey);
      return true;
    });
  }

  /**
   * Takes up to `limit` due jobs for this worker: pending ones whose time has come, and running ones whose
   * lease expired (their worker died). Each take counts as an attempt. Of the jobs sharing a queue key it
   * hands out only the oldest due one (run_at, id), and none while one of that key runs under a live lease.
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
    const request = { workerId, limit, leaseMs, now, excludeKinds, postgres: this.dialect === 'postgres' };
    if (this.dialect !== 'postgres') {
      // One SQLite statement runs under the database's write lock: its reads see every earlier take.
      return takeJobs(this.db, { ...request, keyed: true });
    }
    const work = async (db: Kysely<Database>) => {
      // A statement after the lock sees every take committed before it: PostgreSQL frees a transaction's
      // locks only once its commit is visible.
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_xact_lock(${QUEUE_KEY_LOCK_ID}) as locked`.execute(db);
      return takeJobs(db, { ...request, keyed: rows[0]?.locked === true });
    };
    return this.db.isTransaction ? work(this.db) : this.db.transaction().execute(work);
  }

  /** Deletes a job that ran to its end; false when it was no longer this worker's (its lease was lost). */
  async complete(id: number, workerId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * Deletes several jobs that ran to their end in one statement (the runner completes in batches); answers
   * the ids that were still this worker's.
   */
  async completeMany(ids: readonly number[], workerId: string): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', [...ids])
      .where('locked_by', '=', workerId)
      .returning('id')
      .execute();
    return rows.map((row) => Number(row.id));
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
        // A fraction is an error on PostgreSQL's bigint: the job would stay running until its lease ended.
        run_at: Math.ceil(outcome.runAt),
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
  async buryAbandoned(
    now: number,
  ): Promise<{ id: number; kind: string; attempts: number; payload: unknown }[]> {
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
      .returning(['id', 'kind', 'attempts', 'payload'])
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      attempts: row.attempts,
      payload: parsedOrNull(row.payload),
    }));
  }

  /**
   * Every pending job of this queue key is due now, so they run in the order they were queued (by id): one
   * whose retry came due earlier would otherwise go before an older one just woken (thread lines).
   */
  async runQueueNow(queueKey: string, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ run_at: now, updated_at: now })
      .where('queue_key', '=', queueKey)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Whether a job of this queue key still waits or runs (a dead one does not count: it will not run). */
  async hasUnfinished(queueKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('queue_key', '=', queueKey)
      .where('status', 'in', ['pending', 'running'])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts: Record<JobStatus, number> = { pending: 0, running: 0, dead: 0 };
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

  /**
   * When the next pending job is due, of any kind but `excludeKinds` (readiness looks for old due work), or
   * only among those due after `after` (an idle runner sleeps until then).
   */
  async nextRunAt(excludeKinds: readonly string[] = [], after?: number): Promise<number | null> {
    let query = this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('next'))
      .where('status', '=', 'pending');
    if (excludeKinds.length > 0) query = query.where('kind', 'not in', [...excludeKinds]);
    if (after !== undefined) query = query.where('run_at', '>', after);
    const row = await query.executeTakeFirst();
    return row?.next === null || row?.next === undefined ? null : Number(row.next);
  }
}

function jobRow(job: NewJob, now: number) {
  return {
    kind: job.kind,
    payload: JSON.stringify(job.payload ?? null),
    // Still unique on the row: a key purged from job_keys cannot let a twin in while its job waits.
    dedupe_key: job.dedupeKey ?? null,
    coalesce_key: job.coalesceKey ?? null,
    queue_key: job.queueKey ?? null,
    status: 'pending',
    run_at: job.runAt ?? now,
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    created_at: now,
    updated_at: now,
  };
}

async function insertJobs(db: Kysely<Database>, jobs: NewJob[], now: number): Promise<number> {
  let inserted = 0;
  for (const job of jobs) {
    if (job.dedupeKey !== undefined) {
      const key = await db
        .insertInto('job_keys')
        .values({ key: job.dedupeKey, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(key.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
    }
    const result = await db
      .insertInto('jobs')
      .values(jobRow(job, now))
      .onConflict((oc) =>
        job.foldedUnderLock && job.coalesceKey !== undefined && job.dedupeKey === undefined
          ? // Folded into the waiting job, which stays locked until this transaction commits (foldedUnderLock).
            // The update is a no-op (`where false`) that still locks the row; take() skips locked rows.
            // (SQLite has one writer: nothing can take it meanwhile.)
            oc
              .column('coalesce_key')
              .doUpdateSet({ updated_at: (eb) => eb.ref('jobs.updated_at') })
              .where(sql<boolean>`false`)
          : oc.doNothing(),
      )
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

interface TakeRequest {
  workerId: string;
  limit: number;
  leaseMs: number;
  now: number;
  excludeKinds: readonly string[];
  /** False: leave keyed jobs for the replica that holds the queue-key lock right now. */
  keyed: boolean;
  postgres: boolean;
}

function takeStatement(db: Kysely<Database>, request: TakeRequest) {
  const { workerId, limit, leaseMs, now, excludeKinds, keyed, postgres } = request;
  // Pending and expired jobs are found by two index walks that each stop after `limit` rows: one query
  // with takeable()'s OR made SQLite collect and sort every due job, so a take cost grew with the backlog.
  const dueIn = (which: 'pending' | 'expired') => {
    let due = db
      .selectFrom('jobs as candidate')
      .select(['candidate.id', 'candidate.run_at'])
      .where((eb) =>
        which === 'pending'
          ? eb.and([eb('candidate.status', '=', 'pending'), eb('candidate.run_at', '<=', now)])
          : eb.and([
              eb('candidate.status', '=', 'running'),
              eb('candidate.locked_until', '<', now),
              eb('candidate.attempts', '<', eb.ref('candidate.max_attempts')),
            ]),
      )
      .where((eb) => {
        const unkeyed = eb('candidate.queue_key', 'is', null);
        if (!keyed) return unkeyed;
        return eb.or([
          unkeyed,
          eb.and([
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs as busy')
                  .select(sql.lit(1).as('one'))
                  .whereRef('busy.queue_key', '=', 'candidate.queue_key')
                  .where('busy.status', '=', 'running')
                  .where('busy.locked_until', '>=', now),
              ),
            ),
            // Oldest first within a key, whatever its kind: a key whose oldest job's vendor is down waits.
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs as older')
                  .select(sql.lit(1).as('one'))
                  .whereRef('older.queue_key', '=', 'candidate.queue_key')
                  .where(takeable('older', now))
                  .where((inner) =>
                    inner.or([
                      inner('older.run_at', '<', inner.ref('candidate.run_at')),
                      inner.and([
                        inner('older.run_at', '=', inner.ref('candidate.run_at')),
                        inner('older.id', '<', inner.ref('candidate.id')),
                      ]),
                    ]),
                  ),
              ),
            ),
          ]),
        ]);
      });
    if (excludeKinds.length > 0) due = due.where('candidate.kind', 'not in', [...excludeKinds]);
    due = due.orderBy('candidate.run_at').orderBy('candidate.id').limit(limit);
    return postgres ? due.forUpdate().skipLocked() : due;
  };
  const due = db
    .selectFrom(
      db
        .selectFrom(dueIn('pending').as('pending'))
        .selectAll()
        .unionAll(db.selectFrom(dueIn('expired').as('expired')).selectAll())
        .as('due'),
    )
    .select('due.id')
    .orderBy('due.run_at')
    .orderBy('due.id')
    .limit(limit);
  return db
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
    .returningAll();
}

/**
 * The take statement's SQL by its shape, with the role of each parameter. Building it with Kysely's query
 * builder cost about 0.4 ms of CPU per take (the statement itself: 0.1 ms), and a busy runner takes once per
 * turn of the event loop, so the SQL is built once per shape from marked values and only the values change.
 */
const takeTemplates = new Map<string, { sql: string; roles: ParameterRole[] }>();

type ParameterRole =
  | { fixed: unknown }
  | { from: 'workerId' | 'now' | 'lockedUntil' | 'limit' }
  | { kind: number };

const MARK = '\u0000ringback.take:';

function marked(request: TakeRequest): TakeRequest {
  return {
    ...request,
    workerId: `${MARK}workerId`,
    // Numbers no real request has: a time before 1970 and a negative limit.
    now: -1_000_000_001,
    leaseMs: -1_000_000_001, // now + leaseMs = -2_000_000_002
    limit: -1_000_000_003,
    excludeKinds: request.excludeKinds.map((_, index) => `${MARK}kind:${index}`),
  };
}

function roleOf(value: unknown): ParameterRole {
  if (value === `${MARK}workerId`) return { from: 'workerId' };
  if (value === -1_000_000_001) return { from: 'now' };
  if (value === -2_000_000_002) return { from: 'lockedUntil' };
  if (value === -1_000_000_003) return { from: 'limit' };
  if (typeof value === 'string' && value.startsWith(`${MARK}kind:`)) {
    return { kind: Number(value.slice(`${MARK}kind:`.length)) };
  }
  return { fixed: value };
}

function parameterValue(role: ParameterRole, request: TakeRequest): unknown {
  if ('fixed' in role) return role.fixed;
  if ('kind' in role) return request.excludeKinds[role.kind];
  switch (role.from) {
    case 'workerId':
      return request.workerId;
    case 'now':
      return request.now;
    case 'lockedUntil':
      return request.now + request.leaseMs;
    case 'limit':
      return request.limit;
  }
}

async function takeJobs(db: Kysely<Database>, request: TakeRequest): Promise<Job[]> {
  const shape = `${request.postgres}:${request.keyed}:${request.excludeKinds.length}`;
  let template = takeTemplates.get(shape);
  if (!template) {
    const compiled = takeStatement(db, marked(request)).compile();
    if (compiled.sql.includes(MARK) || /-[12]0{3}0{3}0{2}[0-3]/.test(compiled.sql)) {
      throw new Error('jobs: a value of the take statement was written into its SQL instead of a parameter');
    }
    template = { sql: compiled.sql, roles: compiled.parameters.map(roleOf) };
    takeTemplates.set(shape, template);
  }
  const parameters = template.roles.map((role) => parameterValue(role, request));
  const { rows } = await db.executeQuery<Selectable<JobsTable>>(CompiledQuery.raw(template.sql, parameters));
  return rows.map(jobFromRow).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
}
