/** Episodes: the missed-call cards, read and written with optimistic concurrency. */
import type { Kysely, Selectable } from 'kysely';
import type { Actor, Episode, EpisodeState, Outcome } from '../domain/types.js';
import type { Database, EpisodesTable } from './schema.js';

type Row = Selectable<EpisodesTable>;

/** Provider details shown on the card; merged as events arrive. */
export interface EpisodeDetails {
  [key: string]: unknown;
}

function actorFromJson(text: string | null): Actor | null {
  return text ? (JSON.parse(text) as Actor) : null;
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
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at === null ? null : Number(row.first_attempt_at),
    lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
    outcome: row.outcome as Outcome | null,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: actorFromJson(row.resolved_by),
    autoResolved: row.auto_resolved === 1,
    escalationLevel: row.escalation_level,
    escalatedAt: row.escalated_at === null ? null : Number(row.escalated_at),
    zendeskTicketId: row.zendesk_ticket_id === null ? null : Number(row.zendesk_ticket_id),
    version: row.version,
  };
}

function episodeColumns(episode: Episode) {
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
    attempts: episode.attempts,
    first_attempt_at: episode.firstAttemptAt,
    last_attempt_at: episode.lastAttemptAt,
    outcome: episode.outcome,
    resolved_at: episode.resolvedAt,
    resolved_by: episode.resolvedBy ? JSON.stringify(episode.resolvedBy) : null,
    auto_resolved: episode.autoResolved ? 1 : 0,
    escalation_level: episode.escalationLevel,
    escalated_at: episode.escalatedAt,
    zendesk_ticket_id: episode.zendeskTicketId,
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
}

export class EpisodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<Episode | null> {
    const row = await this.db.selectFrom('episodes').selectAll().where('id', '=', id).executeTakeFirst();
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
      .set({ details: JSON.stringify(details), updated_at: now })
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
    const result = await this.db
      .updateTable('episodes')
      .set({ ...episodeColumns(episode), updated_at: now })
      .where('id', '=', episode.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The unresolved episode of this caller on this line, if any. */
  async findUnresolvedByCaller(line: string, callerNumber: string): Promise<Episode | null> {
    const row = await this.db
      .selectFrom('episodes')
      .selectAll()
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
      .selectAll()
      .where('caller_number', '=', callerNumber)
      .where('state', '<>', 'resolved')
      .execute();
    return rows.map(episodeFromRow);
  }

  async list(filter: EpisodeFilter = {}): Promise<Episode[]> {
    let query = this.db.selectFrom('episodes').selectAll();
    if (filter.states && filter.states.length > 0) query = query.where('state', 'in', filter.states);
    if (filter.since !== undefined) query = query.where('missed_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('missed_at', '<', filter.until);
    if (filter.line !== undefined) query = query.where('line', '=', filter.line);
    const rows = await query
      .orderBy('missed_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 500)
      .execute();
    return rows.map(episodeFromRow);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('episodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
