import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * When Ringback last sent a "create ticket" for an episode (zendesk_links.ticket_create_started_at). Only
 * an attempt that reached Zendesk can have left a ticket behind (a crash between the create and its link),
 * so the search by external id that finds such a ticket is needed only when this is set: one Zendesk
 * request less for every new ticket, and for every retry of a job that was paced before it created one.
 *
 * Versions before this one did not write it, and a job of theirs may still be waiting to run: every episode
 * without a ticket yet is marked as "may have been attempted" (0), so it searches as before.
 */
export function ticketCreateStartedMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      // The new column and the marks of older episodes land together.
      await atomically(db, dialect, async (trx) => {
        await trx.schema
          .alterTable('zendesk_links')
          .addColumn('ticket_create_started_at', 'bigint')
          .execute();
        await sql`
          insert into zendesk_links (episode_id, updated_at, ticket_create_started_at)
          select id, updated_at, 0 from episodes where zendesk_ticket_id is null
          on conflict (episode_id) do update set ticket_create_started_at = 0`.execute(trx);
      });
    },
  };
}
