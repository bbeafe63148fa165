/** Episodes: the missed-call cards, read and written with optimistic concurrency. */
import { type Kysely, type Selectable, sql } from 'kysely';
import { detailsWithoutCallerData } from '../domain/erasure.js';
import type {
  Actor,
  AttemptEntry,
  AutoCallback,
  Episode,
  EpisodeState,
  FollowUpResult,
  Outcome,
  Priority,
  SuggestedOwner,
} from '../domain/types.js';
import { eraseAuditCallerData } from './audit.js';
import type { Database, EpisodesTable } from './schema.js';

/**
 * Every column an Episode is read from: all but `details` (legs, voicemail transcript, pre-brief), which is
 * read on its own where it is shown. A summary or an export over a year read every transcript for nothing.
 */
export const EPISODE_COLUMNS = [
  'id',
  'line',
  'state',
  'caller_number',
  'caller_name',
  'call_count',
  'missed_at',
  'last_call_at',
  'claimed_by',
  'claimed_at',
  'first_claimed_at',
  'attempts',
  'first_attempt_at',
  'last_attempt_at',
  'outcome',
  'resolved_at',
  'resolved_by',
  'auto_resolved',
  'escalation_level',
  'escalation_step',
  'escalated_at',
  'zendesk_ticket_id',
  'callback_requested',
  'callback_requested_at',
  'callback_number',
  'auto_callback',
  'due_at',
  'snoozed_at',
  'due_reminded_at',
  'attempt_log',
  'follow_up',
  'priority',
  'priority_rule',
  'suggested_owner',
  'version',
] as const satisfies readonly (keyof EpisodesTable)[];

type Row = Pick<Selectable<EpisodesTable>, (typeof EPISODE_COLUMNS)[number]>;

/** Provider details shown on the card; merged as events arrive. */
export interface EpisodeDetails {
  [key: string]: unknown;
}

function actorFromJson(text: string | null): Actor | null {
  return text ? (JSON.parse(text) as Actor) : null;
}

/** A broken attempt log reads as empty rather than breaking the card (it is history, not state). */
function attemptLogFromJson(text: string | null): AttemptEntry[] {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as AttemptEntry[]) : [];
  } catch {
    return [];
  }
}

/** A broken suggestion reads as none: it is advice, never state a command depends on. */
function suggestedOwnerFromJson(text: string | null): SuggestedOwner | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as Partial<SuggestedOwner> | null;
    if (!parsed || typeof parsed.name !== 'string' || typeof parsed.why !== 'string') return null;
    return parsed as SuggestedOwner;
  } catch {
    return null;
  }
}

export function episodeFromRow(row: Row): Episode {
  return {
    id: row.id,
    line: row.line,
    state: row.state as EpisodeState,
    caller: { number: row.caller_number, name: row.caller_name },
    callCount: row.call_count,
    missedAt: Number(row.missed_at),
    lastCallAt: Number(row.last_call_at),
    claimedBy: actorFromJson(row.claimed_by),
    claimedAt: row.claimed_at === null ? null : Number(row.claimed_at),
    firstClaimedAt: row.first_claimed_at === null ? null : Number(row.first_claimed_at),
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at === null ? null : Number(row.first_attempt_at),
    lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
    outcome: row.outcome as Outcome | null,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: actorFromJson(row.resolved_by),
    autoResolved: row.auto_resolved === 1,
    escalationLevel: row.escalation_level,
    escalationStep: row.escalation_step,
    escalatedAt: row.escalated_at === null ? null : Number(row.escalated_at),
    zendeskTicketId: row.zendesk_ticket_id === null ? null : Number(row.zendesk_ticket_id),
    callbackRequested: row.callback_requested === 1,
    callbackRequestedAt: row.callback_requested_at === null ? null : Number(row.callback_requested_at),
    callbackNumber: row.callback_number,
    autoCallback: row.auto_callback as AutoCallback | null,
    dueAt: row.due_at === null ? null : Number(row.due_at),
    snoozedAt: row.snoozed_at === null ? null : Number(row.snoozed_at),
    dueRemindedAt: row.due_reminded_at === null ? null : Number(row.due_reminded_at),
    attemptLog: attemptLogFromJson(row.attempt_log),
    followUp: row.follow_up as FollowUpResult | null,
    priority: (row.priority === 'high' ? 'high' : 'normal') satisfies Priority,
    priorityRule: row.priority_rule,
    suggestedOwner: suggestedOwnerFromJson(row.suggested_owner),
    version: row.version,
  };
}

export function episodeColumns(episode: Episode) {
  return {
    line: episode.line,
    state: episode.state,
    caller_number: episode.caller.number,
    caller_name: episode.caller.name,
    call_count: episode.callCount,
    missed_at: episode.missedAt,
    last_call_at: episode.lastCallAt,
    claimed_by: episode.claimedBy ? JSON.stringify(episode.claimedBy) : null,
    claimed_at: episode.claimedAt,
    first_claimed_at: episode.firstClaimedAt,
    attempts: episode.attempts,
    first_attempt_at: episode.firstAttemptAt,
    last_attempt_at: episode.lastAttemptAt,
    outcome: episode.outcome,
    resolved_at: episode.resolvedAt,
    resolved_by: episode.resolvedBy ? JSON.stringify(episode.resolvedBy) : null,
    auto_resolved: episode.autoResolved ? 1 : 0,
    escalation_level: episode.escalationLevel,
    escalation_step: episode.escalationStep,
    escalated_at: episode.escalatedAt,
    zendesk_ticket_id: episode.zendeskTicketId,
    callback_requested: episode.callbackRequested ? 1 : 0,
    callback_requested_at: episode.callbackRequestedAt,
    callback_number: episode.callbackNumber,
    auto_callback: episode.autoCallback,
    due_at: episode.dueAt,
    snoozed_at: episode.snoozedAt,
    due_reminded_at: episode.dueRemindedAt,
    attempt_log: JSON.stringify(episode.attemptLog),
    follow_up: episode.followUp,
    priority: episode.priority,
    priority_rule: episode.priorityRule,
    suggested_owner: episode.suggestedOwner ? JSON.stringify(episode.suggestedOwner) : null,
    version: episode.version,
  };
}

export interface EpisodeFilter {
  states?: EpisodeState[];
  /** Missed at or after (epoch ms). */
  since?: number;
  /** Missed before (epoch ms). */
  until?: number;
  line?: string;
  limit?: number;
  /** High-priority calls first, then newest first (the open and mine lists, the storm queue). */
  priorityFirst?: boolean;
}

/** Where a page of the read API ends: both fields are written once, at insert, so a boundary never moves. */
export interface PageKey {
  createdAt: number;
  id: string;
}

export interface EpisodePage {
  episodes: Episode[];
  /** The key of the last episode, to ask for the next page with; null when nothing follows. */
  next: PageKey | null;
}

export class EpisodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<Episode | null> {
    const row = await this.db
      .selectFrom('episodes')
      .select(EPISODE_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? episodeFromRow(row) : null;
  }

  async getDetails(id: string): Promise<EpisodeDetails> {
    const row = await this.db
      .selectFrom('episodes')
      .select('details')
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (JSON.parse(row.details) as EpisodeDetails) : {};
  }

  async setDetails(id: string, details: EpisodeDetails, now: number): Promise<void> {
    await this.db
      .updateTable('episodes')
      // New details may name the caller again (a late requester): the next retention run looks again.
      .set({ details: JSON.stringify(details), updated_at: now, erased_at: null })
      .where('id', '=', id)
      .execute();
  }

  async insert(episode: Episode, details: EpisodeDetails, now: number): Promise<void> {
    await this.db
      .insertInto('episodes')
      .values({
        id: episode.id,
        ...episodeColumns(episode),
        details: JSON.stringify(details),
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  /** Writes the new state only if nobody changed the episode since `expectedVersion`; false on a lost race. */
  async updateIfVersion(episode: Episode, expectedVersion: number, now: number): Promise<boolean> {
    // A number written to an erased episode that is still open (a callback number an agent set) must be
    // erased too: the next retention run looks at it again, as after setDetails.
    const namesCaller =
      episode.caller.number !== null || episode.caller.name !== null || episode.callbackNumber !== null;
    const result = await this.db
      .updateTable('episodes')
      .set({ ...episodeColumns(episode), updated_at: now, ...(namesCaller ? { erased_at: null } : {}) })
      .where('id', '=', episode.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The unresolved episode of this caller on this line, if any. */
  async findUnresolvedByCaller(line: string, callerNumber: string): Promise<Episode | null> {
    const row = await this.db
      .selectFrom('episodes')
      .select(EPISODE_COLUMNS)
      .where('line', '=', line)
      .where('caller_number', '=', callerNumber)
      .where('state', '<>', 'resolved')
      .executeTakeFirst();
    return row ? episodeFromRow(row) : null;
  }

  /** Every unresolved episode of this caller, on any line. */
  async listUnresolvedByNumber(callerNumber: string): Promise<Episode[]> {
    const rows = await this.db
      .selectFrom('episodes')
      .select(EPISODE_COLUMNS)
      .where('caller_number', '=', callerNumber)
      .where('state', '<>', 'resolved')
      .execute();
    return rows.map(episodeFromRow);
  }

  async list(filter: EpisodeFilter = {}): Promise<Episode[]> {
    let query = this.db.selectFrom('episodes').select(EPISODE_COLUMNS);
    if (filter.states && filter.states.length > 0) query = query.where('state', 'in', filter.states);
    if (filter.since !== undefined) query = query.where('missed_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('missed_at', '<', filter.until);
    if (filter.line !== undefined) query = query.where('line', '=', filter.line);
    // 'high' sorts before 'normal' as text: the only two values the column holds.
    if (filter.priorityFirst) query = query.orderBy('priority', 'asc');
    const rows = await query
      .orderBy('missed_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 500)
      .execute();
    return rows.map(episodeFromRow);
  }

  /**
   * The first `limit` calls of a work list in its order (src/domain/listOrder.ts: high priority, then asked
   * to be called back, then the oldest), and how many there are in all. Read in that order by the database,
   * so a storm of newer calls cannot push the ones that waited longest out of the list.
   */
  async workList(
    filter: { states: EpisodeState[]; lines?: readonly string[] },
    limit: number,
  ): Promise<{ episodes: Episode[]; total: number }> {
    if (filter.lines && filter.lines.length === 0) return { episodes: [], total: 0 };
    let query = this.db.selectFrom('episodes').where('state', 'in', filter.states);
    if (filter.lines) query = query.where('line', 'in', [...filter.lines]);
    const [rows, counted] = await Promise.all([
      query
        .select(EPISODE_COLUMNS)
        // 'high' sorts before 'normal' as text: the only two values the column holds.
        .orderBy('priority', 'asc')
        .orderBy('callback_requested', 'desc')
        .orderBy('missed_at', 'asc')
        .orderBy('id')
        .limit(limit)
        .execute(),
      query.select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirst(),
    ]);
    return { episodes: rows.map(episodeFromRow), total: Number(counted?.n ?? 0) };
  }

  /**
   * The calls one person holds (claimed or being called back), newest first, matched on their id or e-mail
   * as sameActor does. The stored claimed_by JSON is matched as text (JSON.stringify writes `"id":"…"` and
   * `"email":"…"` just so), so only that person's rows are read, however many calls the team holds; the
   * caller checks each with sameActor.
   */
  async heldBy(actor: { id: string; email: string | null }, limit = 5_000): Promise<Episode[]> {
    const pattern = (key: string, value: string) =>
      `%${JSON.stringify(key)}:${JSON.stringify(value).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const patterns = [pattern('id', actor.id), ...(actor.email ? [pattern('email', actor.email)] : [])];
    const rows = await this.db
      .selectFrom('episodes')
      .select(EPISODE_COLUMNS)
      .where('state', 'in', ['claimed', 'calling'])
      .where((eb) =>
        // Both sides lowered by the same database, so every letter it folds is folded alike.
        eb.or(
          patterns.map((p) =>
            eb(sql<string>`lower(claimed_by)`, 'like', sql<string>`lower(${p}) escape '\\'`),
          ),
        ),
      )
      .orderBy('missed_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(episodeFromRow);
  }

  /**
   * One page, most recently recorded first, strictly after `after`. Keyed on (created_at, id) rather than
   * missed_at, which moves back when an earlier call of the episode is delivered late: an episode recorded
   * while a client pages lands before its first page, and an update never moves one across pages.
   */
  async page(
    filter: Omit<EpisodeFilter, 'limit'>,
    limit: number,
    after: PageKey | null,
  ): Promise<EpisodePage> {
    let query = this.db.selectFrom('episodes').select([...EPISODE_COLUMNS, 'created_at']);
    if (filter.states && filter.states.length > 0) query = query.where('state', 'in', filter.states);
    if (filter.since !== undefined) query = query.where('missed_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('missed_at', '<', filter.until);
    if (filter.line !== undefined) query = query.where('line', '=', filter.line);
    if (after) {
      // The plain bound is implied by the OR, but only it lets PostgreSQL start the index walk at the cursor:
      // without it a deep page read every row before it (1 s at depth 700,000).
      query = query
        .where('created_at', '<=', after.createdAt)
        .where((eb) =>
          eb.or([
            eb('created_at', '<', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
          ]),
        );
    }
    // One row more than asked says whether another page exists without a second query.
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    return {
      episodes: shown.map(episodeFromRow),
      next: rows.length > limit && last ? { createdAt: Number(last.created_at), id: last.id } : null,
    };
  }

  /**
   * Erases caller data (number, name, voicemail link, transcript…) of up to `limit` episodes whose last
   * call came before `before`, and marks them erased. Each write is conditional on the version read, and
   * bumps it, so a command that read the episode before the erasure cannot write the number back; an
   * episode that changed meanwhile is left for the next run. Answers how many were erased.
   */
  async eraseCallerData(before: number, now: number, limit: number): Promise<number> {
    const rows = await this.db
      .selectFrom('episodes')
      .select(['id', 'details', 'version'])
      .where('erased_at', 'is', null)
      .where('last_call_at', '<', before)
      .orderBy('last_call_at')
      .limit(limit)
      .execute();
    const erased: string[] = [];
    for (const row of rows) {
      const result = await this.db
        .updateTable('episodes')
        .set({
          caller_number: null,
          caller_name: null,
          callback_number: null,
          details: JSON.stringify(detailsWithoutCallerData(safeJson(row.details))),
          version: row.version + 1,
          erased_at: now,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) erased.push(row.id);
    }
    // In the same transaction: an episode is never marked erased while its audit still holds the number.
    await eraseAuditCallerData(this.db, erased);
    return erased.length;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('episodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
