/** Provider calls: one row per provider call id, upserted as events arrive in any order. */
import type { Kysely, Selectable } from 'kysely';
import { callRecordWithoutCallerData } from '../domain/erasure.js';
import type { Database, ProviderCallsTable } from './schema.js';

export interface ProviderCall {
  key: string;
  provider: string;
  providerCallId: string;
  episodeId: string | null;
  direction: 'inbound' | 'outbound';
  fromNumber: string | null;
  line: string | null;
  startedAt: number | null;
  endedAt: number | null;
  answered: boolean | null;
  missedReason: string | null;
  data: Record<string, unknown>;
}

function fromRow(row: Selectable<ProviderCallsTable>): ProviderCall {
  return {
    key: row.key,
    provider: row.provider,
    providerCallId: row.provider_call_id,
    episodeId: row.episode_id,
    direction: row.direction as ProviderCall['direction'],
    fromNumber: row.from_number,
    line: row.line,
    startedAt: row.started_at === null ? null : Number(row.started_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
    answered: row.answered === null ? null : row.answered === 1,
    missedReason: row.missed_reason,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** The columns of a call's row other than its key. */
function columnsOf(call: ProviderCall, now: number) {
  return {
    provider: call.provider,
    provider_call_id: call.providerCallId,
    episode_id: call.episodeId,
    direction: call.direction,
    from_number: call.fromNumber,
    line: call.line,
    started_at: call.startedAt,
    ended_at: call.endedAt,
    answered: call.answered === null ? null : call.answered ? 1 : 0,
    missed_reason: call.missedReason,
    data: JSON.stringify(call.data),
    updated_at: now,
    // A delivery after the erasure brings caller data back with a fresh retention clock.
    erased_at: null,
  };
}

export class ProviderCallRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<ProviderCall | null> {
    const row = await this.db
      .selectFrom('provider_calls')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  /** The stored calls of these keys (those not stored are absent), in one statement. */
  async getMany(keys: readonly string[]): Promise<ProviderCall[]> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .selectFrom('provider_calls')
      .selectAll()
      .where('key', 'in', [...keys])
      .execute();
    return rows.map(fromRow);
  }

  async save(call: ProviderCall, now: number): Promise<void> {
    await this.saveMany([call], now);
  }

  /** Upserts several calls in one statement (a batch of deliveries writes its calls once, at its end). */
  async saveMany(calls: readonly ProviderCall[], now: number): Promise<void> {
    if (calls.length === 0) return;
    const rows = calls.map((call) => ({ key: call.key, ...columnsOf(call, now) }));
    await this.db
      .insertInto('provider_calls')
      .values(rows)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => {
          const excluded = <C extends keyof ReturnType<typeof columnsOf>>(column: C) =>
            eb.ref(`excluded.${column}`);
          return {
            provider: excluded('provider'),
            provider_call_id: excluded('provider_call_id'),
            episode_id: excluded('episode_id'),
            direction: excluded('direction'),
            from_number: excluded('from_number'),
            line: excluded('line'),
            started_at: excluded('started_at'),
            ended_at: excluded('ended_at'),
            answered: excluded('answered'),
            missed_reason: excluded('missed_reason'),
            data: excluded('data'),
            updated_at: excluded('updated_at'),
            erased_at: excluded('erased_at'),
          };
        }),
      )
      .execute();
  }

  /** An episode's calls, oldest first; with `newest`, only that many of the latest. */
  async listForEpisode(episodeId: string, newest?: number): Promise<ProviderCall[]> {
    let query = this.db.selectFrom('provider_calls').selectAll().where('episode_id', '=', episodeId);
    if (newest === undefined) return (await query.orderBy('started_at').execute()).map(fromRow);
    query = query.orderBy('started_at', 'desc').orderBy('key', 'desc').limit(newest);
    return (await query.execute()).map(fromRow).reverse();
  }

  async keysForEpisodes(episodeIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (episodeIds.length === 0) return map;
    const rows = await this.db
      .selectFrom('provider_calls')
      .select(['episode_id', 'key'])
      .where('episode_id', 'in', episodeIds)
      .orderBy('started_at')
      .execute();
    for (const row of rows) {
      if (!row.episode_id) continue;
      const list = map.get(row.episode_id) ?? [];
      list.push(row.key);
      map.set(row.episode_id, list);
    }
    return map;
  }

  /**
   * Erases the caller's number, name and recordings of up to `limit` calls not heard of since `before`, and
   * marks them erased. Each write is conditional on the row being unchanged since it was read, so a delivery
   * merged meanwhile is never overwritten with the older record. Answers how many were erased.
   */
  async eraseCallerData(before: number, now: number, limit: number): Promise<number> {
    const rows = await this.db
      .selectFrom('provider_calls')
      .select(['key', 'data', 'updated_at'])
      .where('erased_at', 'is', null)
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    let erased = 0;
    for (const row of rows) {
      const result = await this.db
        .updateTable('provider_calls')
        .set({
          from_number: null,
          data: JSON.stringify(callRecordWithoutCallerData(parseRecord(row.data))),
          erased_at: now,
        })
        .where('key', '=', row.key)
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      erased += Number(result.numUpdatedRows);
    }
    return erased;
  }
}

function parseRecord(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
