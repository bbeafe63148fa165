/**
 * The lookups that run over a table's whole history use an index on PostgreSQL, so they stay fast after a
 * year: a thread reply finding its card, a missed call asking whether its caller's episode was resolved,
 * and a deep page of /api/calls or of a report starting its index walk at the cursor. Checked on the plans
 * of the very queries the repositories send, with sequential scans disabled (a handful of test rows would
 * otherwise be read whole, rightly).
 */
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import { CallRecordRepository } from '../../../src/store/callRecords.js';
import { openDatabase } from '../../../src/store/db.js';
import type { Database } from '../../../src/store/schema.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const postgres = (await databaseKinds()).find((kind) => kind.name === 'postgres');

describe.skipIf(postgres?.skipReason)('lookups over the whole history, on PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: Store;
  const sent: CompiledQuery[] = [];

  beforeEach(async () => {
    database = (await postgres?.create()) as TestDatabase;
    if (database.target.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    pool = new pg.Pool({ connectionString: database.target.url, max: 2 });
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') sent.push(event.query);
      },
    });
    store = new Store({ db, dialect: 'postgres', description: 'plans' });
    await store.migrate();
    for (let i = 0; i < 5; i++) {
      const id = `ep${i}`;
      await store.episodes.insert(
        newEpisode({
          id,
          line: 'Support FR',
          caller: { number: `+3360000000${i}`, name: null },
          missedAt: T0 + i,
        }),
        {},
        T0 + i,
      );
      await store.posts.upsert(
        {
          episodeId: id,
          surface: 'slack',
          channel: 'C1',
          ref: `1.${i}`,
          threadRef: `1.${i}`,
        },
        T0 + i,
      );
    }
    // A caller with a history of resolved episodes, and fresh statistics, as a year of use would give.
    for (let i = 0; i < 20; i++) {
      await store.episodes.insert(
        {
          ...newEpisode({
            id: `old${i}`,
            line: 'Support FR',
            caller: { number: '+33600000001', name: null },
            missedAt: T0 - (i + 1) * 86_400_000,
          }),
          state: 'resolved',
          resolvedAt: T0 - i * 86_400_000,
        },
        {},
        T0,
      );
    }
    await sql`analyze`.execute(store.db);
    sent.length = 0;
  });

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  /** The plan of the last query the repository sent, as PostgreSQL would run it without sequential scans. */
  async function planOfLast(matching: RegExp): Promise<string> {
    const query = [...sent].reverse().find((q) => matching.test(q.sql));
    if (!query) throw new Error(`no query matching ${matching}`);
    const client = await pool.connect();
    try {
      await client.query('set enable_seqscan = off');
      const result = await client.query<{ 'QUERY PLAN': string }>(`explain ${query.sql}`, [
        ...query.parameters,
      ]);
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      client.release();
    }
  }

  it('finds the card of a thread reply by its thread ref through an index', async () => {
    expect(await store.posts.findByRef('slack', 'C1', '1.3')).toMatchObject({ episodeId: 'ep3' });
    const plan = await planOfLast(/from "posts"/);
    expect(plan).toContain('posts_thread_ref');
    expect(plan).not.toContain('Seq Scan');
  });

  it('asks whether a caller’s episode was resolved after a call through an index', async () => {
    expect(
      await new CallRecordRepository(store).resolvedEpisodeAfter(
        'Support FR',
        '+33600000001',
        T0,
        T0 + 30_000,
      ),
    ).toBeNull();
    const plan = await planOfLast(/"resolved_at" >/);
    expect(plan).toContain('episodes_resolved_caller');
  });

  it('starts a deep page of /api/calls at its cursor', async () => {
    const first = await store.episodes.page({}, 2, null);
    expect(first.next).not.toBeNull();
    await store.episodes.page({}, 2, first.next);
    expect(await planOfLast(/"created_at" <=/)).toMatch(/Index Cond: .*created_at <=/);
  });

  it('purges the week-old webhook keys along their own index, not through every older key', async () => {
    await store.finishedJobs.purgeShortLivedKeys(T0, 500);
    expect(await planOfLast(/key like 'aircall:%'/)).toContain('job_keys_short_lived');
  });

  it('starts a report’s next batch at its cursor', async () => {
    const seen: string[] = [];
    for await (const episode of store.reports.episodes({ since: T0, until: T0 + 10 }, 2))
      seen.push(episode.id);
    expect(seen).toEqual(['ep0', 'ep1', 'ep2', 'ep3', 'ep4']);
    expect(await planOfLast(/"missed_at" >=.*"missed_at" >=/s)).toMatch(/Index Cond: .*missed_at >=/);
  });
});

describe('the week-old webhook keys, on SQLite', () => {
  it('are purged along their own partial index', async () => {
    const database = sqliteDatabase();
    if (database.target.dialect !== 'sqlite') throw new Error('expected SQLite');
    const migrated = new Store(openDatabase(database.target));
    await migrated.migrate();
    await migrated.close();
    const sent: CompiledQuery[] = [];
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SQLite(database.target.path) }),
      log: (event) => {
        if (event.level === 'query') sent.push(event.query);
      },
    });
    try {
      await new Store({ db, dialect: 'sqlite', description: 'plans' }).finishedJobs.purgeShortLivedKeys(
        T0,
        500,
      );
      const query = sent.find((q) => q.sql.includes("key like 'aircall:%'"));
      if (!query) throw new Error('no purge query');
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      expect(plan.rows.map((row) => row.detail).join('\n')).toContain('job_keys_short_lived');
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
