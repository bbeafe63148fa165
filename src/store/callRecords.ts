/**
 * Call records as ingest reads and writes them, and the locks that keep concurrent ingests apart. Built over
 * one transaction's repositories, so every read, write and lock joins that transaction.
 */
import { sql } from 'kysely';
import type { CallRecord } from '../domain/callRecord.js';
import type { Episode } from '../domain/types.js';
import { EPISODE_COLUMNS, episodeFromRow } from './episodes.js';
import type { ProviderCall } from './providerCalls.js';
import type { Repositories } from './store.js';

/** How many of an episode's calls ingest reads to build its card details (the newest). */
export const EPISODE_CALLS_READ = 200;

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

function providerCallOf({ key, record, episodeId, line }: StoredCallRecord): ProviderCall {
  return {
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
  };
}

function storedOf(call: ProviderCall): StoredCallRecord {
  return { key: call.key, record: recordOf(call), episodeId: call.episodeId, line: call.line };
}

/**
 * What one transaction already holds and has read of the calls, when ingests share it (a batch): their locks
 * are taken together and their calls read together, once each. Only valid while every lock it names is held,
 * i.e. for the one transaction it was made for (on SQLite, whose one connection runs one transaction at a
 * time, every lock counts as held; a write by another process since the transaction's first read makes
 * SQLite refuse the commit with SQLITE_BUSY_SNAPSHOT, and the transaction runs again).
 */
export class CallRecordScope {
  /** Advisory lock keys this transaction holds. */
  readonly held = new Set<string>();
  /** Calls read or written under a held `call:` lock (null: not stored); nobody else can change them. */
  readonly known = new Map<string, StoredCallRecord | null>();
  /** Calls saved in memory and not yet written: written together before the next read that needs them. */
  readonly unsaved = new Map<string, { stored: StoredCallRecord; now: number }>();
  /** Numbers (locked) that had no unresolved episode when the batch began and have opened none since. */
  readonly withoutOpenEpisodes = new Set<string>();
}

export class CallRecordRepository {
  constructor(
    private readonly repos: Pick<Repositories, 'db' | 'dialect' | 'providerCalls'>,
    private readonly scope: CallRecordScope | null = null,
  ) {}

  /**
   * Serializes work on one call across replicas until the transaction ends. SQLite needs none: one
   * connection runs one transaction at a time.
   */
  lockCall(key: string): Promise<void> {
    return this.lockAll({ calls: [key], numbers: [] });
  }

  /** Serializes work on one caller's number (their episodes) across replicas, as lockCall does a call. */
  lockNumber(number: string): Promise<void> {
    return this.lockAll({ calls: [], numbers: [number] });
  }

  /**
   * Takes the locks of several calls and numbers in one statement, in the order of their lock ids, so two
   * transactions locking overlapping sets wait for each other instead of deadlocking. The inner query sorts
   * before the outer one locks: PostgreSQL evaluates a volatile function of the select list after the sort
   * below it.
   */
  async lockAll(what: { calls: readonly string[]; numbers: readonly string[] }): Promise<void> {
    const keys = [...what.calls.map((key) => `call:${key}`), ...what.numbers.map((n) => `number:${n}`)];
    const wanted = [...new Set(keys)].filter((key) => !this.scope?.held.has(key));
    if (this.repos.dialect !== 'postgres') {
      // SQLite's one connection runs one transaction at a time: what it locks is as good as held.
    } else if (wanted.length === 1) {
      await sql`select pg_advisory_xact_lock(hashtextextended(${wanted[0]}, 0))`.execute(this.repos.db);
    } else if (wanted.length > 1) {
      await sql`select count(pg_advisory_xact_lock(lock_id)) from (
        select distinct hashtextextended(key, 0) as lock_id from unnest(${wanted}::text[]) as key
        order by lock_id) as ordered`.execute(this.repos.db);
    }
    for (const key of wanted) this.scope?.held.add(key);
  }

  /** Reads the calls of these keys in one statement; later gets in this scope answer from memory. */
  async prefetch(keys: readonly string[]): Promise<void> {
    const { scope } = this;
    if (!scope) return;
    const wanted = [...new Set(keys)].filter((key) => !scope.known.has(key) && scope.held.has(`call:${key}`));
    for (const call of await this.repos.providerCalls.getMany(wanted)) {
      scope.known.set(call.key, storedOf(call));
    }
    for (const key of wanted) if (!scope.known.has(key)) scope.known.set(key, null);
  }

  /** Serializes work on anything named (a rotation's turn, say) across replicas until the transaction ends. */
  async lockName(name: string): Promise<void> {
    if (this.repos.dialect !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtextextended(${`name:${name}`}, 0))`.execute(this.repos.db);
  }

  /** Holds the episode row until the transaction ends, so two refreshes of its details do not interleave. */
  async lockEpisode(episodeId: string): Promise<void> {
    if (this.repos.dialect !== 'postgres') return;
    await this.repos.db.selectFrom('episodes').select('id').where('id', '=', episodeId).forUpdate().execute();
  }

  async get(key: string): Promise<StoredCallRecord | null> {
    const known = this.scope?.known.get(key);
    if (known !== undefined) return known;
    await this.flush();
    const call = await this.repos.providerCalls.get(key);
    return call ? storedOf(call) : null;
  }

  /**
   * Stores the merged record; its searchable facts (number, times, answered) become columns. In a scope that
   * holds the call's lock, only in memory until flush(), which the reads below call first: a batch whose
   * deliveries share calls writes each call once.
   */
  async save(stored: StoredCallRecord, now: number): Promise<void> {
    const { scope } = this;
    if (scope?.held.has(`call:${stored.key}`)) {
      scope.known.set(stored.key, stored);
      scope.unsaved.set(stored.key, { stored, now });
      return;
    }
    await this.repos.providerCalls.save(providerCallOf(stored), now);
  }

  /** Writes what save() kept in memory, in one statement. */
  async flush(): Promise<void> {
    const { scope } = this;
    if (!scope || scope.unsaved.size === 0) return;
    const pending = [...scope.unsaved.values()];
    scope.unsaved.clear();
    // Rows written in the same statement share one time: the latest, as if each had been saved last.
    const now = Math.max(...pending.map((p) => p.now));
    await this.repos.providerCalls.saveMany(
      pending.map((p) => providerCallOf(p.stored)),
      now,
    );
  }

  /**
   * Remembers which of these (locked) numbers have no unresolved episode, in one statement, so the answered
   * calls of a batch need not each ask. Only ingest opens episodes, under the number's lock; noteEpisodeOpened
   * keeps it true within the batch.
   */
  async prefetchOpenEpisodes(numbers: readonly string[]): Promise<void> {
    const { scope } = this;
    if (!scope) return;
    const wanted = [...new Set(numbers)].filter((n) => scope.held.has(`number:${n}`));
    if (wanted.length === 0) return;
    const open = new Set(
      (
        await this.repos.db
          .selectFrom('episodes')
          .select('caller_number')
          .distinct()
          .where('caller_number', 'in', wanted)
          .where('state', '<>', 'resolved')
          .execute()
      ).map((row) => row.caller_number),
    );
    for (const number of wanted) if (!open.has(number)) scope.withoutOpenEpisodes.add(number);
  }

  /** True when the number is known (in this batch) to have no unresolved episode. */
  knownWithoutOpenEpisodes(number: string): boolean {
    return this.scope?.withoutOpenEpisodes.has(number) === true;
  }

  /** An episode may now be open for this number: ask the database again. */
  noteEpisodeOpened(number: string): void {
    this.scope?.withoutOpenEpisodes.delete(number);
  }

  /**
   * The calls a card's details are built from: the episode's newest EPISODE_CALLS_READ. A number that keeps
   * calling while its episode stays open (a dialler, spam nobody resolved) would otherwise make every
   * delivery read, and the card store, every call it ever made.
   */
  async listForEpisode(episodeId: string): Promise<{ key: string; record: CallRecord }[]> {
    await this.flush();
    const calls = await this.repos.providerCalls.listForEpisode(episodeId, EPISODE_CALLS_READ);
    return calls.map((call) => ({ key: call.key, record: recordOf(call) }));
  }

  /** An answered call with this number that started after `after`, already stored (it came in first). */
  async answeredCallAfter(
    number: string,
    after: number,
  ): Promise<{ key: string; record: CallRecord } | null> {
    await this.flush();
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

  /**
   * The caller's episode on this line resolved first after a call made at `at` that ended at `endedAt`:
   * the one that covers it (late_join's rule). A later one came after another miss, and is not this call's.
   * One resolved without reaching the caller (no answer, wrong number…) covers only a call over by then.
   */
  async resolvedEpisodeAfter(
    line: string,
    number: string,
    at: number,
    endedAt: number,
  ): Promise<Episode | null> {
    const row = await this.repos.db
      .selectFrom('episodes')
      .select(EPISODE_COLUMNS)
      .where('line', '=', line)
      .where('caller_number', '=', number)
      .where('state', '=', 'resolved')
      .where('resolved_at', '>', at)
      .where((eb) => eb.or([eb('outcome', '=', 'reached'), eb('resolved_at', '>=', endedAt)]))
      .orderBy('resolved_at', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row ? episodeFromRow(row) : null;
  }
}
