/**
 * One Aircall webhook body → one CallEvent. Each Aircall event carries the whole Call object as it was at
 * `timestamp`, so every delivery says what it knows; ingest merges them per call id.
 */

import { findLine } from '../../app/routing.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { CallAgent, CallbackSignal, CallEvent, CallLeg } from '../../domain/callEvent.js';
import { toE164 } from '../../domain/phone.js';
import { firstHttpsLink, type UnsafeLinkSink } from '../links.js';
import type { AircallCall, AircallInsight } from './schema.js';

const ms = (value: number | null | undefined): number | null =>
  value === null || value === undefined ? null : value * 1000;

function person(user: AircallCall['user']): CallAgent | null {
  const name = user?.name?.trim();
  if (!user || !name) return null;
  return { name, email: user.email?.trim() || null };
}

function contactName(call: AircallCall): string | null {
  const c = call.contact;
  if (!c) return null;
  const full = [c.first_name, c.last_name]
    .filter((p) => p?.trim())
    .join(' ')
    .trim();
  return full || c.company_name?.trim() || null;
}

/** Which agent this event is about, as a leg of the call ("rang Ana, Ben"). */
function legOf(event: string, call: AircallCall, at: number): CallLeg[] {
  const agent = person(call.user);
  if (!agent) return [];
  const result: CallLeg['result'] | null =
    event === 'call.ringing_on_agent'
      ? 'ringing'
      : event === 'call.agent_declined'
        ? 'declined'
        : event === 'call.answered' && call.direction === 'inbound'
          ? 'answered'
          : null;
  return result ? [{ agentName: agent.name, agentEmail: agent.email, result, at }] : [];
}

/**
 * The callback word of a call: tags named as the routing file's `aircall.callbackTags` (without case: the
 * names are the account's own), and the link of an automated callback to the call that asked for it.
 */
function callbackOf(
  call: AircallCall,
  tags: RoutingConfig['aircall']['callbackTags'],
): CallbackSignal | undefined {
  const names = new Set(
    (call.tags ?? [])
      .map((tag) => (typeof tag === 'string' ? tag : (tag.name ?? '')).trim().toLowerCase())
      .filter(Boolean),
  );
  const has = (wanted: string[]) => wanted.some((name) => names.has(name.trim().toLowerCase()));
  const requested = has(tags.requested);
  const done = has(tags.done);
  const automaticCallbackOf = call.automatic_callback_call_id ?? null;
  if (!requested && !done && automaticCallbackOf === null) return undefined;
  return {
    requested: requested || null,
    number: null,
    source: requested ? 'tag' : null,
    done,
    automaticCallbackOf,
  };
}

export function normalizeAircallCall(
  event: string,
  timestamp: number,
  call: AircallCall,
  routing: RoutingConfig,
  onUnsafeLink?: UnsafeLinkSink,
): CallEvent {
  const occurredAt = timestamp * 1000;
  const digits = call.number?.digits?.trim() || undefined;
  const line: CallEvent['line'] = digits ? { aircallNumber: digits, number: digits } : {};
  const country = findLine(routing, line)?.country ?? call.number?.country ?? null;
  const answered = call.answered_at !== null && call.answered_at !== undefined;
  // The miss is decided on call.ended only: at call.hungup the data is not final yet.
  const ended = event === 'call.ended';
  const hasVoicemail = event === 'call.voicemail_left' || Boolean(call.voicemail || call.voicemail_short_url);
  const user = person(call.user);
  return {
    provider: 'aircall',
    providerCallId: call.id,
    eventName: event,
    direction: call.direction,
    ended,
    answered: answered ? true : ended ? false : null,
    externalNumber: toE164(call.raw_digits, country),
    externalNumberRaw: call.raw_digits ?? null,
    externalName: contactName(call),
    line,
    startedAt: ms(call.started_at),
    answeredAt: ms(call.answered_at),
    endedAt: ms(call.ended_at),
    missedReason: call.missed_call_reason ?? null,
    // `asset` is Aircall's login-protected page for the media and does not expire like the raw MP3 link.
    voicemail:
      hasVoicemail && !answered
        ? {
            url: firstHttpsLink(
              [call.asset, call.voicemail_short_url, call.voicemail],
              'voicemail',
              onUnsafeLink,
            ),
            durationSeconds: null,
          }
        : null,
    transcript: null,
    summary: null,
    legs: legOf(event, call, occurredAt),
    // On a ringing/declined event `user` is the agent rung, not one who took the call.
    agent: answered || call.direction === 'outbound' ? user : null,
    zendeskTicketId: null,
    occurredAt,
    callback: callbackOf(call, routing.aircall.callbackTags),
  };
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (Array.isArray(value)) {
    const lines = value
      .map((item) => {
        if (typeof item === 'string') return item;
        if (item && typeof item === 'object' && 'text' in item && typeof item.text === 'string') {
          const who = 'participant_type' in item && item.participant_type === 'internal' ? 'Agent' : 'Caller';
          return `${who}: ${item.text}`;
        }
        return null;
      })
      .filter((line): line is string => Boolean(line?.trim()));
    return lines.length > 0 ? lines.join('\n') : null;
  }
  if (value && typeof value === 'object') {
    for (const key of ['utterances', 'content', 'text', 'summary', 'transcription']) {
      if (key in value) {
        const found = textOf((value as Record<string, unknown>)[key]);
        if (found) return found;
      }
    }
  }
  return null;
}

/** A transcript or summary of a call: enriches the call, never decides anything. Null when it says nothing. */
export function normalizeAircallInsight(
  event: string,
  timestamp: number,
  insight: AircallInsight,
): CallEvent | null {
  const text =
    event === 'summary.created'
      ? (textOf(insight.summary) ?? textOf(insight.content))
      : (textOf(insight.transcription) ?? textOf(insight.content) ?? textOf(insight.utterances));
  if (!text) return null;
  return {
    provider: 'aircall',
    providerCallId: insight.call_id,
    eventName: event,
    // Unknown here; ingest keeps the direction from the deliveries that carry the call itself.
    direction: 'inbound',
    ended: false,
    answered: null,
    externalNumber: null,
    externalNumberRaw: null,
    externalName: null,
    line: {},
    startedAt: null,
    answeredAt: null,
    endedAt: null,
    missedReason: null,
    voicemail: null,
    transcript: event === 'summary.created' ? null : text,
    summary: event === 'summary.created' ? text : null,
    legs: [],
    agent: null,
    zendeskTicketId: null,
    occurredAt: timestamp * 1000,
  };
}
