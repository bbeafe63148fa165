import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * When a call was first claimed (episodes.first_claimed_at), kept through releases and hand-overs: a
 * hand-over set claimed_at to its own time, and the claim SLA and the time to claim then measured the
 * hand-over. Older episodes get their first `claimed` from the audit, or their claimed_at.
 */
export function firstClaimedAtMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await atomically(db, dialect, async (trx) => {
        await trx.schema.alterTable('episodes').addColumn('first_claimed_at', 'bigint').execute();
        await sql`
          update episodes set first_claimed_at = coalesce(
            (select min(audit.at) from audit where audit.episode_id = episodes.id and audit.type = 'claimed'),
            claimed_at)`.execute(trx);
      });
    },
  };
}
