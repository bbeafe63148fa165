/**
 * The card's thread, kept on the ticket as a side conversation. The first human message in the thread
 * opens it; later ones are replies ("Ana (Slack): …"). Replies written on the Zendesk side come back
 * through the webhook (or the events poll) and are planned into every surface's thread. No echo: every
 * event Ringback wrote is recorded as delivered, carries an external id, and is authored by the API user.
 */
import type { ThreadMessage, ThreadMessagePlanner } from '../app/threads.js';
import type { RoutingConfig } from '../config/routing.js';
import { jobOf } from '../jobs/registry.js';
import { RetryAfter } from '../jobs/runner.js';
import { withHeldLease } from '../store/heldLease.js';
import type { SideConversationLink as Link } from '../store/zendeskLinks.js';
import type { ZendeskDeps } from './deps.js';
import { isZendeskStatus } from './errors.js';
import { sideMessageJob } from './jobKinds.js';
import { EPISODE_MARK, JOBS, KEYS, MESSAGE_MARK } from './keys.js';
import type { ZendeskSideConversationEvent } from './schemas.js';
import { sideConversationSubject, threadMessageBody } from './text.js';
import type { ZendeskTickets } from './tickets.js';

export type SideConversationConfig = NonNullable<RoutingConfig['zendesk']['sideConversation']>;

/** Longest text copied either way; Zendesk's Slack side conversations cut at 1000 characters anyway. */
const MAX_TEXT = 3_000;

/**
 * An event this much younger than the retention may still be copied. The event's delivery marker is purged
 * a retention after it was recorded, and Zendesk's clock and ours may differ a little.
 */
const RETENTION_MARGIN_MS = 24 * 60 * 60_000;

/**
 * Whether a side conversation event is too old to copy. Its delivery marker may be purged by now, and Zendesk
 * re-sends a side conversation whole whenever the ticket changes. An old reply would then go into the
 * thread again, bringing back text the erasure removed.
 */
export function pastRetention(
  createdAt: string | null | undefined,
  now: number,
  retentionMs: number,
): boolean {
  const at = createdAt ? Date.parse(createdAt) : Number.NaN;
  return Number.isFinite(at) && at < now - retentionMs + RETENTION_MARGIN_MS;
}

const QUOTED = /^\s*>/;
const BLANK = /^\s*$/;
const ATTRIBUTION = /^\s*On .+ wrote:\s*$/;
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*Original Message\s*-{2,}/i;

/** Where the history of an email reply begins, or null when the message carries none. */
function historyStart(lines: string[]): number | null {
  const rule = lines.findIndex((line) => ORIGINAL_MESSAGE.test(line));
  if (rule !== -1) return rule;
  let quote: number | null = null;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (QUOTED.test(line)) quote = i;
    else if (!BLANK.test(line)) break;
  }
  if (quote === null) return null;
  let above = quote;
  while (above > 0 && BLANK.test(lines[above - 1] ?? '')) above--;
  return above > 0 && ATTRIBUTION.test(lines[above - 1] ?? '') ? above - 1 : quote;
}

/**
 * Drops the quoted history an email reply carries below the new text: the quoted block that runs to the end
 * of the message, with its "On … wrote:" line, or everything from an "Original Message" rule. A quote the
 * agent answers below ("Customer said:\n> …\nI will call her") is part of the reply and stays; a reply that
 * is nothing but a quote is kept whole rather than becoming nothing.
 */
export function stripQuotedReply(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const whole = lines.join('\n').trim();
  const history = historyStart(lines);
  const kept = history === null ? whole : lines.slice(0, history).join('\n').trim();
  const text = kept === '' ? whole : kept;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

export class SideConversations {
  constructor(
    private readonly deps: ZendeskDeps,
    private readonly tickets: ZendeskTickets,
    private readonly config: SideConversationConfig,
  ) {}

  /** Registered on the thread hub: each human message becomes one job, once. */
  mirror(): ThreadMessagePlanner {
    return (message) => [
      jobOf(sideMessageJob, message, {
        dedupeKey: `${JOBS.sideMessage}:${message.author.surface}:${message.messageRef}`,
      }),
    ];
  }

  private async link(episodeId: string): Promise<Link | null> {
    return this.deps.store.zendeskLinks.sideConversationOf(episodeId);
  }

  private async remember(episodeId: string, link: Link): Promise<void> {
    await this.deps.store.zendeskLinks.linkSideConversation(episodeId, link, this.deps.clock.now());
  }

  /** Marks an event as handled: ours (never to be echoed) or already posted into the thread. */
  private async recordOurs(eventId: string | null): Promise<void> {
    if (!eventId) return;
    await this.deps.store.deliveries.recordOnce(KEYS.eventDelivery, eventId, this.deps.clock.now());
  }

  /** True when a message with this mark is already in the side conversation (a lost answer, retried). */
  private async alreadyPosted(link: Link, mark: string): Promise<boolean> {
    const events = await this.deps.client.listSideConversationEvents(link.ticketId, link.id);
    const found = events.find((event) => event.message?.external_ids?.[MESSAGE_MARK] === mark);
    if (found) await this.recordOurs(found.id);
    return found !== undefined;
  }

  /**
   * One human thread message → the side conversation (opened by the first one). `retry` says an earlier
   * attempt may have written it without learning so: then the conversation is checked first.
   */
  async post(message: ThreadMessage, retry = false): Promise<void> {
    const { store, clock } = this.deps;
    // One writer per episode: the first message opens the side conversation, the rest reply to it.
    const outcome = await withHeldLease(
      { leases: store.leases, clock },
      `zendesk.side_conversation:${message.episodeId}`,
      () => this.postHeld(message, retry),
    );
    if (!outcome.held) throw new RetryAfter(500, 'another message of this thread is being copied');
  }

  private async postHeld(message: ThreadMessage, retry: boolean): Promise<void> {
    const { store, client, logger } = this.deps;
    const ticket = await this.tickets.ensure(message.episodeId);
    if (!ticket) {
      logger.info(
        { episode: message.episodeId },
        'zendesk: no ticket for this episode; thread message not copied',
      );
      return;
    }
    if (ticket.status === 'closed') {
      // A reply on a closed ticket makes Zendesk open a follow-up ticket nobody asked for.
      logger.info(
        { episode: message.episodeId, ticket: ticket.id },
        'zendesk: the ticket is closed; thread message not copied',
      );
      return;
    }
    const body = threadMessageBody(message.author, message.text.slice(0, MAX_TEXT));
    const to = [{ email: this.config.to.email }];
    const mark = `${message.author.surface}:${message.messageRef}`;
    const externalIds = { [MESSAGE_MARK]: mark };
    let link = await this.link(message.episodeId);
    // The episode went on to a follow-up of its closed ticket (tickets.ts): a reply in the closed ticket's
    // side conversation would make Zendesk open another follow-up, so the thread starts one on the new ticket.
    if (link && link.ticketId !== ticket.id) link = null;
    let recovered = false;
    if (!link) {
      // A crash after creating it leaves it unlinked: find it by our external id before making another.
      const existing = (await client.listSideConversations(ticket.id)).find(
        (sc) => sc.external_ids?.[EPISODE_MARK] === message.episodeId,
      );
      if (existing) {
        link = { ticketId: ticket.id, id: existing.id };
        await this.remember(message.episodeId, link);
        recovered = true;
      }
    }
    if (link && (retry || recovered) && (await this.alreadyPosted(link, mark))) return;
    if (link) {
      const { eventId } = await client.replySideConversation(link.ticketId, link.id, {
        body,
        to,
        external_ids: externalIds,
      });
      await this.recordOurs(eventId);
      return;
    }
    const episode = await store.episodes.get(message.episodeId);
    const created = await client.createSideConversation(
      ticket.id,
      {
        subject: sideConversationSubject(episode?.caller ?? { number: null, name: null }),
        body,
        to,
        external_ids: externalIds,
      },
      { [EPISODE_MARK]: message.episodeId },
    );
    await this.recordOurs(created.eventId);
    await this.remember(message.episodeId, { ticketId: ticket.id, id: created.sideConversation.id });
    logger.info(
      { episode: message.episodeId, ticket: ticket.id },
      `zendesk: opened side conversation ${created.sideConversation.id} on ticket #${ticket.id}`,
    );
  }

  /** Closes the episode's side conversation (after resolve). */
  async close(episodeId: string): Promise<void> {
    const link = await this.link(episodeId);
    if (!link) return;
    await this.deps.client.setSideConversationState(link.ticketId, link.id, 'closed');
  }

  /** The side conversations Ringback opened on a ticket. */
  async idsOnTicket(ticketId: number): Promise<string[]> {
    return this.deps.store.zendeskLinks.sideConversationsOnTicket(ticketId);
  }

  /** Re-reads one side conversation's events and brings new Zendesk-side replies into the thread. */
  async sync(ticketId: number, sideConversationId: string): Promise<number> {
    const known = await this.deps.store.zendeskLinks.episodeOfSideConversation(sideConversationId);
    // Ours but not linked yet (its creation's answer was lost): our external id says which episode.
    if (!known && !(await this.adoptUnlinked(ticketId, sideConversationId))) return 0;
    const events = await this.deps.client.listSideConversationEvents(ticketId, sideConversationId);
    return this.accept(events);
  }

  /**
   * Links a side conversation Ringback opened but never linked (a process killed between Zendesk's create
   * and storing its answer), told by the episode external id set at creation. False when it is not ours.
   */
  private async adoptUnlinked(ticketId: number, sideConversationId: string): Promise<boolean> {
    let sc: Awaited<ReturnType<ZendeskDeps['client']['showSideConversation']>>;
    try {
      sc = await this.deps.client.showSideConversation(ticketId, sideConversationId);
    } catch (error) {
      if (isZendeskStatus(error, 403, 404)) return false;
      throw error;
    }
    const episodeId = sc.external_ids?.[EPISODE_MARK];
    const episode = episodeId ? await this.deps.store.episodes.get(episodeId) : null;
    // Only one on the episode's own ticket: one left on a ticket the episode moved away from (closed, then
    // followed up) would take the link back from the follow-up's, and the replies there would be dropped.
    if (!episodeId || episode?.zendeskTicketId !== ticketId) return false;
    await this.remember(episodeId, { ticketId, id: sc.id });
    this.deps.logger.info(
      { episode: episodeId, ticket: ticketId, sideConversation: sc.id },
      `zendesk: linked side conversation ${sc.id} on ticket #${ticketId}, opened for episode ${episodeId} but never linked`,
    );
    return true;
  }

  /**
   * The account-wide poll sees every side conversation of the account: only one whose create event carries
   * our message mark is looked up (one request), so the replies to it that follow are not passed over.
   */
  private async adoptOursAmong(events: ZendeskSideConversationEvent[]): Promise<void> {
    const links = this.deps.store.zendeskLinks;
    const looked = new Set<string>();
    for (const event of events) {
      if (event.type !== 'create' || !event.message?.external_ids?.[MESSAGE_MARK]) continue;
      if (event.ticket_id == null || looked.has(event.side_conversation_id)) continue;
      looked.add(event.side_conversation_id);
      if (await links.episodeOfSideConversation(event.side_conversation_id)) continue;
      await this.adoptUnlinked(event.ticket_id, event.side_conversation_id);
    }
  }

  /** Events from anywhere (per conversation or the account-wide poll): new human replies → the thread. */
  async accept(events: ZendeskSideConversationEvent[]): Promise<number> {
    const { store, clock, client, threads, routing } = this.deps;
    await this.adoptOursAmong(events);
    let posted = 0;
    let me: number | null = null;
    for (const event of events) {
      if (event.type !== 'reply' && event.type !== 'create') continue;
      if (pastRetention(event.created_at, clock.now(), routing.retention)) continue;
      const text = stripQuotedReply(event.message?.body ?? event.message?.preview_text ?? '');
      if (event.message?.external_ids?.[MESSAGE_MARK]) continue;
      if (event.via === 'api') {
        me ??= (await client.currentUser()).id;
        if (event.actor?.user_id === me) continue;
      }
      const episodeId = await store.zendeskLinks.episodeOfSideConversation(event.side_conversation_id);
      if (!episodeId) continue;
      const author = event.actor?.name ?? event.actor?.email ?? 'Someone';
      const now = clock.now();
      const planned = await store.transaction(async (repos) => {
        if (!(await repos.deliveries.recordOnce(KEYS.eventDelivery, event.id, now))) return false;
        // Recorded all the same, so a message with no text (an attachment alone) is said once, not each poll.
        if (text === '') return 'empty';
        await repos.enqueue(
          threads.planExternalText({
            episodeId,
            authorLabel: `${author} via Zendesk`,
            text,
            sourceRef: event.id,
            source: 'zendesk',
          }),
          now,
        );
        return true;
      });
      if (planned === 'empty') {
        this.deps.logger.info(
          { episode: episodeId, sideConversation: event.side_conversation_id, event: event.id },
          `zendesk: a side conversation message by ${author} (episode ${episodeId}) has no text; nothing is copied to the thread`,
        );
      } else if (planned) posted++;
    }
    return posted;
  }
}
