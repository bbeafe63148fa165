/**
 * One provider call, merged over all its deliveries, and what it means. Deliveries come at least once and
 * in any order, so every decision (missed, answered, what the card says) is taken from the merged record,
 * never from one delivery alone. Pure: ingest loads and stores records, this module only reasons on them.
 */
import type { LineConfig } from '../config/routing.js';
import { isAutomaticCallback, mergeCallback } from './callbacks.js';
import type { CallAgent, CallbackSignal, CallEvent, CallLeg } from './callEvent.js';
import { isPlaceholderName } from './callerName.js';
import { DETAILS_CALLS_KEPT, type EpisodeDetails, emptyDetails } from './details.js';
import { type Command, newEpisode } from './episode.js';
import { formatNumber, isWithheld, normalizeNumber, toE164 } from './phone.js';
import type { Actor, Episode, Surface } from './types.js';

/** Everything known about one provider call, merged over all its deliveries (stored as provider_calls.data). */
export interface CallRecord {
  provider: string;
  providerCallId: string;
  direction: CallEvent['direction'];
  ended: boolean;
  answered: boolean | null;
  externalNumber: string | null;
  externalNumberRaw: string | null;
  externalName: string | null;
  line: CallEvent['line'];
  startedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  missedReason: string | null;
  voicemail: CallEvent['voicemail'];
  transcript: string | null;
  summary: string | null;
  legs: CallLeg[];
  agent: CallAgent | null;
  zendeskTicketId: number | null;
  /** Latest `occurredAt` merged in: on conflicting fields the later delivery wins. */
  occurredAt: number;
  /** Event names seen, for logs and debugging. */
  events: string[];
  /** For each field, the `occurredAt` of the delivery its value came from. */
  stamps: Record<string, number>;
  /** The provider's word on a callback request (absent on records stored before callbacks existed). */
  callback?: CallbackSignal | null;
}

/** The provider call key: `aircall:123`, `zendesk:456`, `generic:twilio:CA…` (shown as providerCallIds). */
export function callKey(event: Pick<CallEvent, 'provider' | 'providerCallId'>): string {
  return `${event.provider}:${event.providerCallId}`;
}

/** Who appears in the audit when a provider (not a person) caused the change. */
export function surfaceOf(provider: string): Surface {
  if (provider === 'aircall') return 'aircall';
  if (provider === 'zendesk') return 'zendesk';
  return 'system';
}

const LEG_STRENGTH: Record<CallLeg['result'], number> = { ringing: 0, missed: 1, declined: 2, answered: 3 };

function legKey(leg: CallLeg): string {
  return leg.agentEmail?.toLowerCase() ?? leg.agentName.toLowerCase();
}

function mergeLegs(a: CallLeg[], b: CallLeg[]): CallLeg[] {
  const byAgent = new Map<string, CallLeg>();
  for (const leg of [...a, ...b]) {
    const key = legKey(leg);
    const seen = byAgent.get(key);
    if (!seen) {
      byAgent.set(key, leg);
      continue;
    }
    // The most telling result wins whatever the arrival order (ringing < missed < declined < answered);
    // the first time the agent rang is kept so "rang Ana, Ben" follows the call.
    const strongest = LEG_STRENGTH[leg.result] > LEG_STRENGTH[seen.result] ? leg : seen;
    const firstAt = [seen.at, leg.at].filter((t): t is number => t !== null);
    byAgent.set(key, {
      ...strongest,
      agentEmail: strongest.agentEmail ?? seen.agentEmail ?? leg.agentEmail,
      at: firstAt.length > 0 ? Math.min(...firstAt) : null,
    });
  }
  return [...byAgent.values()].sort(byRingTime);
}

/** Agents in the order the call rang them; ties (rung in parallel) by name, so every order agrees. */
function byRingTime(x: CallLeg, y: CallLeg): number {
  return (
    (x.at ?? Number.MAX_SAFE_INTEGER) - (y.at ?? Number.MAX_SAFE_INTEGER) ||
    x.agentName.localeCompare(y.agentName)
  );
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * Folds one delivery into what is known of the call. Order-independent: `answered` and `ended` only ever
 * become true, times keep their earliest value, legs keep their strongest result, and every other field
 * takes the value of the latest delivery (by `occurredAt`) that had one, whatever order they arrived in.
 */
export function mergeCall(previous: CallRecord | null, event: CallEvent): CallRecord {
  const at = event.occurredAt;
  const stamps: Record<string, number> = { ...(previous?.stamps ?? {}) };
  const pick = <T>(field: string, mine: T | null, theirs: T | null): T | null => {
    if (theirs === null || theirs === undefined) return mine;
    if (mine !== null && mine !== undefined) {
      const stamp = stamps[field] ?? Number.NEGATIVE_INFINITY;
      if (at < stamp) return mine;
      // Two deliveries of one second (Aircall stamps whole seconds) that disagree: the same value wins
      // whichever came last, so replays in any order end in the same record.
      if (at === stamp && JSON.stringify(mine) >= JSON.stringify(theirs)) return mine;
    }
    stamps[field] = at;
    return theirs;
  };

  let answered: boolean | null = null;
  if (previous?.answered === true || event.answered === true) answered = true;
  else if (previous?.answered === false || event.answered === false) answered = false;

  const voicemailUrl = pick('voicemail.url', previous?.voicemail?.url ?? null, event.voicemail?.url ?? null);
  const voicemailSeconds = pick(
    'voicemail.durationSeconds',
    previous?.voicemail?.durationSeconds ?? null,
    event.voicemail?.durationSeconds ?? null,
  );
  const line: CallEvent['line'] = { ...previous?.line };
  for (const [key, value] of Object.entries(event.line) as [keyof CallEvent['line'], string | undefined][]) {
    const kept = pick(`line.${key}`, line[key] ?? null, value ?? null);
    if (kept !== null) line[key] = kept;
  }

  // Deliveries that carry the call itself (they know when it started) say its direction; enrichments
  // such as transcripts can only guess it.
  const direction =
    event.startedAt !== null
      ? (pick('direction', previous?.direction ?? null, event.direction) ?? event.direction)
      : (previous?.direction ?? event.direction);

  return {
    provider: previous?.provider ?? event.provider,
    providerCallId: previous?.providerCallId ?? event.providerCallId,
    direction,
    ended: (previous?.ended ?? false) || event.ended,
    answered,
    externalNumber: pick('externalNumber', previous?.externalNumber ?? null, event.externalNumber),
    externalNumberRaw: pick(
      'externalNumberRaw',
      previous?.externalNumberRaw ?? null,
      event.externalNumberRaw,
    ),
    externalName: pick('externalName', previous?.externalName ?? null, event.externalName),
    line,
    startedAt: earliest(previous?.startedAt ?? null, event.startedAt),
    answeredAt: earliest(previous?.answeredAt ?? null, event.answeredAt),
    endedAt: pick('endedAt', previous?.endedAt ?? null, event.endedAt),
    missedReason: pick('missedReason', previous?.missedReason ?? null, event.missedReason),
    voicemail:
      previous?.voicemail || event.voicemail
        ? { url: voicemailUrl, durationSeconds: voicemailSeconds }
        : null,
    transcript: pick('transcript', previous?.transcript ?? null, event.transcript),
    summary: pick('summary', previous?.summary ?? null, event.summary),
    legs: mergeLegs(previous?.legs ?? [], event.legs),
    agent: pick('agent', previous?.agent ?? null, event.agent),
    zendeskTicketId: pick('zendeskTicketId', previous?.zendeskTicketId ?? null, event.zendeskTicketId),
    occurredAt: Math.max(previous?.occurredAt ?? at, at),
    events:
      previous === null
        ? [event.eventName]
        : previous.events.includes(event.eventName)
          ? previous.events
          : [...previous.events, event.eventName].slice(-50),
    stamps,
    callback: stampedCallback(previous?.callback, event.callback, pick),
  };
}

/**
 * The callback word of the call: `requested` and `done` only become true (mergeCallback); the number and
 * where it came from are the latest delivery's that had one, by `occurredAt` like every other field, so a
 * late retry of an older delivery does not put an old number back.
 */
function stampedCallback(
  previous: CallbackSignal | null | undefined,
  next: CallbackSignal | null | undefined,
  pick: <T>(field: string, mine: T | null, theirs: T | null) => T | null,
): CallbackSignal | null {
  const merged = mergeCallback(previous, next);
  if (!merged || !next) return merged;
  // Stamped from the first delivery on, so an older one arriving later knows it is older.
  return {
    ...merged,
    number: pick('callback.number', previous?.number ?? null, next.number ?? null),
    source: pick('callback.source', previous?.source ?? null, next.source ?? null) ?? merged.source,
  };
}

/**
 * The record with the caller's number read in the line's country when the provider sent it in a local
 * form only ("06 12 34 56 78"); withheld callers stay without a number.
 */
export function withCallerNumber(record: CallRecord, country: string | null | undefined): CallRecord {
  if (record.externalNumber !== null || isWithheld(record.externalNumberRaw)) return record;
  return { ...record, externalNumber: toE164(record.externalNumberRaw, country) };
}

/** A whole inbound call nobody answered, once the provider says it is over. */
export function isMissed(record: CallRecord): boolean {
  return record.direction === 'inbound' && record.ended && record.answered === false;
}

/** What a call that is not answered and belongs to no episode yet amounts to (as ingest reports it). */
export type CallVerdict<L> =
  | { outcome: 'recorded' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'missed'; line: L };

/**
 * Whether a call not (yet) answered makes a card: only once it has ended, inbound, surely unanswered, on a
 * routed line that does not ignore its reason. Anything short of that is kept and may change with the next
 * delivery ("recorded") or is final ("ignored").
 */
export function judgeUnansweredCall<L extends Pick<LineConfig, 'ignore'>>(
  record: CallRecord,
  line: L | null,
): CallVerdict<L> {
  if (!record.ended) return { outcome: 'recorded' };
  if (record.direction === 'outbound') return { outcome: 'ignored', reason: 'outbound not answered' };
  if (record.answered === null) return { outcome: 'recorded' };
  if (!line) return { outcome: 'ignored', reason: 'no line' };
  if (record.missedReason !== null && line.ignore.includes(record.missedReason)) {
    return { outcome: 'ignored', reason: `ignored reason ${record.missedReason}` };
  }
  return { outcome: 'missed', line };
}

/** When the call came in: what cards and summaries call "missed at". */
export function callTime(record: CallRecord): number {
  return record.startedAt ?? record.answeredAt ?? record.endedAt ?? record.occurredAt;
}

/**
 * When the call was over: its end, never before it came in (a provider's end time earlier than its start, or
 * none yet, counts as the call time). Whether a resolve covers a late-delivered call is judged by when the
 * call was over, not when it came in: a call still going on at the resolve was not covered by it.
 */
export function callEndOf(record: CallRecord): number {
  const at = callTime(record);
  return Math.max(at, record.endedAt ?? at);
}

/** The agent who answered or placed the call, as the actor of the automatic resolve it causes. */
function actorOf(record: CallRecord): Actor | null {
  if (!record.agent) return null;
  const { name, email } = record.agent;
  return {
    id: `${record.provider}:${email?.toLowerCase() ?? name}`,
    name,
    email,
    surface: surfaceOf(record.provider),
  };
}

/**
 * The provider itself as the one who resolved a call ("Aircall", "Twilio"), when it says its own automated
 * callback got through: not a person, so no agent's figures count it. Its id is the provider's key, while
 * a person's is `provider:email-or-name` (actorOf).
 */
export function providerActor(provider: string): Actor {
  const name = provider.replace(/^generic:/, '');
  return {
    id: provider,
    name: name.charAt(0).toUpperCase() + name.slice(1),
    email: null,
    surface: surfaceOf(provider),
  };
}

export function isProviderActor(actor: Actor): boolean {
  return actor.email === null && actor.id === providerKeyOf(actor.id);
}

/** The provider part of an actor id: `aircall`, `zendesk`, `generic:twilio`. */
function providerKeyOf(id: string): string {
  const [first, second] = id.split(':');
  return first === 'generic' && second !== undefined ? `generic:${second}` : (first ?? id);
}

/**
 * An answered call settles the caller's episodes whose every missed call came before it. Compared with the
 * first missed call only, a delivery that came late resolved the calls the caller missed after getting
 * through (missed 09:32, answered 09:37, missed 09:42: the 09:42 call is still owed a call back).
 */
export function answersEpisode(record: CallRecord, episode: Pick<Episode, 'lastCallAt'>): boolean {
  return callTime(record) > episode.lastCallAt;
}

/**
 * The same rule for the episode an answered call is linked to (the provider's automated callback of one of
 * its calls, or the call itself, first delivered as missed): it settles that episode unless the caller missed
 * another of its calls after this one started. The call may be the episode's own last call, hence `>=`.
 * Resolving regardless made the outcome depend on delivery order: a callback delivered after a later missed
 * call resolved that call too, though it was made after the caller had been reached.
 */
export function answersLinkedEpisode(record: CallRecord, episode: Pick<Episode, 'lastCallAt'>): boolean {
  return callTime(record) >= episode.lastCallAt;
}

/** The resolve an answered call (`key`) gives to an episode it answers, dated when it was picked up. */
export function autoResolveBy(key: string, record: CallRecord): Extract<Command, { type: 'auto_resolve' }> {
  return {
    type: 'auto_resolve',
    at: record.answeredAt ?? callTime(record),
    actor: actorOf(record),
    providerCallKey: key,
  };
}

/** The number the caller dialled, as E.164 when one of the line keys reads as one. */
function dialledE164(keys: CallEvent['line'], country: string | null): string | null {
  for (const value of [keys.number, keys.aircallNumber, keys.genericLine]) {
    const e164 = value === undefined ? null : toE164(value, country);
    if (e164) return e164;
  }
  return null;
}

/**
 * The card details owned by ingest, recomputed from every call of the episode (so the result does not
 * depend on the order the deliveries came in). Fields ingest does not own (requester) are kept.
 */
export function buildDetails(
  previous: EpisodeDetails,
  calls: { key: string; record: CallRecord }[],
  line: Pick<LineConfig, 'country'> | null,
): EpisodeDetails {
  // The provider's own callbacks of the caller belong to the episode but are not missed calls of it.
  const ordered = calls
    .filter((c) => !isAutomaticCallback(c.record))
    .sort((a, b) => callTime(a.record) - callTime(b.record));
  const country = line?.country ?? null;
  const rang: string[] = [];
  const legs = ordered.flatMap((c) => c.record.legs).sort(byRingTime);
  for (const leg of legs) if (!rang.includes(leg.agentName)) rang.push(leg.agentName);

  let voicemail: EpisodeDetails['voicemail'] = null;
  let transcript: string | null = null;
  let summary: string | null = null;
  for (const { record } of ordered) {
    if (record.voicemail) voicemail = { ...record.voicemail, at: record.endedAt ?? callTime(record) };
    transcript = record.transcript ?? transcript;
    summary = record.summary ?? summary;
  }
  const first = ordered[0]?.record;
  const caller = first ? normalizeNumber(first.externalNumber) : null;
  const lineE164 = first ? dialledE164(first.line, country) : null;
  return {
    ...previous,
    lineNumber: lineE164 ? formatNumber(lineE164, country) : previous.lineNumber,
    callerCountry: caller?.country ?? previous.callerCountry,
    calls: ordered.slice(-DETAILS_CALLS_KEPT).map(({ key, record }) => ({
      key,
      at: callTime(record),
      reason: record.missedReason,
      waitedSeconds:
        record.startedAt !== null && record.endedAt !== null
          ? Math.max(0, Math.round((record.endedAt - record.startedAt) / 1000))
          : null,
    })),
    rang,
    voicemail: voicemail ?? previous.voicemail,
    transcript: transcript ?? previous.transcript,
    summary: summary ?? previous.summary,
    outOfHours: previous.outOfHours || ordered.some((c) => c.record.missedReason === 'out_of_opening_hours'),
  };
}

/** The episode (with its card details) that a caller's first missed call opens, under the id given. */
export function openingEpisode(
  id: string,
  call: { key: string; record: CallRecord },
  line: Pick<LineConfig, 'name' | 'country'>,
): { episode: Episode; details: EpisodeDetails } {
  const { record } = call;
  const episode = newEpisode({
    id,
    line: line.name,
    // A placeholder taken now would stay: an episode keeps the first name it gets (name_caller).
    caller: { number: record.externalNumber, name: callerNameOf([call]) },
    missedAt: callTime(record),
    zendeskTicketId: record.zendeskTicketId,
  });
  return { episode, details: buildDetails(emptyDetails(), [call], line) };
}

/**
 * The caller's name as the episode's calls give it: that of the latest call (by when it came in) whose
 * merged deliveries name the caller, so the result does not depend on the order the deliveries came in.
 * A name made up for the number (Zendesk Talk's `Caller +33 6 …`) names nobody and is not taken: it would
 * hide the real name an earlier call brought, and later ones could no longer name the caller.
 */
export function callerNameOf(calls: { record: CallRecord }[]): string | null {
  let name: string | null = null;
  let at = Number.NEGATIVE_INFINITY;
  for (const { record } of calls) {
    // A blank name is none (it would ask the episode to be named on every delivery, for nothing).
    if (!record.externalName?.trim() || isPlaceholderName(record.externalName.trim())) continue;
    const time = callTime(record);
    // Two calls of the same moment that disagree: the same one wins whatever order they are listed in.
    if (time > at || (time === at && name !== null && record.externalName < name)) {
      name = record.externalName;
      at = time;
    }
  }
  return name;
}

/** The details fields whose value differs, named for the `details_changed` event. */
export function changedFields(before: EpisodeDetails, after: EpisodeDetails): string[] {
  return (Object.keys(after) as (keyof EpisodeDetails)[]).filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}
