/** A generic webhook body → one CallEvent. */
import { callerCountry, findLine } from '../../app/routing.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { CallEvent } from '../../domain/callEvent.js';
import { callableNumber, toE164 } from '../../domain/phone.js';
import { httpsLink, type UnsafeLinkSink } from '../links.js';
import type { GenericCall } from './schema.js';

const time = (value: string | null | undefined): number | null =>
  value === null || value === undefined ? null : Date.parse(value);

/**
 * How far ahead of Ringback's receipt of a delivery its times may be and still be taken as they are: senders'
 * clocks drift a few minutes, and a relay may build an update a little before it sends it.
 */
export const SENDER_CLOCK_ALLOWANCE_MS = 5 * 60_000;

/** Told when a delivery's times were ahead of its receipt by more than the allowance (by `aheadMs` at most). */
export type ClockAheadSink = (aheadMs: number) => void;

/**
 * The delivery's times as they are, or, when one is more than the allowance ahead of `receivedAt`, every
 * time after `receivedAt` brought back to it. A call cannot have happened after it was reported: a time in
 * 2099 opened a card no answered call could ever come after (so never resolved automatically), whose SLA
 * never ran out and which sorted first everywhere. Capping every time at one instant keeps their order
 * (startedAt ≤ answeredAt ≤ endedAt, legs). Never refused: the caller, number and line are still right,
 * and a 4xx would lose the missed call for a wrong clock. `receivedAt` is stored with the delivery, so a
 * retry of its job gives the same times. `occurredAt` is not one of them: it only orders the updates of one
 * call, all from the same sender's clock, and capping some of them (those received promptly) but not
 * others (those retried later) let an older update win over a newer one.
 */
function capAtReceipt(
  times: (number | null)[],
  receivedAt: number,
  onAhead?: ClockAheadSink,
): (t: number | null) => number | null {
  const latest = Math.max(...times.map((t) => t ?? Number.NEGATIVE_INFINITY));
  if (!(latest - receivedAt > SENDER_CLOCK_ALLOWANCE_MS)) return (t) => t;
  onAhead?.(latest - receivedAt);
  return (t) => (t === null ? null : Math.min(t, receivedAt));
}

const LOOKS_LIKE_A_NUMBER = /^\+?[\d\s().-]{6,}$/;

export function normalizeGenericCall(
  call: GenericCall,
  receivedAt: number,
  routing: RoutingConfig,
  onUnsafeLink?: UnsafeLinkSink,
  onClockAhead?: ClockAheadSink,
): CallEvent {
  const line: CallEvent['line'] = { genericLine: call.line };
  if (LOOKS_LIKE_A_NUMBER.test(call.line)) line.number = call.line;
  const country = callerCountry(findLine(routing, line), line);
  const cap = capAtReceipt(
    [
      call.startedAt,
      call.answered ? call.answeredAt : null,
      call.endedAt,
      ...call.legs.map((leg) => leg.at),
    ].map(time),
    receivedAt,
    onClockAhead,
  );
  const at = (value: string | null | undefined) => cap(time(value));
  const startedAt = at(call.startedAt);
  const endedAt = at(call.endedAt);
  return {
    provider: `generic:${call.provider}`,
    providerCallId: call.callId,
    eventName: endedAt === null ? 'generic.update' : 'generic.ended',
    direction: call.direction,
    ended: endedAt !== null,
    answered: call.answered,
    externalNumber: toE164(call.from, country),
    externalNumberRaw: call.from,
    externalName: call.callerName?.trim() || null,
    line,
    startedAt,
    answeredAt: call.answered ? (at(call.answeredAt) ?? startedAt) : null,
    endedAt,
    missedReason: call.answered ? null : (call.missedReason ?? null),
    voicemail:
      call.voicemailUrl || call.voicemailDurationSeconds
        ? {
            url: httpsLink(call.voicemailUrl, 'voicemail', onUnsafeLink),
            durationSeconds: call.voicemailDurationSeconds ?? null,
          }
        : null,
    transcript: call.transcript?.trim() || null,
    summary: call.summary?.trim() || null,
    legs: call.legs.map((leg) => ({
      agentName: leg.agent,
      agentEmail: leg.email ?? null,
      result: leg.result,
      at: at(leg.at),
    })),
    agent: call.agent ? { name: call.agent.name, email: call.agent.email ?? null } : null,
    zendeskTicketId: null,
    occurredAt: time(call.occurredAt) ?? receivedAt,
    ...(call.callbackRequested || call.callbackNumber
      ? {
          callback: {
            requested: call.callbackRequested ?? null,
            number: callableNumber(call.callbackNumber, country),
            source: 'generic',
            done: false,
            automaticCallbackOf: null,
          },
        }
      : {}),
  };
}
