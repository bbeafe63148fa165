import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Card post attempts: `card_queue.attempted_at` is written (and committed) just before the surface is asked
 * to post the card. A process killed after the vendor posted the card but before the post was stored
 * leaves the row with this set; the next delivery then asks the surface whether the card is already there
 * (ChatSurface.findPostedCard) instead of posting it a second time. Null: never attempted.
 */
export function cardAttemptsMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('card_queue').addColumn('attempted_at', ms).execute();
    },
  };
}
