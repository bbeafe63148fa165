/**
 * Zendesk Talk → CallEvent. Pure: the poller and the voice-ticket webhook fetch what they need (caller
 * number, agent names, legs) and hand it here. Missed = an `abandoned_*` completion status or a voicemail;
 * a missed leg only enriches the card. Unknown statuses are tolerated: they become neither missed nor
 * answered, and the caller logs them once.
 */
import type { CallAgent, CallEvent, CallLeg } from '../../domain/callEvent.js';
import { toE164 } from '../../domain/phone.js';
import { httpsLink, type UnsafeLinkSink } from '../../providers/links.js';
import type { TalkCall, TalkLeg, ZendeskComment, ZendeskTicket } from '../schemas.js';

export const KNOWN_CALL_STATUSES = [
  'completed',
  'abandoned_in_queue',
  'abandoned_in_ivr',
  'abandoned_on_hold',
  'abandoned_in_voicemail',
  'pending_voicemail',
  'not_answered',
  'failed',
] as const;

export const KNOWN_LEG_STATUSES = [
  'completed',
  'agent_missed',
  'agent_declined',
  'agent_transfer_declined',
  'agent_unreachable',
  'customer_hang_up',
] as const;

/** Ticket tags Talk puts on tickets of abandoned calls. */
const ABANDONED_TAGS: Record<string, string> = {
  voice_abandoned_in_queue: 'abandoned_in_queue',
  voice_abandoned_in_ivr: 'abandoned_in_ivr',
  voice_abandoned_in_voicemail: 'abandoned_in_voicemail',
  voice_abandoned_on_hold: 'abandoned_on_hold',
};

export interface TalkCallVerdict {
  /** true = nobody answered the whole call; false = an agent talked with the caller; null = neither. */
  answered: boolean | null;
  ended: boolean;
  reason: string | null;
  voicemail: boolean;
  /** False when the status is one we have never seen (log it once). */
  knownStatus: boolean;
}

export function judgeTalkCall(
  call: Pick<TalkCall, 'completion_status' | 'voicemail' | 'agent_id' | 'talk_time' | 'direction'>,
): TalkCallVerdict {
  const status = call.completion_status ?? '';
  const knownStatus = status === '' || (KNOWN_CALL_STATUSES as readonly string[]).includes(status);
  const voicemail =
    call.voicemail === true || status === 'abandoned_in_voicemail' || status === 'pending_voicemail';
  if (status.startsWith('abandoned_')) {
    return { answered: false, ended: true, reason: status, voicemail, knownStatus };
  }
  if (voicemail) {
    // A voicemail still being recorded is a missed call already; its details arrive in a later export.
    return {
      answered: false,
      ended: status !== 'pending_voicemail',
      reason: 'voicemail',
      voicemail,
      knownStatus,
    };
  }
  if (status === 'completed') {
    const talked = call.agent_id !== null || (call.talk_time ?? 0) > 0 || call.direction === 'outbound';
    return { answered: talked ? true : null, ended: true, reason: null, voicemail: false, knownStatus };
  }
  return { answered: null, ended: status !== '', reason: status || null, voicemail: false, knownStatus };
}

function epoch(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

export interface TalkCaller {
  number: string | null;
  raw: string | null;
  name: string | null;
}

export function talkCallToEvent(
  call: TalkCall,
  extra: { caller: TalkCaller | null; legs: CallLeg[]; agent: CallAgent | null; eventName?: string },
  now: number,
): CallEvent {
  const verdict = callbackVerdict(call, judgeTalkCall(call));
  const startedAt = epoch(call.created_at);
  const waited = call.time_to_answer ?? call.wait_time ?? null;
  const endedAt =
    verdict.ended && startedAt !== null && typeof call.duration === 'number'
      ? startedAt + call.duration * 1000
      : verdict.ended
        ? epoch(call.updated_at)
        : null;
  return {
    provider: 'zendesk',
    providerCallId: String(call.id),
    eventName: extra.eventName ?? 'talk_export',
    direction: call.direction === 'outbound' ? 'outbound' : 'inbound',
    ended: verdict.ended,
    answered: verdict.answered,
    externalNumber: extra.caller?.number ?? null,
    externalNumberRaw: extra.caller?.raw ?? null,
    externalName: extra.caller?.name ?? null,
    line: {
      ...(call.phone_number_id !== null ? { zendeskPhoneNumberId: String(call.phone_number_id) } : {}),
      ...(call.phone_number ? { number: toE164(call.phone_number) ?? call.phone_number } : {}),
    },
    startedAt,
    answeredAt: verdict.answered && startedAt !== null && waited !== null ? startedAt + waited * 1000 : null,
    endedAt,
    missedReason: verdict.answered === false ? verdict.reason : null,
    voicemail: verdict.voicemail
      ? { url: null, durationSeconds: typeof call.recording_time === 'number' ? call.recording_time : null }
      : null,
    transcript: null,
    summary: null,
    legs: extra.legs,
    agent: verdict.answered ? extra.agent : null,
    zendeskTicketId: call.ticket_id,
    occurredAt: epoch(call.updated_at) ?? now,
    ...(call.callback === true
      ? {
          callback: {
            requested: true,
            number: null,
            source: call.callback_source,
            done: false,
            automaticCallbackOf: null,
          },
        }
      : {}),
  };
}

/**
 * An inbound call whose caller asked to be called back and that no agent talked on is a call to return,
 * whatever completion status Talk gave it (the export's statuses for callback requests are not documented).
 */
function callbackVerdict(call: TalkCall, verdict: TalkCallVerdict): TalkCallVerdict {
  if (call.callback !== true || call.direction === 'outbound' || verdict.answered === true) return verdict;
  if (!verdict.ended && (call.completion_status ?? '') === '') return verdict;
  return { ...verdict, answered: false, ended: true, reason: verdict.reason ?? 'callback_requested' };
}

/** An agent leg → what the card says about that agent; customer legs and unknown statuses → null. */
export function talkLegToCallLeg(
  leg: TalkLeg,
  agent: { name: string; email: string | null } | null,
): CallLeg | null {
  if (leg.type !== null && leg.type !== 'agent') return null;
  if (!agent) return null;
  const at = epoch(leg.updated_at) ?? epoch(leg.created_at);
  switch (leg.completion_status) {
    case 'agent_missed':
    case 'agent_unreachable':
      return { agentName: agent.name, agentEmail: agent.email, result: 'missed', at };
    case 'agent_declined':
    case 'agent_transfer_declined':
      return { agentName: agent.name, agentEmail: agent.email, result: 'declined', at };
    case 'completed':
      return { agentName: agent.name, agentEmail: agent.email, result: 'answered', at };
    default:
      return null;
  }
}

export function isKnownLegStatus(status: string | null): boolean {
  return status === null || (KNOWN_LEG_STATUSES as readonly string[]).includes(status);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function integer(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

/** Voice tickets: Talk sets `via.channel` to "voice" (or the numeric via ids 44/45/46 in older payloads). */
export function isVoiceTicket(ticket: ZendeskTicket): boolean {
  const channel = ticket.via?.channel;
  return channel === 'voice' || channel === 44 || channel === 45 || channel === 46;
}

/** Whether a voice ticket is of a call we made (its `via.source` then reads from = our line, to = them). */
export function isOutboundTicket(ticket: ZendeskTicket): boolean {
  return ticket.via?.source?.rel === 'outbound' || ticket.via?.channel === 46;
}

/** The numbers a voice ticket's `via.source` names (`phone`, else `address`, else `formatted_phone`). */
export function viaNumber(side: Record<string, unknown> | null | undefined): string | null {
  if (!side) return null;
  return text(side.phone) ?? text(side.address) ?? text(side.formatted_phone);
}

export interface VoiceTicketFacts {
  callId: string | null;
  event: CallEvent | null;
  /** Why no event could be built, for one log line. */
  skipped: string | null;
}

/**
 * A voice ticket (read back after the trigger webhook) → a CallEvent on the Talk call id, so it merges
 * with what the export poller delivers. The call id comes from the voice comment (`data.call_id`,
 * UNCONFIRMED) or from a ticket→call mapping the poller recorded; without either, no event.
 */
export function voiceTicketToEvent(
  ticket: ZendeskTicket,
  comments: ZendeskComment[],
  extra: { knownCallId: string | null; phoneNumberId: string | null; callerName: string | null },
  now: number,
  onUnsafeLink?: UnsafeLinkSink,
): VoiceTicketFacts {
  if (!isVoiceTicket(ticket)) return { callId: null, event: null, skipped: 'not a voice ticket' };
  const voice = comments.find((c) => c.type === 'VoiceComment' && c.data);
  const data = voice?.data ?? {};
  const callIdFromComment = integer(data.call_id);
  const callId = callIdFromComment !== null ? String(callIdFromComment) : extra.knownCallId;
  if (!callId) return { callId: null, event: null, skipped: 'no Talk call id on the ticket yet' };

  const abandoned = ticket.tags.map((t) => ABANDONED_TAGS[t]).find((r) => r !== undefined) ?? null;
  const rel = ticket.via?.source?.rel ?? null;
  const answeredBy = integer(data.answered_by_id);
  const outbound = isOutboundTicket(ticket);
  // A recording nobody answered is a voicemail; an answered call's recording is not.
  const voicemail =
    rel === 'voicemail' ||
    abandoned === 'abandoned_in_voicemail' ||
    (!outbound && answeredBy === null && text(data.recording_url) !== null);
  const answered =
    abandoned || (voicemail && answeredBy === null) ? false : answeredBy !== null ? true : null;
  if (answered === null)
    return { callId, event: null, skipped: 'the voice ticket does not say whether the call was answered' };

  const fromRaw = outbound
    ? (viaNumber(ticket.via?.source?.to) ?? text(data.to))
    : (viaNumber(ticket.via?.source?.from) ?? text(data.from));
  const lineRaw = outbound
    ? (viaNumber(ticket.via?.source?.from) ?? text(data.from))
    : (viaNumber(ticket.via?.source?.to) ?? text(data.to));
  const startedAt = epoch(text(data.started_at)) ?? epoch(voice?.created_at) ?? null;
  const duration = integer(data.call_duration);
  const lineNumber = toE164(lineRaw);
  const event: CallEvent = {
    provider: 'zendesk',
    providerCallId: callId,
    eventName: 'voice_ticket',
    direction: outbound ? 'outbound' : 'inbound',
    ended: true,
    answered,
    externalNumber: toE164(fromRaw),
    externalNumberRaw: fromRaw,
    externalName: extra.callerName,
    line: {
      ...(extra.phoneNumberId ? { zendeskPhoneNumberId: extra.phoneNumberId } : {}),
      ...(lineNumber ? { number: lineNumber } : {}),
    },
    startedAt,
    answeredAt: null,
    endedAt: startedAt !== null && duration !== null ? startedAt + duration * 1000 : null,
    missedReason: answered ? null : (abandoned ?? 'voicemail'),
    voicemail: voicemail
      ? { url: httpsLink(data.recording_url, 'recording', onUnsafeLink), durationSeconds: duration }
      : null,
    transcript: text(data.transcription_text),
    summary: null,
    legs: [],
    agent: null,
    zendeskTicketId: ticket.id,
    occurredAt: now,
  };
  return { callId, event, skipped: null };
}
