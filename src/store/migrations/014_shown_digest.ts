import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * What each posted card shows, as a digest (`posts.shown_digest`): an update that would render the same
 * card again is not sent. Most changes to a call (its priority worked out as normal, a first call counted)
 * leave its card as it was, and Slack allows about 50 chat.update a minute per workspace, so at 20 calls a
 * second those unchanged updates queued for minutes and crowded the runner. Null: unknown (send the update).
 */
export function shownDigestMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('posts').addColumn('shown_digest', 'text').execute();
    },
  };
}
