/**
 * One Zendesk ticket per episode, kept in step with the card: found or created once, a note per further
 * missed call, the assignee following claim/release, and one resolve note with tags and status. A ticket
 * Zendesk closed meanwhile is followed by a follow-up ticket, which the episode keeps from then on.
 * Every write is a safe update (updated_stamp); a 409 re-reads the ticket and tries again, because Talk
 * and side conversations touch the same tickets.
 */

import { lineNamed, timezoneOf } from '../app/routing.js';
import { parseDetails } from '../domain/details.js';
import type { Episode } from '../domain/types.js';
import { PermanentFailure, RetryAfter } from '../jobs/runner.js';
import type { Logger } from '../observability/logger.js';
import { withHeldLease } from '../store/heldLease.js';
import type { TicketWrite } from './client.js';
import type { ZendeskDeps } from './deps.js';
import { linkTicket } from './episodeLink.js';
import { isConflict, isZendeskStatus, ZendeskHeldBack } from './errors.js';
import { followUpExternalId, ticketExternalId } from './keys.js';
import type { Requester } from './requester.js';
import type { ZendeskTicket } from './schemas.js';
import {
  anotherCallNote,
  followUpTicketComment,
  hasCallMarker,
  missedCallComment,
  outcomeTag,
  resolveNote,
  ticketSubject,
} from './text.js';

export const TICKET_TAGS = ['ringback', 'missed_call'];
const SAFE_UPDATE_ATTEMPTS = 6;
/** Follow-ups one record opens in a row before it gives up: someone would be closing each new one at once. */
const FOLLOW_UP_HOPS = 3;

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * Zendesk takes no change to a closed ticket (422, "Record validation errors"): the write is not sent, and
 * the log says what becomes of it (`consequence`) rather than failing its job for good with that message.
 */
export function closedForWrites(
  ticket: ZendeskTicket,
  logger: Logger,
  consequence = "Ringback's note or update is not written",
): boolean {
  if (ticket.status !== 'closed') return false;
  logger.info(
    { ticket: ticket.id },
    `zendesk: ticket #${ticket.id} is closed and takes no more changes; ${consequence}`,
  );
  return true;
}

/** What `ZendeskTickets.write` did with a change. */
export type TicketWriteResult = 'written' | 'unchanged' | 'closed';

export class ZendeskTickets {
  constructor(private readonly deps: ZendeskDeps) {}

  private async episode(episodeId: string): Promise<Episode> {
    const episode = await this.deps.store.episodes.get(episodeId);
    if (!episode) throw new PermanentFailure(`episode ${episodeId} does not exist`);
    return episode;
  }

  /**
   * Runs `work` while holding the episode's ticket lease, so two jobs of one episode never create two
   * tickets; a job that finds the lease taken comes back in a moment.
   */
  private async exclusively<T>(episodeId: string, work: () => Promise<T>): Promise<T> {
    const { store, clock } = this.deps;
    const outcome = await withHeldLease({ leases: store.leases, clock }, `zendesk.ticket:${episodeId}`, work);
    if (!outcome.held) {
      throw new RetryAfter(1_000, `another job is working on the ticket of episode ${episodeId}`);
    }
    return outcome.value;
  }

  /**
   * The episode's ticket: the one already linked (Zendesk Talk's, or ours), one a crashed attempt created
   * (found by external id), or a new one. Null when Ringback should not create tickets and none exists.
   */
  async ensure(episodeId: string): Promise<ZendeskTicket | null> {
    return this.exclusively(episodeId, () => this.ensureLocked(episodeId));
  }

  private async ensureLocked(episodeId: string): Promise<ZendeskTicket | null> {
    const { client, routing, store, clock, requesters } = this.deps;
    const episode = await this.episode(episodeId);

    if (episode.zendeskTicketId !== null) return this.adopt(episode, episode.zendeskTicketId);

    // Only a create that may have reached Zendesk (a crash before its link) can have left a ticket to find.
    if (await store.zendeskLinks.ticketCreateStarted(episode.id)) {
      const [existing] = await client.findTicketsByExternalId(ticketExternalId(episode.id));
      if (existing) {
        await linkTicket(this.deps, episode.id, existing.id, await this.requesterOf(existing));
        return existing;
      }
    }
    if (!routing.zendesk.createTickets) return null;

    // Zendesk Talk may still be making its own ticket for this call: give it a moment, then ours.
    const calls = await store.providerCalls.listForEpisode(episode.id);
    const waitUntil = episode.missedAt + this.deps.talkTicketGraceMs;
    if (calls.some((call) => call.provider === 'zendesk') && clock.now() < waitUntil) {
      throw new RetryAfter(waitUntil - clock.now(), 'waiting for the ticket Zendesk Talk may create');
    }

    const details = parseDetails(await store.episodes.getDetails(episode.id));
    const { requester, created } = await requesters.find(episode.caller);
    const groupId = lineNamed(routing, episode.line)?.zendeskGroupId;
    await store.zendeskLinks.markTicketCreateStarted(episode.id, clock.now());
    const ticket = await client
      .createTicket({
        subject: ticketSubject(episode.caller),
        comment: {
          body: missedCallComment(episode, details, timezoneOf(routing, episode.line)),
          public: false,
        },
        requester_id: requester.id,
        ...(groupId ? { group_id: groupId } : {}),
        tags: TICKET_TAGS,
        external_id: ticketExternalId(episode.id),
      })
      .catch(async (error: unknown) => {
        // Zendesk did nothing: the next attempt need not search for a ticket this one made.
        if (error instanceof ZendeskHeldBack)
          await store.zendeskLinks.forgetTicketCreate(episode.id, clock.now());
        throw error;
      });
    this.deps.logger.info(
      { episode: episode.id, ticket: ticket.id },
      `zendesk: created ticket #${ticket.id} for episode ${episode.id}`,
    );
    await linkTicket(this.deps, episode.id, ticket.id, requester, { newRequester: created });
    return ticket;
  }

  /** A ticket someone else made (Talk): tag it as Ringback's once and take its requester for the card. */
  private async adopt(episode: Episode, ticketId: number): Promise<ZendeskTicket> {
    const { client, store, clock } = this.deps;
    let ticket = await client.showTicket(ticketId);
    if ((await store.zendeskLinks.taggedTicket(episode.id)) === null) {
      if (!TICKET_TAGS.every((tag) => ticket.tags.includes(tag))) {
        ticket = await this.safely(ticket, async (current) => {
          await client.addTags(current.id, TICKET_TAGS, current.updated_at);
          return client.showTicket(current.id);
        });
      }
      await store.zendeskLinks.markTicketTagged(episode.id, ticket.id, clock.now());
    }
    const details = parseDetails(await store.episodes.getDetails(episode.id));
    if (ticket.requester_id !== null && details.requester?.id !== ticket.requester_id) {
      const requester = await this.requesterOf(ticket);
      if (requester) await linkTicket(this.deps, episode.id, ticket.id, requester);
    }
    return ticket;
  }

  private async requesterOf(ticket: ZendeskTicket): Promise<Requester | null> {
    if (ticket.requester_id === null) return null;
    const user = await this.deps.agents.user(ticket.requester_id);
    return user ? { id: user.id, name: user.name } : null;
  }

  /** Runs a write against the latest ticket; a 409 (someone changed it) re-reads and runs it again. */
  private async safely<T>(ticket: ZendeskTicket, write: (current: ZendeskTicket) => Promise<T>): Promise<T> {
    let current = ticket;
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(current);
      } catch (error) {
        if (!isConflict(error) || attempt >= SAFE_UPDATE_ATTEMPTS) throw error;
        this.deps.logger.debug(
          { ticket: current.id, attempt },
          'zendesk: update conflict; re-reading the ticket',
        );
        current = await this.deps.client.showTicket(current.id);
      }
    }
  }

  /**
   * Writes the change built from the latest ticket as a safe update (a 409 re-reads and builds again);
   * answers what the last attempt did: written, nothing to write (null from `build`), or a closed ticket
   * that takes nothing, which a caller must not take for "already there" (a ticket closed between a 409 and
   * its re-read included).
   */
  async write(
    ticket: ZendeskTicket,
    build: (current: ZendeskTicket) => TicketWrite | null | Promise<TicketWrite | null>,
    whenClosed?: string,
  ): Promise<TicketWriteResult> {
    return this.safely(ticket, async (current): Promise<TicketWriteResult> => {
      if (closedForWrites(current, this.deps.logger, whenClosed)) return 'closed';
      const change = await build(current);
      if (!change) return 'unchanged';
      await this.deps.client.updateTicket(current.id, change, current.updated_at);
      return 'written';
    });
  }

  /**
   * Writes what the ticket must keep (a missed call's note, a call-back attempt, the resolution). Zendesk
   * takes nothing more on a closed ticket, so the record goes to a follow-up ticket of it, the episode's
   * ticket from then on; 'closed' only when Ringback must not open tickets (`createTickets: false`).
   */
  async record(
    episodeId: string,
    ticket: ZendeskTicket,
    build: (current: ZendeskTicket) => TicketWrite | null | Promise<TicketWrite | null>,
  ): Promise<TicketWriteResult> {
    const followsUp = this.deps.routing.zendesk.createTickets;
    let target = ticket;
    for (let hop = 0; ; hop++) {
      const result = await this.write(
        target,
        build,
        followsUp ? 'a follow-up ticket takes the write' : undefined,
      );
      if (result !== 'closed' || !followsUp || hop >= FOLLOW_UP_HOPS) return result;
      target = await this.followUpOf(episodeId, target);
    }
  }

  /**
   * A note about a call or a call-back attempt, not the outcome: written like `record` while the episode is
   * open. Once it is resolved the note is history, and a closed ticket leaves it out (logged) rather than
   * open a follow-up ticket nobody would ever work: a call the Talk poller delivers days late, after the
   * callback was resolved and Zendesk closed the ticket, joins the resolved episode.
   */
  async note(
    episode: Episode,
    ticket: ZendeskTicket,
    build: (current: ZendeskTicket) => TicketWrite | null | Promise<TicketWrite | null>,
  ): Promise<TicketWriteResult> {
    if (episode.state === 'resolved') return this.write(ticket, build);
    return this.record(episode.id, ticket, build);
  }

  /**
   * The follow-up of the episode's closed ticket, opened once: under the episode's ticket lease, and found
   * by its external id when an attempt that crashed (or lost Zendesk's answer) may have opened it. There is
   * no mark of a started create as for the first ticket: follow-ups are rare, and one search each is cheap.
   */
  private async followUpOf(episodeId: string, closed: ZendeskTicket): Promise<ZendeskTicket> {
    return this.exclusively(episodeId, async () => {
      const { client } = this.deps;
      const episode = await this.episode(episodeId);
      // Another job of the episode opened it meanwhile: it is the episode's ticket already.
      if (episode.zendeskTicketId !== null && episode.zendeskTicketId !== closed.id) {
        return client.showTicket(episode.zendeskTicketId);
      }
      const externalId = followUpExternalId(episodeId, closed.id);
      const [opened] = await client.findTicketsByExternalId(externalId);
      const followUp = opened ?? (await this.openFollowUp(episode, closed, externalId));
      await linkTicket(this.deps, episodeId, followUp.id, null, { followUpOf: closed.id });
      return followUp;
    });
  }

  /** Zendesk's way to add to a closed ticket: a new one that names it (`via_followup_source_id`). */
  private async openFollowUp(
    episode: Episode,
    closed: ZendeskTicket,
    externalId: string,
  ): Promise<ZendeskTicket> {
    const { client, routing, store, requesters, logger } = this.deps;
    const details = parseDetails(await store.episodes.getDetails(episode.id));
    const requesterId = closed.requester_id ?? (await requesters.find(episode.caller)).requester.id;
    const groupId = closed.group_id ?? lineNamed(routing, episode.line)?.zendeskGroupId;
    const followUp = await client.createTicket({
      subject: ticketSubject(episode.caller),
      comment: {
        body: followUpTicketComment(episode, details, timezoneOf(routing, episode.line), closed.id),
        public: false,
      },
      requester_id: requesterId,
      ...(groupId ? { group_id: groupId } : {}),
      // Not the closed ticket's tags: its outcome tag would say this one's resolve note is written.
      tags: TICKET_TAGS,
      external_id: externalId,
      via_followup_source_id: closed.id,
    });
    logger.info(
      { episode: episode.id, ticket: followUp.id, closedTicket: closed.id },
      `zendesk: ticket #${closed.id} is closed; opened follow-up ticket #${followUp.id} for episode ${episode.id}`,
    );
    return followUp;
  }

  /** Another missed call of the same episode: an internal note (never a second ticket). */
  async noteCall(episodeId: string, call: { providerCallKey: string; at: number }): Promise<void> {
    const ticket = await this.ensure(episodeId);
    if (!ticket) return;
    const { client, store, routing } = this.deps;
    // A retried job must not write the note twice: the marker in an earlier note says it is there.
    const comments = await client.listComments(ticket.id);
    if (comments.some((comment) => hasCallMarker(comment.body, call.providerCallKey))) return;
    const episode = await this.episode(episodeId);
    const details = parseDetails(await store.episodes.getDetails(episodeId));
    const known = details.calls.find((c) => c.key === call.providerCallKey);
    const stored = await store.providerCalls.get(call.providerCallKey);
    const talkTicketId = (stored?.data as { zendeskTicketId?: unknown } | undefined)?.zendeskTicketId;
    const body = anotherCallNote(
      episode,
      {
        key: call.providerCallKey,
        at: known?.at ?? call.at,
        reason: known?.reason ?? null,
        talkTicketId: typeof talkTicketId === 'number' && talkTicketId !== ticket.id ? talkTicketId : null,
      },
      timezoneOf(routing, episode.line),
    );
    await this.note(episode, ticket, () => ({ comment: { body, public: false } }));
  }

  /** Claim → the clicker's agent is the assignee (a new ticket opens); release → unassigned again. */
  async syncAssignee(episodeId: string): Promise<void> {
    const episode = await this.episode(episodeId);
    // After resolve the resolve job owns the ticket; a late assign job must not reopen it.
    if (episode.state === 'resolved') return;
    const ticket = await this.ensure(episodeId);
    if (!ticket) return;
    const { store, clock, agents, logger } = this.deps;

    if (episode.claimedBy) {
      const email = episode.claimedBy.email;
      const agent = email ? await agents.byEmail(email) : null;
      if (!agent) {
        logger.info(
          { episode: episodeId, ticket: ticket.id },
          `zendesk: ${episode.claimedBy.name} is not a Zendesk agent; ticket #${ticket.id} keeps its assignee`,
        );
        return;
      }
      const agentId = Number(agent.id);
      // Set by the attempt that wrote (a 409 builds again): only an assignee this write changed is
      // Ringback's to take back on release; one set in Zendesk (a lead, Talk) stays when the card is released.
      let reassigned = false;
      // Write-ahead: the assignee is stored before the write that sets it goes out, so a process killed
      // between Zendesk applying it and Ringback learning so still knows it may be its own. Release takes
      // back only an assignee that is still this agent, so a write that never applied costs nothing.
      const before = await store.zendeskLinks.assignee(episodeId);
      let intended = false;
      const forgetIntent = async () => {
        if (intended) await store.zendeskLinks.setAssignee(episodeId, before, clock.now());
      };
      try {
        const result = await this.write(ticket, async (current) => {
          reassigned = current.assignee_id !== agentId;
          // Only a ticket nobody has worked yet is opened: pending, on-hold or solved is an agent's call,
          // which a click on the card must not undo.
          const opening = current.status === 'new';
          if (current.assignee_id === agentId && !opening) return null;
          if (reassigned && !intended && before !== agentId) {
            await store.zendeskLinks.setAssignee(episodeId, agentId, clock.now());
            intended = true;
          }
          return opening ? { assignee_id: agentId, status: 'open' } : { assignee_id: agentId };
        });
        if (result !== 'written') reassigned = false;
      } catch (error) {
        if (!isZendeskStatus(error, 422)) {
          // The write may have gone through with its answer lost (a 502, a timeout): the retry then finds
          // the agent assigned and changes nothing, so the intent stays remembered as Ringback's.
          if (!reassigned) await forgetIntent();
          throw error;
        }
        await forgetIntent();
        // An agent of another group than the ticket's: Zendesk says no, and no retry changes that.
        logger.warn(
          { episode: episodeId, ticket: ticket.id, error: error.message },
          `zendesk: ticket #${ticket.id} could not be assigned to ${episode.claimedBy.name} (${error.message}); it keeps its assignee`,
        );
        return;
      }
      // Someone else set this agent meanwhile (a 409, then nothing to change): not Ringback's to take back.
      if (!reassigned) await forgetIntent();
      return;
    }

    // Released: unassign only what Ringback assigned; someone may have reassigned it in Zendesk since.
    const assigned = await store.zendeskLinks.assignee(episodeId);
    if (assigned === null) return;
    await this.write(ticket, (current) => (current.assignee_id === assigned ? { assignee_id: null } : null));
    await store.zendeskLinks.setAssignee(episodeId, null, clock.now());
  }

  /** The one resolve note, with the outcome tags, the status and the outcome field. */
  async resolve(episodeId: string): Promise<void> {
    const episode = await this.episode(episodeId);
    if (episode.state !== 'resolved' || !episode.outcome) return;
    const ticket = await this.ensure(episodeId);
    if (!ticket) return;
    const { routing, agents, client } = this.deps;
    const onResolve = routing.zendesk.onResolve;
    const marker = outcomeTag(episode.outcome);
    const note = resolveNote(episode, timezoneOf(routing, episode.line));
    const people = [episode.resolvedBy?.email, episode.claimedBy?.email].filter(
      (email): email is string => typeof email === 'string',
    );

    const record = (current: ZendeskTicket): TicketWrite | null => {
      // The outcome tag is written with the note in one update: present means the note is there.
      if (current.tags.includes(marker)) return null;
      return {
        comment: { body: note, public: false },
        tags: union(current.tags, onResolve.addTags, [marker]),
        ...(onResolve.outcomeFieldId
          ? { custom_fields: [{ id: onResolve.outcomeFieldId, value: episode.outcome as string }] }
          : {}),
      };
    };
    try {
      await this.record(episodeId, ticket, async (current) => {
        const recorded = record(current);
        if (!recorded) return null;
        const change: TicketWrite = { ...recorded, status: onResolve.status };
        if (current.assignee_id === null) {
          let assignee: number | null = null;
          for (const email of people) {
            const agent = await agents.byEmail(email);
            if (agent) {
              assignee = Number(agent.id);
              break;
            }
          }
          // Zendesk refuses to solve a ticket nobody is assigned to: fall back to the API user.
          if (assignee === null && onResolve.status === 'solved') assignee = (await client.currentUser()).id;
          if (assignee !== null) change.assignee_id = assignee;
        }
        return change;
      });
    } catch (error) {
      if (!isZendeskStatus(error, 422)) throw error;
      // Zendesk refused the status or the assignee (an agent outside the ticket's group, a field required to
      // solve): the note, tags and outcome field are still written, and the admin is told what to fix.
      this.deps.logger.warn(
        { episode: episodeId, ticket: ticket.id, error: error.message },
        `zendesk: ticket #${ticket.id} could not be set ${onResolve.status} or assigned (${error.message}); the resolve note is written without`,
      );
      await this.record(episodeId, ticket, record);
    }
  }
}
