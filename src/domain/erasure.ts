/**
 * What is left of a call record once the routing file's `retention` has passed: whatever identifies or
 * quotes the caller goes (number, name, voicemail link, transcript, summary, the Zendesk requester), while
 * counts, times, reasons, outcomes and lines stay, so summaries of old periods still add up.
 *
 * Both functions keep a list of fields known to be harmless rather than removing a list of known personal
 * ones: a field added later (a callback number, say) is erased until someone decides it may stay.
 */
import { type EpisodeDetails, parseDetails } from './details.js';

/** An episode's stored details without caller data; the voicemail keeps its length and time, not its link. */
export function detailsWithoutCallerData(stored: unknown): EpisodeDetails {
  const details = parseDetails(stored);
  return {
    lineNumber: details.lineNumber,
    callerCountry: details.callerCountry,
    calls: details.calls.map((call) => ({
      key: call.key,
      at: call.at,
      reason: call.reason,
      waitedSeconds: call.waitedSeconds,
    })),
    rang: details.rang,
    voicemail: details.voicemail
      ? { url: null, durationSeconds: details.voicemail.durationSeconds, at: details.voicemail.at }
      : null,
    transcript: null,
    summary: null,
    requester: null,
    outOfHours: details.outOfHours,
  };
}

/** Fields of a provider call's merged record (src/domain/callRecord.ts CallRecord) that say nothing about the caller. */
const CALL_RECORD_KEPT = [
  'provider',
  'providerCallId',
  'direction',
  'ended',
  'answered',
  'line',
  'startedAt',
  'answeredAt',
  'endedAt',
  'missedReason',
  'legs',
  'agent',
  'zendeskTicketId',
  'occurredAt',
  'events',
  'stamps',
] as const;

/** Present but empty, so a record read back still has every field ingest expects. */
const CALL_RECORD_ERASED = [
  'externalNumber',
  'externalNumberRaw',
  'externalName',
  'voicemail',
  'transcript',
  'summary',
] as const;

/** A provider call's merged record without caller data. */
export function callRecordWithoutCallerData(stored: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const field of CALL_RECORD_KEPT) if (field in stored) kept[field] = stored[field];
  for (const field of CALL_RECORD_ERASED) kept[field] = null;
  return kept;
}
