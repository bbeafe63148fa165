import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Bounded data (issue 11, item 8) and the paged read API (item 9).
 *
 * `erased_at` marks call records whose caller data was erased past the routing file's `retention`, so the
 * purge never reads them again; the partial indexes hold only rows still to erase, so finding the next
 * batch stays cheap however many erased rows pile up behind them. `episodes_created_id` is the read API's
 * keyset: (created_at, id) never changes once written, unlike missed_at (a late delivery of an earlier
 * call moves it back), so a page boundary cannot move under a client. Finished jobs need no index of their
 * own: the existing (status, run_at) one finds them, which keeps the job runner's hot path unchanged.
 */
export function retentionMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('episodes').addColumn('erased_at', ms).execute();
      await db.schema.alterTable('provider_calls').addColumn('erased_at', ms).execute();
      await db.schema
        .createIndex('episodes_to_erase')
        .on('episodes')
        .column('last_call_at')
        .where(sql.ref('erased_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('provider_calls_to_erase')
        .on('provider_calls')
        .column('updated_at')
        .where(sql.ref('erased_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('episodes_created_id')
        .on('episodes')
        .columns(['created_at', 'id'])
        .execute();
    },
  };
}
