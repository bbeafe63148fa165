/**
 * What Ringback linked in Zendesk for each episode: whether it tagged the episode's ticket as its own, the
 * side conversation its thread is copied to, and the agent it assigned the ticket to on a claim. The ticket
 * itself stays on the episode (episodes.zendesk_ticket_id): every card and the API show it.
 */
import type { Kysely, Updateable } from 'kysely';
import type { Database, ZendeskLinksTable } from './schema.js';

export interface SideConversationLink {
  ticketId: number;
  /** The side conversation's id. */
  id: string;
}

type LinkFields = Omit<Updateable<ZendeskLinksTable>, 'episode_id' | 'updated_at'>;

export class ZendeskLinkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Sets some fields of the episode's row, creating it when it is the first link. */
  private async set(episodeId: string, fields: LinkFields, now: number): Promise<void> {
    await this.db
      .insertInto('zendesk_links')
      .values({
        episode_id: episodeId,
        tagged_ticket_id: null,
        side_conversation_id: null,
        side_conversation_ticket_id: null,
        assignee_id: null,
        ticket_create_started_at: null,
        ...fields,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('episode_id').doUpdateSet({ ...fields, updated_at: now }))
      .execute();
  }

  /** The ticket Ringback tagged as its own for this episode, or null before it did. */
  async taggedTicket(episodeId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('zendesk_links')
      .select('tagged_ticket_id')
      .where('episode_id', '=', episodeId)
      .executeTakeFirst();
    return row?.tagged_ticket_id ?? null;
  }

  async markTicketTagged(episodeId: string, ticketId: number, now: number): Promise<void> {
    await this.set(episodeId, { tagged_ticket_id: ticketId }, now);
  }

  /**
   * Whether a "create ticket" for this episode may have reached Zendesk: then a ticket with its external id
   * may exist. Episodes from before migration 017 count as attempted.
   */
  async ticketCreateStarted(episodeId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('zendesk_links')
      .select('ticket_create_started_at')
      .where('episode_id', '=', episodeId)
      .executeTakeFirst();
    return row !== undefined && row.ticket_create_started_at !== null;
  }

  /** Written (and committed) before the create is sent, so a crash after it leaves the mark behind. */
  async markTicketCreateStarted(episodeId: string, now: number): Promise<void> {
    await this.set(episodeId, { ticket_create_started_at: now }, now);
  }

  /** The create certainly did not happen (held back by our budget, or a 429): nothing to search for. */
  async forgetTicketCreate(episodeId: string, now: number): Promise<void> {
    await this.set(episodeId, { ticket_create_started_at: null }, now);
  }

  /**
   * The Zendesk user Ringback assigned the episode's ticket to, or may have (it is stored before the write
   * goes out), or null (never, or released since).
   */
  async assignee(episodeId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('zendesk_links')
      .select('assignee_id')
      .where('episode_id', '=', episodeId)
      .executeTakeFirst();
    return row?.assignee_id ?? null;
  }

  async setAssignee(episodeId: string, assigneeId: number | null, now: number): Promise<void> {
    await this.set(episodeId, { assignee_id: assigneeId }, now);
  }

  /** The side conversation the episode's thread is copied to. */
  async sideConversationOf(episodeId: string): Promise<SideConversationLink | null> {
    const row = await this.db
      .selectFrom('zendesk_links')
      .select(['side_conversation_id', 'side_conversation_ticket_id'])
      .where('episode_id', '=', episodeId)
      .executeTakeFirst();
    if (!row || row.side_conversation_id === null || row.side_conversation_ticket_id === null) return null;
    return { ticketId: row.side_conversation_ticket_id, id: row.side_conversation_id };
  }

  async linkSideConversation(episodeId: string, link: SideConversationLink, now: number): Promise<void> {
    await this.set(
      episodeId,
      { side_conversation_id: link.id, side_conversation_ticket_id: link.ticketId },
      now,
    );
  }

  /** The episode whose thread a side conversation carries, for a reply coming back from Zendesk. */
  async episodeOfSideConversation(sideConversationId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('zendesk_links')
      .select('episode_id')
      .where('side_conversation_id', '=', sideConversationId)
      .orderBy('updated_at', 'desc')
      .executeTakeFirst();
    return row?.episode_id ?? null;
  }

  /** The side conversations Ringback opened on a ticket. */
  async sideConversationsOnTicket(ticketId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('zendesk_links')
      .select('side_conversation_id')
      .where('side_conversation_ticket_id', '=', ticketId)
      .where('side_conversation_id', 'is not', null)
      .orderBy('episode_id')
      .execute();
    return rows.map((row) => row.side_conversation_id).filter((id): id is string => id !== null);
  }
}
