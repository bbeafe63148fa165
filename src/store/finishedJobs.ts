/**
 * What is left of finished jobs, past its retention, deleted a batch at a time so a large backlog never
 * holds a long lock on the jobs table the runner works from. A job that completed is deleted at once
 * (src/store/jobs.ts); what remains is dead jobs, waiting for a human, and the dedupe keys of every job,
 * which keep "enqueued once, ever" true after the job's row is gone.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * The dedupe keys that only stop a webhook body (`aircall:`, `generic:`) or a timer slot
 * (`aircall.availability:`) from being queued twice: purged after a week (src/app/retention.ts). Literal SQL,
 * the very words of migration 021's partial index, so both planners use it.
 */
const SHORT_LIVED_KEYS = sql<boolean>`(key like 'aircall:%' or key like 'generic:%' or key like 'aircall.availability:%')`;

export class FinishedJobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Deletes up to `limit` dead jobs that died before `diedBefore` or were queued before `queuedBefore`;
   * answers how many. Dead jobs are few (they wait for a human), so the status prefix of the jobs_take
   * index finds them without a bound on run_at: a dead job's run_at says nothing of when it was queued.
   */
  async purgeDead(cutoffs: { diedBefore: number; queuedBefore: number }, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '=', 'dead')
          .where((w) =>
            w.or([w('updated_at', '<', cutoffs.diedBefore), w('created_at', '<', cutoffs.queuedBefore)]),
          )
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Which of `keys` have been used by a job already (queued, running, done or dead). */
  async knownKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('job_keys')
      .select('key')
      .where('key', 'in', [...keys])
      .execute();
    return new Set(rows.map((row) => row.key));
  }

  /** Deletes up to `limit` dedupe keys first used before `before`; answers how many. */
  async purgeKeys(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('job_keys')
      .where('key', 'in', (eb) =>
        eb.selectFrom('job_keys').select('key').where('created_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Deletes up to `limit` of the short-lived keys (SHORT_LIVED_KEYS) first used before `before`, along
   * their own partial index (migration 021, whose predicate this repeats word for word).
   */
  async purgeShortLivedKeys(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('job_keys')
      .where('key', 'in', (eb) =>
        eb
          .selectFrom('job_keys')
          .select('key')
          .where('created_at', '<', before)
          .where(SHORT_LIVED_KEYS)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
