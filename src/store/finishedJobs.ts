/**
 * Finished jobs (done or dead) past their retention, deleted a batch at a time so a large backlog never
 * holds a long lock on the jobs table the runner works from.
 *
 * A done job's `dedupe_key` stops guarding once the row is gone. That is safe for the keys in use: each
 * names a one-time cause (an episode opened, a call joined, a step of one arming of a ladder) that is not
 * planned again after its job ran, and a redelivered webhook is merged idempotently by ingest.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export class FinishedJobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Deletes up to `limit` jobs in `status` that finished before `before`; answers how many. */
  async purge(status: 'done' | 'dead', before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '=', status)
          // Only there to use the (status, run_at) index: a done job ran after its run_at, a dead
          // one's is at most one backoff after it died. updated_at (when it finished) decides.
          .where('run_at', '<', before)
          .where('updated_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
