import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Signatures seen within their 5-minute window, so a replayed webhook is refused (issue 11, item 4). In the
 * database rather than in memory so that a replay sent to another replica is refused too.
 */
export function replayMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('signatures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('signatures_expires').on('signatures').column('expires_at').execute();
    },
  };
}
