import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/** Cards still to post in a channel, as jobs (`<surface>.post_card`) queued them before this migration. */
const LEGACY_POST_KINDS = ['slack.post_card', 'teams.post_card'];

/**
 * Posts get a queued state (issue 12, item 4): `card_queue` holds "the card of episode E is to be posted
 * in channel C of surface S", written in the same transaction as the change that calls for the card. A
 * channel's lane reads it instead of scanning the jobs table, a thread line waits for its card only while
 * the card is queued, and a card the surface refused for good stays here as failed (it was an in-process
 * map, forgotten at restart). The row goes once the card is posted; `posts` then says where it is.
 *
 * Cards queued by the previous version (pending post jobs) are copied in, so an upgrade loses none.
 */
export function cardQueueMigration(dialect: DialectName) {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('card_queue')
        // The order cards were queued in, for ties within one millisecond (a storm).
        .addColumn('id', serial, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('episode_id', 'text', (c) => c.notNull())
        .addColumn('surface', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('queued_at', ms, (c) => c.notNull())
        .addColumn('failed_at', ms)
        .addColumn('failure', 'text')
        .execute();
      await db.schema
        .createIndex('card_queue_one_per_channel')
        .on('card_queue')
        .columns(['episode_id', 'surface', 'channel'])
        .unique()
        .execute();
      await db.schema
        .createIndex('card_queue_lane')
        .on('card_queue')
        .columns(['surface', 'channel', 'queued_at', 'id'])
        .execute();

      const legacy = await db
        .selectFrom('jobs')
        .select(['kind', 'payload', 'created_at'])
        .where('kind', 'in', LEGACY_POST_KINDS)
        .where('status', 'in', ['pending', 'running'])
        .orderBy('id')
        .execute();
      for (const job of legacy as { kind: string; payload: string; created_at: number | string }[]) {
        let payload: { episodeId?: unknown; channel?: unknown };
        try {
          payload = JSON.parse(job.payload) as typeof payload;
        } catch {
          continue;
        }
        if (typeof payload.episodeId !== 'string' || typeof payload.channel !== 'string') continue;
        await db
          .insertInto('card_queue')
          .values({
            episode_id: payload.episodeId,
            surface: job.kind.split('.', 1)[0],
            channel: payload.channel,
            queued_at: Number(job.created_at),
          })
          .onConflict((oc) => oc.columns(['episode_id', 'surface', 'channel']).doNothing())
          .execute();
      }
    },
  };
}
