/**
 * Ingest: one normalized CallEvent from any provider becomes stored call data and, when it is a whole missed
 * call, an episode (a card). Deliveries come at least once and in any order, so each event is merged into
 * the call's stored record and every decision is taken from the merged record, never from the delivery alone.
 *
 * Everything for one event happens in one transaction: the call row, the episode, the audit and the planned
 * effects. Concurrent ingests are kept apart by the one-open-episode-per-caller unique index and, on
 * PostgreSQL, by transaction-scoped advisory locks on the call and on the caller's number.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { LineConfig, RoutingConfig } from '../config/routing.js';
import type { CallAgent, CallEvent, CallLeg } from '../domain/callEvent.js';
import type { Clock } from '../domain/clock.js';
import { type EpisodeDetails, parseDetails } from '../domain/details.js';
import { type DomainEvent, newEpisode } from '../domain/episode.js';
import { formatNumber, isWithheld, normalizeNumber, toE164 } from '../domain/phone.js';
import type { Actor, Episode, Surface } from '../domain/types.js';
import type { Logger } from '../observability/logger.js';
import { episodeFromRow } from '../store/episodes.js';
import type { ProviderCall } from '../store/providerCalls.js';
import { type Repositories, RetryTransaction, type Store } from '../store/store.js';
import { applyCommandIn, auditEntries } from './commands.js';
import type { EffectPlanner } from './effects.js';
import { dialledNumber, findLine, findLineByName } from './routing.js';

export interface IngestDeps {
  store: Store;
  clock: Clock;
  planEffects: EffectPlanner;
  routing: RoutingConfig;
  logger: Logger;
}

export type IngestResult =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'recorded' }
  | { outcome: 'opened'; episodeId: string }
  | { outcome: 'joined'; episodeId: string }
  | { outcome: 'updated'; episodeId: string }
  | { outcome: 'auto_resolved'; episodeIds: string[] };

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
    if (mine !== null && mine !== undefined && at < (stamps[field] ?? Number.NEGATIVE_INFINITY)) return mine;
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
  };
}

/** A whole inbound call nobody answered, once the provider says it is over. */
export function isMissed(record: CallRecord): boolean {
  return record.direction === 'inbound' && record.ended && record.answered === false;
}

/** When the call came in: what cards and summaries call "missed at". */
function callTime(record: CallRecord): number {
  return record.startedAt ?? record.answeredAt ?? record.endedAt ?? record.occurredAt;
}

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
 * The card details owned by ingest, recomputed from every call of the episode (so the result does not
 * depend on the order the deliveries came in). Fields ingest does not own (requester) are kept.
 */
export function buildDetails(
  previous: EpisodeDetails,
  calls: { key: string; record: CallRecord }[],
  line: LineConfig | null,
): EpisodeDetails {
  const ordered = [...calls].sort((a, b) => callTime(a.record) - callTime(b.record));
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
  const lineE164 = first ? dialledNumber(first.line, country) : null;
  return {
    ...previous,
    lineNumber: lineE164 ? formatNumber(lineE164, country) : previous.lineNumber,
    callerCountry: caller?.country ?? previous.callerCountry,
    calls: ordered.map(({ key, record }) => ({
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

function changedFields(before: EpisodeDetails, after: EpisodeDetails): string[] {
  return (Object.keys(after) as (keyof EpisodeDetails)[]).filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Serializes work on one key across replicas until the transaction ends. SQLite needs none: one
 * connection runs one transaction at a time.
 */
async function lock(repos: Repositories, key: string): Promise<void> {
  if (repos.dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(repos.db);
}

async function lockEpisodeRow(repos: Repositories, episodeId: string): Promise<void> {
  if (repos.dialect !== 'postgres') return;
  await repos.db.selectFrom('episodes').select('id').where('id', '=', episodeId).forUpdate().execute();
}

function recordOf(call: ProviderCall): CallRecord {
  return call.data as unknown as CallRecord;
}

function toProviderCall(key: string, record: CallRecord, episodeId: string | null, lineName: string | null) {
  return {
    key,
    provider: record.provider,
    providerCallId: record.providerCallId,
    episodeId,
    direction: record.direction,
    fromNumber: record.externalNumber,
    line: lineName,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    answered: record.answered,
    missedReason: record.missedReason,
    data: record as unknown as Record<string, unknown>,
  } satisfies ProviderCall;
}

/** An answered call with this number that started after `after`, already stored (it came in first). */
async function answeredCallAfter(
  repos: Repositories,
  number: string,
  after: number,
): Promise<{ key: string; record: CallRecord } | null> {
  const row = await repos.db
    .selectFrom('provider_calls')
    .select(['key', 'data'])
    .where('from_number', '=', number)
    .where('answered', '=', 1)
    .where('started_at', '>', after)
    .orderBy('started_at')
    .limit(1)
    .executeTakeFirst();
  return row ? { key: row.key, record: JSON.parse(row.data) as CallRecord } : null;
}

/** The caller's latest episode on this line that was resolved after `at` (so after this call came in). */
async function resolvedAfter(
  repos: Repositories,
  line: string,
  number: string,
  at: number,
): Promise<Episode | null> {
  const row = await repos.db
    .selectFrom('episodes')
    .selectAll()
    .where('line', '=', line)
    .where('caller_number', '=', number)
    .where('state', '=', 'resolved')
    .where('resolved_at', '>', at)
    .orderBy('missed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? episodeFromRow(row) : null;
}

class Ingestion {
  private readonly commandDeps: { clock: Clock; planEffects: EffectPlanner };

  constructor(
    private readonly repos: Repositories,
    private readonly deps: IngestDeps,
  ) {
    this.commandDeps = { clock: deps.clock, planEffects: deps.planEffects };
  }

  async run(event: CallEvent): Promise<IngestResult> {
    const { repos, deps } = this;
    const key = callKey(event);
    await lock(repos, `call:${key}`);
    const stored = await repos.providerCalls.get(key);
    const record = mergeCall(stored ? recordOf(stored) : null, event);
    const line =
      findLine(deps.routing, record.line) ??
      (stored?.line ? findLineByName(deps.routing, stored.line) : null);
    if (record.externalNumber === null && !isWithheld(record.externalNumberRaw)) {
      record.externalNumber = toE164(record.externalNumberRaw, line?.country);
    }
    if (record.externalNumber) await lock(repos, `number:${record.externalNumber}`);

    const episodeId = stored?.episodeId ?? null;
    const save = (id: string | null) =>
      repos.providerCalls.save(toProviderCall(key, record, id, line?.name ?? null), deps.clock.now());

    if (record.answered === true) {
      await save(episodeId);
      const resolved = await this.autoResolve(key, record);
      return resolved.length > 0
        ? { outcome: 'auto_resolved', episodeIds: resolved }
        : { outcome: 'ignored', reason: 'answered, nothing to resolve' };
    }
    if (episodeId) {
      await save(episodeId);
      await this.refreshEpisode(episodeId, line, record, true);
      return { outcome: 'updated', episodeId };
    }
    if (!record.ended) {
      await save(null);
      return { outcome: 'recorded' };
    }
    if (record.direction === 'outbound') {
      await save(null);
      return { outcome: 'ignored', reason: 'outbound not answered' };
    }
    if (record.answered === null) {
      await save(null);
      return { outcome: 'recorded' };
    }
    if (!line) {
      await save(null);
      return { outcome: 'ignored', reason: 'no line' };
    }
    if (record.missedReason !== null && line.ignore.includes(record.missedReason)) {
      await save(null);
      return { outcome: 'ignored', reason: `ignored reason ${record.missedReason}` };
    }
    return this.missedCall(key, record, line, save);
  }

  private async missedCall(
    key: string,
    record: CallRecord,
    line: LineConfig,
    save: (episodeId: string | null) => Promise<void>,
  ): Promise<IngestResult> {
    const { repos } = this;
    const at = callTime(record);
    const number = record.externalNumber;
    // Withheld callers cannot be told apart: each of their calls is its own episode.
    if (number) {
      const open = await repos.episodes.findUnresolvedByCaller(line.name, number);
      if (open) {
        await save(open.id);
        const result = await applyCommandIn(repos, this.commandDeps, open.id, {
          type: 'add_call',
          at,
          providerCallKey: key,
        });
        if (result.status !== 'accepted') {
          throw new RetryTransaction(`episode ${open.id} changed while a call joined (${result.status})`);
        }
        await this.refreshEpisode(open.id, line, record, false);
        return { outcome: 'joined', episodeId: open.id };
      }
    }

    if (number) {
      const covering = await resolvedAfter(repos, line.name, number, at);
      if (covering) return this.lateJoin(covering, key, record, line, save);
    }

    const now = this.deps.clock.now();
    const episode = newEpisode({
      id: randomUUID(),
      line: line.name,
      caller: { number, name: record.externalName },
      missedAt: at,
      zendeskTicketId: record.zendeskTicketId,
    });
    const details = buildDetails(parseDetails({}), [{ key, record }], line);
    try {
      await repos.episodes.insert(episode, details, now);
    } catch (error) {
      // Another ingest opened this caller's episode meanwhile: run again and join it.
      if (isUniqueViolation(error)) throw new RetryTransaction(`concurrent episode for ${line.name}`);
      throw error;
    }
    await save(episode.id);
    const events: DomainEvent[] = [{ type: 'opened', at, providerCallKey: key }];
    await repos.audit.append(auditEntries(episode.id, events, surfaceOf(record.provider)));
    await repos.enqueue(this.deps.planEffects({ episode, previous: null, events }), now);

    // The caller may already have got through on a call whose delivery overtook this one.
    if (number) {
      const answered = await answeredCallAfter(repos, number, at);
      if (answered) {
        await applyCommandIn(repos, this.commandDeps, episode.id, {
          type: 'auto_resolve',
          at: answered.record.answeredAt ?? callTime(answered.record),
          actor: actorOf(answered.record),
          providerCallKey: answered.key,
        });
      }
    }
    return { outcome: 'opened', episodeId: episode.id };
  }

  /**
   * A missed call whose delivery came after the caller's episode was already resolved, though the call
   * itself came in before that: it belongs to that episode (which stays resolved) rather than to a new card.
   */
  private async lateJoin(
    episode: Episode,
    key: string,
    record: CallRecord,
    line: LineConfig,
    save: (episodeId: string | null) => Promise<void>,
  ): Promise<IngestResult> {
    const { repos, deps } = this;
    const at = callTime(record);
    const now = deps.clock.now();
    const next: Episode = {
      ...episode,
      callCount: episode.callCount + 1,
      missedAt: Math.min(episode.missedAt, at),
      lastCallAt: Math.max(episode.lastCallAt, at),
      version: episode.version + 1,
    };
    if (!(await repos.episodes.updateIfVersion(next, episode.version, now))) {
      throw new RetryTransaction(`episode ${episode.id} changed while a late call joined`);
    }
    await save(episode.id);
    await this.refreshEpisode(episode.id, line, record, false);
    const events: DomainEvent[] = [
      { type: 'call_joined', at, callCount: next.callCount, providerCallKey: key },
    ];
    await repos.audit.append(auditEntries(episode.id, events, surfaceOf(record.provider)));
    await repos.enqueue(deps.planEffects({ episode: next, previous: episode, events }), now);
    return { outcome: 'joined', episodeId: episode.id };
  }

  /** An answered call with the caller resolves every open episode of that number that it came after. */
  private async autoResolve(key: string, record: CallRecord): Promise<string[]> {
    const number = record.externalNumber;
    if (!number) return [];
    const startedAt = callTime(record);
    const resolved: string[] = [];
    for (const episode of await this.repos.episodes.listUnresolvedByNumber(number)) {
      if (startedAt <= episode.missedAt) continue;
      const result = await applyCommandIn(this.repos, this.commandDeps, episode.id, {
        type: 'auto_resolve',
        at: record.answeredAt ?? startedAt,
        actor: actorOf(record),
        providerCallKey: key,
      });
      if (result.status === 'accepted') resolved.push(episode.id);
    }
    return resolved;
  }

  /** Recomputes the card details (and a ticket id the episode lacked); says so when `announce`. */
  private async refreshEpisode(
    episodeId: string,
    line: LineConfig | null,
    record: CallRecord,
    announce: boolean,
  ): Promise<void> {
    const { repos, deps } = this;
    await lockEpisodeRow(repos, episodeId);
    let episode = await repos.episodes.get(episodeId);
    if (!episode) return;
    const now = deps.clock.now();
    const fields: string[] = [];

    if (episode.zendeskTicketId === null && record.zendeskTicketId !== null) {
      const next: Episode = {
        ...episode,
        zendeskTicketId: record.zendeskTicketId,
        version: episode.version + 1,
      };
      if (!(await repos.episodes.updateIfVersion(next, episode.version, now))) {
        throw new RetryTransaction(`episode ${episodeId} changed while setting its ticket`);
      }
      episode = next;
      fields.push('zendeskTicketId');
    }

    const calls = await repos.providerCalls.listForEpisode(episodeId);
    const before = parseDetails(await repos.episodes.getDetails(episodeId));
    const after = buildDetails(
      before,
      calls.map((call) => ({ key: call.key, record: recordOf(call) })),
      line ?? findLineByName(deps.routing, episode.line),
    );
    const detailFields = changedFields(before, after);
    if (detailFields.length > 0) await repos.episodes.setDetails(episodeId, after, now);
    fields.push(...detailFields);

    if (!announce || fields.length === 0) return;
    const events: DomainEvent[] = [{ type: 'details_changed', at: now, fields }];
    await repos.audit.append(auditEntries(episodeId, events, surfaceOf(record.provider)));
    await repos.enqueue(deps.planEffects({ episode, previous: episode, events }), now);
  }
}

/**
 * Stores one provider delivery and applies what it means, from everything known of that call so far:
 * - `answered === true` (either direction, any provider): resolves every unresolved episode of the number
 *   whose first missed call came before this call started → `auto_resolved` (else `ignored`);
 * - the call already belongs to an episode: details refreshed (voicemail, transcript, legs, ticket) → `updated`;
 * - `ended && direction === 'inbound' && answered === false`: a missed call; the routing line's `ignore`
 *   list may drop it, otherwise it opens an episode or joins the caller's open one (withheld numbers
 *   always open their own) → `opened` / `joined`;
 * - not ended yet, or ended with `answered: null` → `recorded`; outbound unanswered, no line → `ignored`.
 * Safe to call again with the same event, in any order, and concurrently (also across replicas).
 */
export async function ingestCallEvent(deps: IngestDeps, event: CallEvent): Promise<IngestResult> {
  const result = await deps.store.transaction((repos) => new Ingestion(repos, deps).run(event), 20);
  deps.logger.debug(
    { provider: event.provider, event: event.eventName, outcome: result.outcome },
    `ingest: ${event.provider} ${event.eventName} → ${result.outcome}`,
  );
  return result;
}
