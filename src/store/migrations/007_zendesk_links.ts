import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * What Ringback linked in Zendesk for each episode (the ticket it tagged as its own, the side conversation of
 * its thread, the agent it assigned), in typed columns instead of strings in `cursors` (issue 12, item 4).
 * An upgraded deployment keeps its links: the old `cursors` rows are copied here and then deleted, so there
 * is one place to read them. The prefixes are spelled out here rather than imported: they are the names
 * earlier versions wrote, and must not follow later changes to the Zendesk code.
 */
export function zendeskLinksMigration(dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      // The copy and the delete must land together, or a crash in between would lose links or leave them
      // in both places.
      await atomically(db, dialect, async (trx) => {
        await trx.schema
          .createTable('zendesk_links')
          .addColumn('episode_id', 'text', (c) => c.primaryKey())
          .addColumn('tagged_ticket_id', ms)
          .addColumn('side_conversation_id', 'text')
          .addColumn('side_conversation_ticket_id', ms)
          .addColumn('assignee_id', ms)
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();
        // Replies arriving from Zendesk name only the side conversation (and the ticket).
        await trx.schema
          .createIndex('zendesk_links_side_conversation')
          .on('zendesk_links')
          .column('side_conversation_id')
          .execute();
        await trx.schema
          .createIndex('zendesk_links_side_conversation_ticket')
          .on('zendesk_links')
          .column('side_conversation_ticket_id')
          .execute();

        const cursors: CursorRow[] = await trx
          .selectFrom('cursors')
          .select(['name', 'value', 'updated_at'])
          .where('name', 'like', 'zendesk.%')
          .execute();
        const { links, copied } = linksFromCursors(cursors);
        for (let i = 0; i < links.length; i += BATCH) {
          await trx
            .insertInto('zendesk_links')
            .values(links.slice(i, i + BATCH))
            .onConflict((oc) => oc.column('episode_id').doNothing())
            .execute();
        }
        for (let i = 0; i < copied.length; i += BATCH) {
          await trx
            .deleteFrom('cursors')
            .where('name', 'in', copied.slice(i, i + BATCH))
            .execute();
        }
      });
    },
  };
}

// Six values per row stays far below every driver's parameter limit.
const BATCH = 500;

const OLD = {
  sideConversationOf: 'zendesk.side_conversation:',
  episodeOfSideConversation: 'zendesk.side_conversation.episode:',
  sideConversationsOfTicket: 'zendesk.side_conversation.ticket:',
  assignedAgent: 'zendesk.assigned:',
  ticketTagged: 'zendesk.ticket_tagged:',
} as const;

const sideConversationValue = z.object({ ticketId: z.number().int(), id: z.string().min(1) });
const idListValue = z.array(z.string());

interface CursorRow {
  name: string;
  value: string;
  updated_at: number | string;
}

interface ZendeskLinkRow {
  episode_id: string;
  tagged_ticket_id: number | null;
  side_conversation_id: string | null;
  side_conversation_ticket_id: number | null;
  assignee_id: number | null;
  updated_at: number;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ticketNumber(text: string): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isSafeInteger(value) ? value : null;
}

/**
 * The typed rows the old `cursors` entries describe, and the names of the entries they replace. An entry
 * that cannot be read is neither copied nor deleted, so nothing is lost silently.
 */
function linksFromCursors(cursors: CursorRow[]): { links: ZendeskLinkRow[]; copied: string[] } {
  const links = new Map<string, ZendeskLinkRow>();
  const copied: string[] = [];
  const linkOf = (episodeId: string, updatedAt: number): ZendeskLinkRow => {
    let link = links.get(episodeId);
    if (!link) {
      link = {
        episode_id: episodeId,
        tagged_ticket_id: null,
        side_conversation_id: null,
        side_conversation_ticket_id: null,
        assignee_id: null,
        updated_at: updatedAt,
      };
      links.set(episodeId, link);
    }
    link.updated_at = Math.max(link.updated_at, updatedAt);
    return link;
  };

  // Which ticket each side conversation is on, for an episode whose own entry is missing.
  const ticketOfSideConversation = new Map<string, number>();
  for (const row of cursors) {
    if (!row.name.startsWith(OLD.sideConversationsOfTicket)) continue;
    const ticketId = ticketNumber(row.name.slice(OLD.sideConversationsOfTicket.length));
    const ids = idListValue.safeParse(parseJson(row.value));
    if (ticketId === null || !ids.success) continue;
    for (const id of ids.data) ticketOfSideConversation.set(id, ticketId);
    copied.push(row.name);
  }

  for (const row of cursors) {
    const at = Number(row.updated_at);
    if (row.name.startsWith(OLD.sideConversationOf)) {
      const value = sideConversationValue.safeParse(parseJson(row.value));
      if (!value.success) continue;
      const link = linkOf(row.name.slice(OLD.sideConversationOf.length), at);
      link.side_conversation_id = value.data.id;
      link.side_conversation_ticket_id = value.data.ticketId;
      copied.push(row.name);
    } else if (row.name.startsWith(OLD.assignedAgent)) {
      const value = row.value === '' ? null : ticketNumber(row.value);
      if (row.value !== '' && value === null) continue;
      linkOf(row.name.slice(OLD.assignedAgent.length), at).assignee_id = value;
      copied.push(row.name);
    } else if (row.name.startsWith(OLD.ticketTagged)) {
      const value = ticketNumber(row.value);
      if (value === null) continue;
      linkOf(row.name.slice(OLD.ticketTagged.length), at).tagged_ticket_id = value;
      copied.push(row.name);
    }
  }

  // The reverse entries were written with the forward ones; they add something only when the forward
  // entry of that episode is missing.
  for (const row of cursors) {
    if (!row.name.startsWith(OLD.episodeOfSideConversation) || row.value === '') continue;
    const sideConversationId = row.name.slice(OLD.episodeOfSideConversation.length);
    const link = linkOf(row.value, Number(row.updated_at));
    if (link.side_conversation_id === null) {
      link.side_conversation_id = sideConversationId;
      link.side_conversation_ticket_id = ticketOfSideConversation.get(sideConversationId) ?? null;
    }
    copied.push(row.name);
  }

  return { links: [...links.values()], copied };
}
