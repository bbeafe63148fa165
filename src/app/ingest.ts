/**
 * Ingest: one normalized CallEvent from any provider becomes stored call data and, when it is a whole missed
 * call, an episode (a card). What a delivery means is decided on the call's merged record (domain/callRecord.ts).
 * One event, one transaction: call row, episode, audit and planned effects. Concurrent ingests are kept apart by
 * the one-open-episode-per-caller unique index and, on PostgreSQL, by advisory locks on the call and the number.
 */
import { randomUUID } from 'node:crypto';
import type { LineConfig, RoutingConfig } from '../config/routing.js';
import { callbackFacts } from '../domain/callbacks.js';
import type { CallEvent } from '../domain/callEvent.js';
import {
  answersEpisode,
  answersLinkedEpisode,
  autoResolveBy,
  buildDetails,
  type CallRecord,
  callEndOf,
  callerNameOf,
  callKey,
  callTime,
  changedFields,
  judgeUnansweredCall,
  mergeCall,
  openingEpisode,
  providerActor,
  surfaceOf,
  withCallerNumber,
} from '../domain/callRecord.js';
import type { Clock } from '../domain/clock.js';
import { parseDetails } from '../domain/details.js';
import { type DomainEvent, decide } from '../domain/episode.js';
import type { Episode } from '../domain/types.js';
import type { Logger } from '../observability/logger.js';
import {
  CallRecordRepository,
  CallRecordScope,
  isUniqueViolation,
  type StoredCallRecord,
} from '../store/callRecords.js';
import { type Repositories, RetryTransaction, type Store } from '../store/store.js';
import { applyCommandIn, auditEntries } from './commands.js';
import type { EffectPlanner } from './effects.js';
import { callerCountry, findLine, lineNamed } from './routing.js';

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

/** The delivery being ingested, merged with everything known of its call. */
interface IncomingCall {
  key: string;
  record: CallRecord;
  line: LineConfig | null;
  /** Stores the merged record, under this episode or none. */
  save(episodeId: string | null): Promise<void>;
}

/** The event merged into what is stored of its call, its caller's number in E.164, and the line it came in on. */
function mergedWithLine(
  stored: StoredCallRecord | null,
  event: CallEvent,
  routing: RoutingConfig,
): { record: CallRecord; line: LineConfig | null } {
  const merged = mergeCall(stored?.record ?? null, event);
  const line = findLine(routing, merged.line) ?? (stored?.line ? lineNamed(routing, stored.line) : null);
  return { record: withCallerNumber(merged, callerCountry(line, merged.line)), line };
}

class Ingestion {
  private readonly commandDeps: { clock: Clock; planEffects: EffectPlanner };
  private readonly calls: CallRecordRepository;

  constructor(
    private readonly repos: Repositories,
    private readonly deps: IngestDeps,
    scope: CallRecordScope | null = null,
  ) {
    this.commandDeps = { clock: deps.clock, planEffects: deps.planEffects };
    this.calls = new CallRecordRepository(repos, scope);
  }

  async run(event: CallEvent): Promise<IngestResult> {
    const { deps } = this;
    const key = callKey(event);
    await this.calls.lockCall(key);
    const stored = await this.calls.get(key);
    const { record, line } = mergedWithLine(stored, event, deps.routing);
    if (record.externalNumber) await this.calls.lockNumber(record.externalNumber);
    const call: IncomingCall = {
      key,
      record,
      line,
      save: (episodeId) =>
        this.calls.save({ key, record, episodeId, line: line?.name ?? null }, deps.clock.now()),
    };

    // The provider's automated callback of a call belongs to that call's episode.
    const episodeId = stored?.episodeId ?? (await this.episodeCalledBack(record));
    if (record.answered === true) {
      await call.save(episodeId);
      const resolved = await this.autoResolve(call, episodeId);
      return resolved.length > 0
        ? { outcome: 'auto_resolved', episodeIds: resolved }
        : { outcome: 'ignored', reason: 'answered, nothing to resolve' };
    }
    if (episodeId) {
      await call.save(episodeId);
      await this.refreshEpisode(episodeId, call, true);
      return { outcome: 'updated', episodeId };
    }
    const verdict = judgeUnansweredCall(record, line);
    if (verdict.outcome === 'missed') return this.missedCall(call, verdict.line);
    await call.save(null);
    return verdict;
  }

  private async missedCall(call: IncomingCall, line: LineConfig): Promise<IngestResult> {
    const { repos } = this;
    const { key, record } = call;
    const at = callTime(record);
    const endedAt = callEndOf(record);
    const number = record.externalNumber;
    // Withheld callers cannot be told apart: each of their calls is its own episode.
    if (number) {
      const open = this.calls.knownWithoutOpenEpisodes(number)
        ? null
        : await repos.episodes.findUnresolvedByCaller(line.name, number);
      this.calls.noteEpisodeOpened(number);
      // A call older than the open card that an earlier call back already answered is that episode's: joining
      // the open card would date it back to before a call back that reached the caller.
      if (open && at < open.missedAt) {
        const covering = await this.calls.resolvedEpisodeAfter(line.name, number, at, endedAt);
        if (covering && (covering.resolvedAt ?? 0) <= open.missedAt) return this.lateJoin(covering, call);
        // The caller got through between this call and the open card's first one, on a call that found no
        // episode to resolve (this one's delivery came later): this call is an episode of its own, answered.
        const answered = await this.calls.answeredCallAfter(number, at);
        if (answered && callTime(answered.record) < open.missedAt)
          return this.openAnswered(call, line, answered);
      }
      if (open) {
        await call.save(open.id);
        const result = await applyCommandIn(repos, this.commandDeps, open.id, {
          type: 'add_call',
          at,
          providerCallKey: key,
        });
        if (result.status !== 'accepted') {
          throw new RetryTransaction(`episode ${open.id} changed while a call joined (${result.status})`);
        }
        await this.refreshEpisode(open.id, call, false);
        return { outcome: 'joined', episodeId: open.id };
      }
      const covering = await this.calls.resolvedEpisodeAfter(line.name, number, at, endedAt);
      if (covering) return this.lateJoin(covering, call);
    }

    const now = this.deps.clock.now();
    const { episode, details } = openingEpisode(randomUUID(), call, line);
    try {
      await repos.episodes.insert(episode, details, now);
    } catch (error) {
      // Another ingest opened this caller's episode meanwhile: run again and join it.
      if (isUniqueViolation(error)) throw new RetryTransaction(`concurrent episode for ${line.name}`);
      throw error;
    }
    await call.save(episode.id);
    const events: DomainEvent[] = [{ type: 'opened', at, providerCallKey: key }];
    await repos.audit.append(auditEntries(episode.id, events, surfaceOf(record.provider)));
    await repos.enqueue(this.deps.planEffects({ episode, previous: null, events }), now);
    await this.syncCallbackRequest(episode, [{ key, record }], record.provider);

    // The caller may already have got through on a call whose delivery overtook this one.
    const answered = number ? await this.calls.answeredCallAfter(number, at) : null;
    if (answered) {
      await applyCommandIn(repos, this.commandDeps, episode.id, autoResolveBy(answered.key, answered.record));
    }
    return { outcome: 'opened', episodeId: episode.id };
  }

  /**
   * A late missed call the caller already got past, while a newer episode of theirs is open: stored resolved
   * by the answered call from the start (one open episode per caller and line), with its card.
   */
  private async openAnswered(
    call: IncomingCall,
    line: LineConfig,
    answered: { key: string; record: CallRecord },
  ): Promise<IngestResult> {
    const { repos } = this;
    const now = this.deps.clock.now();
    const { episode: opened, details } = openingEpisode(randomUUID(), call, line);
    const resolved = decide(opened, autoResolveBy(answered.key, answered.record));
    if (!resolved.ok) throw new Error(`a new episode refused its auto-resolve: ${resolved.refusal.kind}`);
    const { episode } = resolved;
    await repos.episodes.insert(episode, details, now);
    await call.save(episode.id);
    const events: DomainEvent[] = [
      { type: 'opened', at: callTime(call.record), providerCallKey: call.key },
      ...resolved.events,
    ];
    await repos.audit.append(auditEntries(episode.id, events, surfaceOf(call.record.provider)));
    await repos.enqueue(this.deps.planEffects({ episode, previous: null, events }), now);
    return { outcome: 'opened', episodeId: episode.id };
  }

  /**
   * A missed call whose delivery came after a call back had reached the caller, though the call itself came
   * in before that: it belongs to the episode that call back resolved (which stays resolved) rather than to
   * a new card.
   */
  private async lateJoin(episode: Episode, call: IncomingCall): Promise<IngestResult> {
    const result = await applyCommandIn(this.repos, this.commandDeps, episode.id, {
      type: 'late_join',
      at: callTime(call.record),
      endedAt: callEndOf(call.record),
      providerCallKey: call.key,
    });
    if (result.status !== 'accepted') {
      throw new RetryTransaction(`episode ${episode.id} changed while a late call joined (${result.status})`);
    }
    await call.save(episode.id);
    await this.refreshEpisode(episode.id, call, false);
    return { outcome: 'joined', episodeId: episode.id };
  }

  /** The episode of the call this one is the provider's automated callback of, if any. */
  private async episodeCalledBack(record: CallRecord): Promise<string | null> {
    const original = record.callback?.automaticCallbackOf;
    if (!original) return null;
    const stored = await this.calls.get(callKey({ provider: record.provider, providerCallId: original }));
    return stored?.episodeId ?? null;
  }

  /**
   * An answered call with the caller resolves every open episode of that number that it came after, and
   * the episode it is the automated callback of (`linked`), whatever number it went to, unless the caller
   * missed a call of that episode after it.
   */
  private async autoResolve({ key, record }: IncomingCall, linked: string | null): Promise<string[]> {
    const number = record.externalNumber;
    const candidates =
      number && !this.calls.knownWithoutOpenEpisodes(number)
        ? await this.repos.episodes.listUnresolvedByNumber(number)
        : [];
    const linkedEpisode = linked ? await this.repos.episodes.get(linked) : null;
    if (linkedEpisode && linkedEpisode.state !== 'resolved' && !candidates.some((e) => e.id === linked)) {
      candidates.push(linkedEpisode);
    }
    const resolved: string[] = [];
    for (const episode of candidates) {
      const answers = episode.id === linked ? answersLinkedEpisode : answersEpisode;
      if (!answers(record, episode)) continue;
      const result = await applyCommandIn(
        this.repos,
        this.commandDeps,
        episode.id,
        autoResolveBy(key, record),
      );
      if (result.status === 'accepted') resolved.push(episode.id);
    }
    return resolved;
  }

  /**
   * Links a ticket the episode lacked, names a caller it had no name for (a later delivery of its calls may
   * bring the contact) and recomputes the card details; announces the details when `announce`.
   */
  private async refreshEpisode(
    episodeId: string,
    { record, line }: IncomingCall,
    announce: boolean,
  ): Promise<void> {
    const { repos, deps } = this;
    await this.calls.lockEpisode(episodeId);
    let episode = await repos.episodes.get(episodeId);
    if (!episode) return;
    const now = deps.clock.now();

    if (episode.zendeskTicketId === null && record.zendeskTicketId !== null) {
      const linked = await applyCommandIn(repos, this.commandDeps, episodeId, {
        type: 'link_ticket',
        at: now,
        ticketId: record.zendeskTicketId,
      });
      if (linked.status === 'accepted') episode = linked.episode;
    }

    const calls = await this.calls.listForEpisode(episodeId);
    const name = callerNameOf(calls);
    if (episode.caller.name === null && name !== null) {
      const named = await applyCommandIn(repos, this.commandDeps, episodeId, {
        type: 'name_caller',
        at: now,
        name,
      });
      if (named.status === 'accepted') episode = named.episode;
    }
    episode = await this.syncCallbackRequest(episode, calls, record.provider);
    const before = parseDetails(await repos.episodes.getDetails(episodeId));
    const after = buildDetails(before, calls, line ?? lineNamed(deps.routing, episode.line));
    const fields = changedFields(before, after);
    if (fields.length > 0) await repos.episodes.setDetails(episodeId, after, now);

    if (!announce || fields.length === 0) return;
    const events: DomainEvent[] = [{ type: 'details_changed', at: now, fields }];
    await repos.audit.append(auditEntries(episodeId, events, surfaceOf(record.provider)));
    await repos.enqueue(deps.planEffects({ episode, previous: episode, events }), now);
  }

  /**
   * Tells the episode what its calls say about a callback request (asked, number, Aircall's own retries),
   * and resolves it as reached when the provider says the callback was done.
   */
  private async syncCallbackRequest(
    episode: Episode,
    calls: { key: string; record: CallRecord }[],
    provider: string,
  ): Promise<Episode> {
    const facts = callbackFacts(calls);
    if (!facts || episode.state === 'resolved') return episode;
    const now = this.deps.clock.now();
    let current = episode;
    // A number an agent typed stays until an agent changes it: the provider's number is recomputed from the
    // calls at every delivery and would otherwise put back the number the agent replaced.
    const agentChoseNumber =
      episode.callbackNumber !== null &&
      facts.number !== episode.callbackNumber &&
      (await this.repos.audit.hasEntry(episode.id, 'callback_number_set'));
    const noted = await applyCommandIn(this.repos, this.commandDeps, episode.id, {
      type: 'note_callback_request',
      at: now,
      requestedAt: facts.requestedAt,
      number: agentChoseNumber ? null : facts.number,
      autoCallback: facts.autoCallback,
    });
    if (noted.status === 'accepted') current = noted.episode;
    if (facts.doneBy) {
      const { key, record } = facts.doneBy;
      const done = await applyCommandIn(this.repos, this.commandDeps, episode.id, {
        type: 'auto_resolve',
        at: record.answeredAt ?? now,
        actor: providerActor(provider),
        providerCallKey: key,
      });
      if (done.status === 'accepted') current = done.episode;
    }
    return current;
  }
}

/**
 * Stores one provider delivery and applies what it means, from everything known of that call so far: an
 * answered call (either direction, any provider) resolves the number's episodes it came after (`auto_resolved`,
 * else `ignored`); a call that already has an episode refreshes its details (`updated`); a whole missed call on
 * a routed line opens an episode or joins the caller's open one, a withheld number always its own (`opened` /
 * `joined`); anything else is `recorded` or `ignored` (judgeUnansweredCall says which).
 * Safe to call again with the same event, in any order, and concurrently (also across replicas).
 */
export async function ingestCallEvent(deps: IngestDeps, event: CallEvent): Promise<IngestResult> {
  // As a batch of one that waits: its call and number are locked in one statement, in lock-id order.
  const [result] = await deps.store.transaction((repos) => ingestCallEventsIn(repos, deps, [event]), 20);
  if (!result) throw new Error('ingest: a batch of one answered nothing');
  deps.logger.debug(
    { provider: event.provider, event: event.eventName, outcome: result.outcome },
    `ingest: ${event.provider} ${event.eventName} → ${result.outcome}`,
  );
  return result;
}

/**
 * Several deliveries in the caller's transaction, one after the other, without a savepoint each (on
 * PostgreSQL two more round trips each): their calls' and numbers' locks are taken in one statement (in
 * lock-id order, so two such transactions wait for each other rather than deadlock) and their calls read in
 * one, which is most of the statements an ingest makes on its own; each call is written once, at the end
 * (or before a read that needs it). Any error aborts the whole transaction: the caller runs each delivery
 * again alone (src/providers/ingestJob.ts). A number known only from what is stored (an event without it)
 * is locked when found.
 */
export async function ingestCallEventsIn(
  repos: Repositories,
  deps: IngestDeps,
  events: readonly CallEvent[],
): Promise<IngestResult[]> {
  const scope = new CallRecordScope();
  const calls = new CallRecordRepository(repos, scope);
  const keys = events.map((event) => callKey(event));
  const numbers = events.flatMap((event) => {
    const number = mergedWithLine(null, event, deps.routing).record.externalNumber;
    return number ? [number] : [];
  });
  await calls.lockAll({ calls: keys, numbers });
  await calls.prefetch(keys);
  // One statement for the batch instead of one per answered call; alone, it would only add one.
  if (events.length > 1) await calls.prefetchOpenEpisodes(numbers);
  const results: IngestResult[] = [];
  for (const event of events) results.push(await new Ingestion(repos, deps, scope).run(event));
  await calls.flush();
  return results;
}
