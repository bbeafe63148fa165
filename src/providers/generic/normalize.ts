/** A generic webhook body → one CallEvent. */
import { callerCountry, findLine } from '../../app/routing.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { CallEvent } from '../../domain/callEvent.js';
import { callableNumber, toE164 } from '../../domain/phone.js';
import { httpsLink, type UnsafeLinkSink } from '../links.js';
import type { GenericCall } from './schema.js';

const time = (value: string | null | undefined): number | null =>
  value === null || value === undefined ? null : Date.parse(value);

const LOOKS_LIKE_A_NUMBER = /^\+?[\d\s().-]{6,}$/;

export function normalizeGenericCall(
  call: GenericCall,
  receivedAt: number,
  routing: RoutingConfig,
  onUnsafeLink?: UnsafeLinkSink,
): CallEvent {
  const line: CallEvent['line'] = { genericLine: call.line };
  if (LOOKS_LIKE_A_NUMBER.test(call.line)) line.number = call.line;
  const country = callerCountry(findLine(routing, line), line);
  const startedAt = time(call.startedAt);
  const endedAt = time(call.endedAt);
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
    answeredAt: call.answered ? (time(call.answeredAt) ?? startedAt) : null,
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
      at: time(leg.at),
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
