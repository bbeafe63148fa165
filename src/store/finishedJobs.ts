/**
 * What is left of finished jobs, past its retention, deleted a batch at a time so a large backlog never
 * holds a long lock on the jobs table the runner works from. A job that completed is deleted at once
 * (src/store/jobs.ts); what remains is dead jobs, waiting for a human, and the dedupe keys of every job,
 * which keep "enqueued once, ever" true after the job's row is gone.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export class FinishedJobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Deletes up to `limit` dead jobs that died before `before`; answers how many. */
  async purgeDead(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '=', 'dead')
          // Only there to use the (status, run_at) index: a dead job's run_at is at most one backoff
          // after it died. updated_at (when it died) decides.
          .where('run_at', '<', before)
          .where('updated_at', '<', before)
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

  /**
   * Deletes up to `limit` dedupe keys first used before `before` (only those starting with one of
   * `prefixes`, when given: plain text, no wildcards); answers how many.
   */
  async purgeKeys(before: number, limit: number, prefixes: readonly string[] = []): Promise<number> {
    const result = await this.db
      .deleteFrom('job_keys')
      .where('key', 'in', (eb) => {
        let old = eb.selectFrom('job_keys').select('key').where('created_at', '<', before);
        if (prefixes.length > 0) {
          old = old.where((inner) => inner.or(prefixes.map((prefix) => inner('key', 'like', `${prefix}%`))));
        }
        return old.limit(limit);
      })
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
