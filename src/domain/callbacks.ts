/**
 * Callback requests, from the calls of an episode: did the caller ask to be called back (and since when), on
 * which number, and how the provider's own automated callback fares. Pure, and recomputed from every call of
 * the episode (merged records), so the answer does not depend on the order deliveries came in.
 *
 * Aircall's automated callback, as Ringback reads it (the exact sequence is not documented: see the README):
 * the caller's call ends missed and is tagged "Callback request"; Aircall then places outbound calls that
 * carry `automatic_callback_call_id` = the original call (each linked to the episode here). One of them
 * answered, or a "Callback done" tag, means the caller was reached. While linked calls exist and none
 * answered, Aircall is still retrying, until a later missed call tagged "Callback request" is logged: then
 * its retries are over and a person must call back.
 */

import type { BusinessCalendar } from './businessHours.js';
import type { CallbackSignal } from './callEvent.js';
import { type CallRecord, callTime } from './callRecord.js';
import type { AutoCallback, Episode } from './types.js';

/** Folds one delivery's callback word into the call's: `requested` and `done` only ever become true. */
export function mergeCallback(
  previous: CallbackSignal | null | undefined,
  next: CallbackSignal | null | undefined,
): CallbackSignal | null {
  if (!previous) return next ?? null;
  if (!next) return previous;
  return {
    requested:
      previous.requested === true || next.requested === true ? true : (next.requested ?? previous.requested),
    number: next.number ?? previous.number,
    source: next.source ?? previous.source,
    done: previous.done || next.done,
    automaticCallbackOf: previous.automaticCallbackOf ?? next.automaticCallbackOf,
  };
}

/** True for a call the provider placed by itself to call the caller back (not a missed call of theirs). */
export function isAutomaticCallback(record: Pick<CallRecord, 'callback'>): boolean {
  return Boolean(record.callback?.automaticCallbackOf);
}

export interface CallbackFacts {
  /** When the caller first asked (the call that carried the request). */
  requestedAt: number;
  /** The latest number the provider gave to call back on. */
  number: string | null;
  autoCallback: AutoCallback | null;
  /** The provider says the callback was done or one of its automated callbacks was answered. */
  done: boolean;
  /** The call that says it was done (for the audit of the automatic resolve). */
  doneBy: { key: string; record: CallRecord } | null;
}

/** What an episode's calls say about a callback request; null when none of them asked for one. */
export function callbackFacts(calls: { key: string; record: CallRecord }[]): CallbackFacts | null {
  const automatic = calls.filter((c) => isAutomaticCallback(c.record));
  const asked = calls.filter((c) => !isAutomaticCallback(c.record) && c.record.callback?.requested === true);
  if (asked.length === 0 && automatic.length === 0) return null;

  const byTime = [...calls].sort((a, b) => callTime(a.record) - callTime(b.record));
  const number = byTime.reduce<string | null>((n, c) => c.record.callback?.number ?? n, null);
  const doneBy =
    byTime.find((c) => c.record.callback?.done === true) ??
    automatic.find((c) => c.record.answered === true) ??
    null;

  let autoCallback: AutoCallback | null = null;
  if (automatic.length > 0) {
    const lastAutomatic = Math.max(...automatic.map((c) => callTime(c.record)));
    // Aircall logs a missed call tagged as a request once its own retries are over.
    const loggedAfter = asked.some((c) => callTime(c.record) > lastAutomatic);
    autoCallback = loggedAfter ? 'failed' : 'retrying';
  }
  const requestedAt = Math.min(...[...asked, ...automatic].map((c) => callTime(c.record)));
  return { requestedAt, number, autoCallback, done: doneBy !== null, doneBy };
}

/** One "call back later": from the snooze until it came due or was ended (a call back, a resolve…). */
export interface SnoozeSpan {
  start: number;
  end: number;
}

/** Events after which a call is no longer snoozed. */
const ENDS_SNOOZE = new Set([
  'snoozed',
  'came_due',
  'callback_started',
  'resolved',
  'auto_resolved',
  'released',
]);

/**
 * The spans an episode spent snoozed, from its audit trail (`snoozed` entries carry `dueAt`); a snooze
 * still running ends at its `dueAt`.
 */
export function snoozeSpans(
  entries: { type: string; at: number; data: Record<string, unknown> }[],
): SnoozeSpan[] {
  const ordered = [...entries].sort((a, b) => a.at - b.at);
  const spans: SnoozeSpan[] = [];
  ordered.forEach((entry, index) => {
    if (entry.type !== 'snoozed' || typeof entry.data.dueAt !== 'number') return;
    const ender = ordered.slice(index + 1).find((next) => ENDS_SNOOZE.has(next.type));
    spans.push({ start: entry.at, end: Math.min(entry.data.dueAt, ender?.at ?? Number.POSITIVE_INFINITY) });
  });
  return spans;
}

/**
 * When a ladder timer armed at `from` to fire at `due` really comes due once the snoozes are taken out:
 * the time it waits only runs while the call is not snoozed ("paused while snoozed"). The wait is counted
 * in the line's business hours, as `due` was: counted in clock time, the nights and weekends inside it
 * were added again after a snooze, and a reminder came at night.
 */
export function dueOutsideSnoozes(
  from: number,
  due: number,
  spans: SnoozeSpan[],
  calendar: Pick<BusinessCalendar, 'elapsed' | 'add'>,
): number {
  const after = (start: number, ms: number) => calendar.add(start, ms) ?? start + ms;
  let need = calendar.elapsed(from, due);
  let cursor = from;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.end <= cursor) continue;
    const open = calendar.elapsed(cursor, Math.max(cursor, span.start));
    if (open >= need) return after(cursor, need);
    need -= open;
    cursor = span.end;
  }
  return after(cursor, need);
}

/**
 * Which try of a retry policy a call is on: the results logged so far, plus one. The policy counts tries, so
 * two Call back clicks before a result (a redial) are one attempt; `Episode.attempts` counts the dials.
 */
export function tryNumber(episode: Pick<Episode, 'attemptLog'>): number {
  return episode.attemptLog.length + 1;
}
