/** Job kinds and key-value names of the Zendesk adapter, in one place so none is spelled twice. */

export const JOBS = {
  /** Find or create the episode's ticket (and link it). */
  ensureTicket: 'zendesk.ticket.ensure',
  /** Internal note for a further missed call of the episode. */
  callNote: 'zendesk.ticket.call_note',
  /** Mirror the claim on the ticket's assignee. */
  assign: 'zendesk.ticket.assign',
  /** The resolve note, tags, status and outcome field. */
  resolve: 'zendesk.ticket.resolve',
  /** A human thread message → the side conversation. */
  sideMessage: 'zendesk.side_conversation.message',
  /** Close the side conversation after resolve. */
  sideClose: 'zendesk.side_conversation.close',
  /** A verified webhook delivery: re-read the ticket / side conversation it names. */
  webhook: 'zendesk.webhook',
} as const;

/**
 * store.cursors names (kept forever), store.identities keys (cached with a TTL) and delivery markers. What
 * Ringback linked in Zendesk (tagged ticket, side conversation, assignee) is a typed row of store.zendeskLinks.
 */
export const KEYS = {
  /** Cache: agent by email. */
  agentByEmail: (email: string) => `zendesk.agent:${email.trim().toLowerCase()}`,
  /** Cache: user (name, email, phone) by id. */
  user: (userId: number) => `zendesk.user:${userId}`,
  /** Cache: requester by caller number (or `withheld`). */
  requester: (number: string | null) => `zendesk.requester:${number ?? 'withheld'}`,
  /** Cursor of the side-conversation events poll (unix seconds). */
  sideConversationCursor: 'zendesk.side_conversation.events',
  /** Inbound dedupe of side-conversation events: written by us, or already posted into the thread. */
  eventDelivery: 'zendesk-side-conversation',
} as const;

/** The external id of a ticket Ringback creates, so a retried job finds it instead of creating another. */
export function ticketExternalId(episodeId: string): string {
  return `ringback-${episodeId}`;
}

/**
 * The external id of the follow-up ticket Ringback opens when the episode's ticket is closed, so a retried
 * job finds it instead of opening another.
 */
export function followUpExternalId(episodeId: string, closedTicketId: number): string {
  return `ringback-${episodeId}-follow-up-of-${closedTicketId}`;
}

/** Put on every side-conversation message Ringback writes, to tell our own messages from replies. */
export const MESSAGE_MARK = 'ringback_message';
export const EPISODE_MARK = 'ringback_episode';
