/**
 * Zendesk Talk calls → ingest, shared by the export poller and the voice-ticket webhook: finds the caller's
 * number (the call's ticket, else its customer), agent names (users API, cached), merges the legs seen so
 * far, and remembers what it sent so later legs can enrich the same call.
 */

import { Counter } from 'prom-client';
import { type IngestDeps, ingestCallEvent } from '../../app/ingest.js';
import type { CallEvent, CallLeg } from '../../domain/callEvent.js';
import { toE164 } from '../../domain/phone.js';
import { boundLabels, LABELS } from '../../observability/labels.js';
import type { Metrics } from '../../observability/metrics.js';
import { type UnsafeLinkSink, unsafeLinkReporter } from '../../providers/links.js';
import type { ZendeskUserInfo } from '../agents.js';
import type { ZendeskDeps } from '../deps.js';
import { isZendeskStatus } from '../errors.js';
import {
  type TalkCall,
  type TalkLeg,
  talkCallSchema,
  talkLegSchema,
  type ZendeskTicket,
} from '../schemas.js';
import {
  isKnownLegStatus,
  isOutboundTicket,
  judgeTalkCall,
  talkCallToEvent,
  talkLegToCallLeg,
  viaNumber,
  voiceTicketToEvent,
} from './normalize.js';

const DAY_MS = 24 * 60 * 60_000;
const TALK_SOURCES = new Set(['export', 'legs', 'voice_ticket']);

const KEYS = {
  /** The CallEvent last sent for a call, so its later legs can be added (cards and the agent leg report). */
  event: (callId: number | string) => `zendesk.talk.event:${callId}`,
  /** Legs seen for a call, by leg id. */
  legs: (callId: number | string) => `zendesk.talk.legs:${callId}`,
  /** Talk call id of a ticket, for voice tickets whose comment does not carry it. */
  callOfTicket: (ticketId: number) => `zendesk.talk.ticket_call:${ticketId}`,
  /** The caller a ticket names. */
  ticketCaller: (ticketId: number) => `zendesk.talk.ticket_caller:${ticketId}`,
  phoneNumbers: 'zendesk.talk.phone_numbers',
};

export interface TalkCallerInfo {
  number: string | null;
  raw: string | null;
  name: string | null;
}

export class TalkIngest {
  private readonly warned = new Set<string>();
  readonly events: Counter<'source' | 'outcome'>;
  private readonly onUnsafeLink: UnsafeLinkSink;

  constructor(
    private readonly deps: ZendeskDeps,
    private readonly ingest: IngestDeps,
    metrics: Metrics,
  ) {
    this.events = boundLabels(
      new Counter({
        name: 'ringback_zendesk_talk_events_total',
        help: 'Zendesk Talk calls turned into call events, by source (export, legs, voice_ticket) and ingest outcome',
        labelNames: ['source', 'outcome'] as const,
        registers: [metrics.registry],
      }),
      { source: TALK_SOURCES, outcome: LABELS.ingestOutcomes },
    );
    this.onUnsafeLink = unsafeLinkReporter('zendesk', metrics, deps.logger);
  }

  /** Logs something odd once per process (unknown statuses must not flood the log). */
  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn({ key }, message);
  }

  private async send(event: CallEvent, source: string): Promise<void> {
    const result = await ingestCallEvent(this.ingest, event);
    this.events.inc({ source, outcome: result.outcome });
  }

  private async cached<T>(key: string): Promise<T | null> {
    return this.deps.store.identities.get<T>(key, this.deps.clock.now());
  }

  private async cache(key: string, value: unknown, ttlMs = DAY_MS): Promise<void> {
    await this.deps.store.identities.put(key, value, this.deps.clock.now() + ttlMs);
  }

  /**
   * The other party of a call: the number from the call's ticket (`via.source`), else the Talk customer's
   * profile phone, else the ticket requester's; the name from the profile (all cached).
   */
  async callerOf(call: TalkCall): Promise<TalkCallerInfo> {
    // The ticket says the number this call came from; the profile's phone is the customer's main number,
    // which may be another (an office line, a mobile). Episodes group and resolve by number.
    const fromTicket = call.ticket_id === null ? null : await this.ticketCallerOf(call.ticket_id, call);
    const profile = call.customer_id === null ? null : await this.userOrNone(call.customer_id);
    const name = profile?.name || null;
    if (fromTicket?.number) return { number: fromTicket.number, raw: fromTicket.raw, name };
    if (profile?.phone) return { number: toE164(profile.phone), raw: profile.phone, name };
    const requester =
      fromTicket?.requesterId && fromTicket.requesterId !== call.customer_id
        ? await this.userOrNone(fromTicket.requesterId)
        : null;
    if (requester?.phone)
      return {
        number: toE164(requester.phone),
        raw: requester.phone,
        name: name ?? (requester.name || null),
      };
    return { number: null, raw: fromTicket?.raw ?? null, name };
  }

  /**
   * The caller a call's ticket names (`via.source`), cached per ticket; null when the ticket cannot be read.
   * The side is picked by the ticket's own direction, not the call's: an agent often calls back from the
   * caller's voice ticket, whose source still describes her inbound call (from = her, to = our line). A
   * number of our own Talk lines is never the caller, whatever the ticket says.
   */
  private async ticketCallerOf(
    ticketId: number,
    call: TalkCall,
  ): Promise<(TalkCallerInfo & { requesterId: number | null }) | null> {
    const key = KEYS.ticketCaller(ticketId);
    let info = await this.cached<TalkCallerInfo & { requesterId?: number | null }>(key);
    if (!info) {
      try {
        const ticket = await this.deps.client.showTicket(ticketId);
        const source = ticket.via?.source;
        const raw = viaNumber(isOutboundTicket(ticket) ? source?.to : source?.from);
        info = { number: raw ? toE164(raw) : null, raw, name: null, requesterId: ticket.requester_id };
        await this.cache(key, info);
      } catch (error) {
        if (!isZendeskStatus(error, 403, 404)) throw error;
        return null;
      }
    }
    const requesterId = info.requesterId ?? null;
    if (info.number !== null && (await this.isOurLine(info.number, call)))
      return { number: null, raw: null, name: null, requesterId };
    return { ...info, requesterId };
  }

  /** Whether a number is one of the account's Talk numbers (or, when those cannot be read, the call's line). */
  private async isOurLine(number: string, call: TalkCall): Promise<boolean> {
    const numbers = await this.talkNumbers();
    const lines = numbers.length > 0 ? numbers.map((n) => n.number) : [call.phone_number ?? ''];
    return lines.some((line) => toE164(line) === number);
  }

  /**
   * A Zendesk user, or null when there is none or this token may not read them (403: an agent token with
   * restricted access). Thrown, a 403 stopped the whole Talk export at this call, round after round.
   */
  private async userOrNone(userId: number): Promise<ZendeskUserInfo | null> {
    try {
      return await this.deps.agents.user(userId);
    } catch (error) {
      if (!isZendeskStatus(error, 403)) throw error;
      return null;
    }
  }

  private async agentOf(userId: number | null): Promise<{ name: string; email: string | null } | null> {
    if (userId === null) return null;
    const user = await this.userOrNone(userId);
    return user ? { name: user.name, email: user.email } : null;
  }

  private async legsOf(callId: number | string): Promise<CallLeg[]> {
    const legs = await this.cached<Record<string, CallLeg>>(KEYS.legs(callId));
    return legs ? Object.values(legs) : [];
  }

  /** One call of the export. Only calls that were missed or answered matter to Ringback. */
  async acceptCall(item: unknown): Promise<void> {
    const parsed = talkCallSchema.safeParse(item);
    if (!parsed.success) {
      this.warnOnce('call-shape', 'zendesk talk: skipped an export call of an unexpected shape');
      return;
    }
    const call = parsed.data;
    const verdict = judgeTalkCall(call);
    if (!verdict.knownStatus) {
      this.warnOnce(
        `call-status:${call.completion_status}`,
        `zendesk talk: unknown call completion_status "${call.completion_status}"; treated as neither missed nor answered`,
      );
    }
    if (call.ticket_id !== null)
      await this.cache(KEYS.callOfTicket(call.ticket_id), String(call.id), 7 * DAY_MS);
    if (verdict.answered === null) return;
    const caller = await this.callerOf(call);
    const agent = verdict.answered ? await this.agentOf(call.agent_id) : null;
    const event = talkCallToEvent(
      call,
      { caller, legs: await this.legsOf(call.id), agent },
      this.deps.clock.now(),
    );
    await this.send(event, 'export');
    // Answered calls too: a colleague's missed leg exported after the call still belongs in the leg report.
    await this.cache(KEYS.event(call.id), event);
  }

  /** One leg of the export: remembered for its call; a missed/declined agent leg enriches a known call. */
  async acceptLeg(item: unknown): Promise<void> {
    const parsed = talkLegSchema.safeParse(item);
    if (!parsed.success) {
      this.warnOnce('leg-shape', 'zendesk talk: skipped an export leg of an unexpected shape');
      return;
    }
    const leg: TalkLeg = parsed.data;
    if (!isKnownLegStatus(leg.completion_status)) {
      this.warnOnce(
        `leg-status:${leg.completion_status}`,
        `zendesk talk: unknown leg completion_status "${leg.completion_status}"; leg ignored`,
      );
      return;
    }
    const agent = await this.agentOf(leg.agent_id ?? leg.user_id);
    const callLeg = talkLegToCallLeg(leg, agent);
    if (!callLeg) return;
    const key = KEYS.legs(leg.call_id);
    const legs = (await this.cached<Record<string, CallLeg>>(key)) ?? {};
    legs[String(leg.id)] = callLeg;
    await this.cache(key, legs);
    if (callLeg.result === 'answered') return;
    const sent = await this.cached<CallEvent>(KEYS.event(leg.call_id));
    if (!sent) return;
    await this.send(
      { ...sent, eventName: 'talk_legs', legs: Object.values(legs), occurredAt: this.deps.clock.now() },
      'legs',
    );
  }

  /** The account's Talk numbers (cached for an hour); none when this token may not read them. */
  private async talkNumbers(): Promise<{ id: number; number: string }[]> {
    let numbers = await this.cached<{ id: number; number: string }[]>(KEYS.phoneNumbers);
    if (!numbers) {
      try {
        numbers = await this.deps.client.talkPhoneNumbers();
      } catch (error) {
        if (!isZendeskStatus(error, 403, 404)) throw error;
        numbers = [];
      }
      await this.cache(KEYS.phoneNumbers, numbers, 60 * 60_000);
    }
    return numbers;
  }

  /** The Talk number id of a line number, from the account's Talk numbers. */
  private async phoneNumberIdOf(number: string | null): Promise<string | null> {
    if (!number) return null;
    const numbers = await this.talkNumbers();
    const wanted = toE164(number);
    return String(numbers.find((n) => toE164(n.number) === wanted)?.id ?? '') || null;
  }

  /** A voice ticket read back after the trigger webhook: the low-latency twin of the export. */
  async acceptVoiceTicket(ticket: ZendeskTicket): Promise<void> {
    // The call is the voice ticket's first comment.
    const comments = await this.deps.client.listComments(ticket.id, 'oldest');
    const outbound = ticket.via?.source?.rel === 'outbound';
    const lineRaw = viaNumber(outbound ? ticket.via?.source?.from : ticket.via?.source?.to);
    const phoneNumberId = await this.phoneNumberIdOf(lineRaw);
    const routedById = this.deps.routing.lines.some(
      (line) => line.match !== '*' && line.match.zendeskPhoneNumberId !== undefined,
    );
    if (phoneNumberId === null && routedById) {
      // Routing by Talk number id without knowing it could put the card on the wrong line.
      this.deps.logger.info(
        { ticket: ticket.id },
        `zendesk talk: voice ticket #${ticket.id} left to the export poller (its Talk number is unknown)`,
      );
      return;
    }
    const facts = voiceTicketToEvent(
      ticket,
      comments,
      {
        knownCallId: await this.cached<string>(KEYS.callOfTicket(ticket.id)),
        phoneNumberId,
        callerName: null,
      },
      this.deps.clock.now(),
      this.onUnsafeLink,
    );
    if (!facts.event) {
      this.deps.logger.info(
        { ticket: ticket.id },
        `zendesk talk: voice ticket #${ticket.id} left to the export poller (${facts.skipped})`,
      );
      return;
    }
    const legs = await this.legsOf(facts.event.providerCallId);
    const event = { ...facts.event, legs };
    await this.send(event, 'voice_ticket');
    if (event.answered === false) await this.cache(KEYS.event(event.providerCallId), event);
  }
}
