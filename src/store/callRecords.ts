/**
 * Call records as ingest reads and writes them, and the locks that keep concurrent ingests apart. Built over
 * one transaction's repositories, so every read, write and lock joins that transaction.
 */
import { sql } from 'kysely';
import type { CallRecord } from '../domain/callRecord.js';
import type { Episode } from '../domain/types.js';
import { episodeFromRow } from './episodes.js';
import type { ProviderCall } from './providerCalls.js';
import type { Repositories } from './store.js';

/** A call record with the episode and routing line it was stored under. */
export interface StoredCallRecord {
  key: string;
  record: CallRecord;
  episodeId: string | null;
  line: string | null;
}

/** A unique index refused the insert (PostgreSQL or SQLite): someone else wrote that row first. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function recordOf(call: ProviderCall): CallRecord {
  return call.data as unknown as CallRecord;
}

export class CallRecordRepository {
  constructor(private readonly repos: Pick<Repositories, 'db' | 'dialect' | 'providerCalls'>) {}

  /**
   * Serializes work on one key across replicas until the transaction ends. SQLite needs none: one
   * connection runs one transaction at a time.
   */
  async lock(key: string): Promise<void> {
    if (this.repos.dialect !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(this.repos.db);
  }

  /** Holds the episode row until the transaction ends, so two refreshes of its details do not interleave. */
  async lockEpisode(episodeId: string): Promise<void> {
    if (this.repos.dialect !== 'postgres') return;
    await this.repos.db.selectFrom('episodes').select('id').where('id', '=', episodeId).forUpdate().execute();
  }

  async get(key: string): Promise<StoredCallRecord | null> {
    const call = await this.repos.providerCalls.get(key);
    return call ? { key, record: recordOf(call), episodeId: call.episodeId, line: call.line } : null;
  }

  /** Stores the merged record; its searchable facts (number, times, answered) become columns. */
  async save(stored: StoredCallRecord, now: number): Promise<void> {
    const { key, record, episodeId, line } = stored;
    await this.repos.providerCalls.save(
      {
        key,
        provider: record.provider,
        providerCallId: record.providerCallId,
        episodeId,
        direction: record.direction,
        fromNumber: record.externalNumber,
        line,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
        answered: record.answered,
        missedReason: record.missedReason,
        data: record as unknown as Record<string, unknown>,
      },
      now,
    );
  }

  async listForEpisode(episodeId: string): Promise<{ key: string; record: CallRecord }[]> {
    const calls = await this.repos.providerCalls.listForEpisode(episodeId);
    return calls.map((call) => ({ key: call.key, record: recordOf(call) }));
  }

  /** An answered call with this number that started after `after`, already stored (it came in first). */
  async answeredCallAfter(
    number: string,
    after: number,
  ): Promise<{ key: string; record: CallRecord } | null> {
    const row = await this.repos.db
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
  async resolvedEpisodeAfter(line: string, number: string, at: number): Promise<Episode | null> {
    const row = await this.repos.db
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
}
