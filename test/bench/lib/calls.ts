/**
 * Call traffic as the providers send it: Aircall webhook bodies (the documented envelope and Call object,
 * shaped like test/fixtures/aircall) and generic-webhook bodies with their HMAC signature. Every call of
 * a load gets its own id and, unless asked otherwise, its own caller number, so what arrives in Slack can
 * be matched to the webhook that caused it.
 */
import { createHmac } from 'node:crypto';

export const AIRCALL_TOKEN = 'bench-aircall-webhook-token';
export const GENERIC_SECRET = 'bench-generic-webhook-secret-0123456789';

export interface BenchCall {
  /** Aircall call id (unique in a run). */
  id: number;
  /** Caller, E.164 (`+336…`). */
  caller: string;
  /** The Aircall number dialled, as Aircall formats it (`+33 1 76 36 10 01`). */
  line: string;
  direction: 'inbound' | 'outbound';
  answered: boolean;
  /** Unix seconds. */
  startedAt: number;
  durationSeconds: number;
  agent?: { id: number; name: string; email: string };
}

/** A unique French mobile number for the i-th caller of a run (06 1x xx xx xx). */
export function callerNumber(index: number, block = 1): string {
  return `+336${block}${String(index).padStart(7, '0')}`;
}

/** Aircall shows numbers with spaces: `+33 6 10 00 00 01`. */
export function aircallDigits(e164: string): string {
  const national = e164.slice(3);
  return `+33 ${national[0]} ${national
    .slice(1)
    .match(/.{1,2}/g)
    ?.join(' ')}`;
}

export type AircallEventName =
  | 'call.created'
  | 'call.ringing_on_agent'
  | 'call.answered'
  | 'call.hungup'
  | 'call.ended';

/** One Aircall webhook body for a call at a stage of its life. */
export function aircallBody(call: BenchCall, event: AircallEventName, token = AIRCALL_TOKEN): string {
  const ended = event === 'call.ended' || event === 'call.hungup';
  const answeredAt = call.answered && (event === 'call.answered' || ended) ? call.startedAt + 8 : null;
  const endedAt = ended ? call.startedAt + call.durationSeconds : null;
  const user = call.agent && (event === 'call.ringing_on_agent' || answeredAt !== null) ? call.agent : null;
  return JSON.stringify({
    resource: 'call',
    event,
    timestamp: endedAt ?? answeredAt ?? call.startedAt,
    token,
    data: {
      id: call.id,
      direct_link: `https://api.aircall.io/v1/calls/${call.id}`,
      direction: call.direction,
      status: ended ? 'done' : answeredAt !== null ? 'answered' : 'initial',
      missed_call_reason: ended && !call.answered ? 'agents_did_not_answer' : null,
      started_at: call.startedAt,
      answered_at: answeredAt,
      ended_at: endedAt,
      duration: endedAt === null ? 0 : call.durationSeconds,
      voicemail: null,
      recording: null,
      asset: null,
      archived: false,
      raw_digits: aircallDigits(call.caller),
      user: user ? { id: user.id, name: user.name, email: user.email } : null,
      assigned_to: null,
      number: {
        id: 1004521,
        name: 'Bench line',
        digits: call.line,
        country: 'FR',
        time_zone: 'Europe/Paris',
      },
      contact: null,
      teams: [],
      comments: [],
      tags: [],
    },
  });
}

/** The deliveries of a whole call, in the order Aircall sends them. */
export function aircallLifecycle(call: BenchCall): string[] {
  const events: AircallEventName[] = call.answered
    ? ['call.created', 'call.ringing_on_agent', 'call.answered', 'call.hungup', 'call.ended']
    : ['call.created', 'call.ringing_on_agent', 'call.hungup', 'call.ended'];
  return events.map((event) => aircallBody(call, event));
}

export function signGeneric(body: string | Buffer, secret = GENERIC_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A generic-webhook body for a finished call. */
export function genericBody(call: BenchCall, provider = 'bench'): string {
  const started = new Date(call.startedAt * 1000).toISOString();
  const ended = new Date((call.startedAt + call.durationSeconds) * 1000).toISOString();
  return JSON.stringify({
    provider,
    callId: `call-${call.id}`,
    direction: call.direction,
    from: call.caller,
    line: call.line,
    startedAt: started,
    endedAt: ended,
    answered: call.answered,
    ...(call.answered ? {} : { missedReason: 'no-answer' }),
  });
}
