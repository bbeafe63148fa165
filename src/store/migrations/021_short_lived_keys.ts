import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * The keys that only stop a webhook body or a timer slot from being queued twice are purged after a week,
 * the others at the call retention. Without an index of their own the weekly purge walked every older key
 * of the 400 days to find them. The predicate is repeated word for word by
 * FinishedJobRepository.purgeShortLivedKeys: both planners use a partial index only for a query that says so.
 */
export function shortLivedKeysMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await sql`create index job_keys_short_lived on job_keys (created_at)
        where (key like 'aircall:%' or key like 'generic:%' or key like 'aircall.availability:%')`.execute(
        db,
      );
    },
  };
}
