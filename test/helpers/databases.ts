/**
 * Real databases for tests: a fresh SQLite file per test, and a fresh PostgreSQL database per test run
 * on the local server. Without PostgreSQL the PostgreSQL cases skip loudly, unless REQUIRE_POSTGRES=1
 * (CI), where a missing server is a failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { type DatabaseHandle, type DatabaseTarget, openDatabase } from '../../src/store/db.js';
import { migrateUpTo } from '../../src/store/migrate.js';
import { Store } from '../../src/store/store.js';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  target: DatabaseTarget;
  /** DATABASE_URL for a child process. */
  url: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-test-'));
  const path = join(dir, 'ringback.db');
  return {
    target: { dialect: 'sqlite', path },
    url: `sqlite:${path}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

let postgresAvailable: Promise<boolean> | null = null;

/** Whether PostgreSQL answers; decided once per test file. */
export function postgresReachable(): Promise<boolean> {
  postgresAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresAvailable;
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `ringback_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    target: { dialect: 'postgres', url: url.toString() },
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  /** Null when the kind runs; otherwise why it is skipped. */
  skipReason: string | null;
  create(): Promise<TestDatabase>;
}

/**
 * The databases a contract test runs against. Call at the top of a test file:
 * `describe.each(await databaseKinds())('store on $name', …)`.
 */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  const reachable = await postgresReachable();
  const required = process.env.REQUIRE_POSTGRES === '1';
  if (!reachable && required) {
    throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL does not answer at ${ADMIN_URL}`);
  }
  if (!reachable) {
    console.warn(
      `\n!!! PostgreSQL is not reachable at ${ADMIN_URL}: PostgreSQL tests are SKIPPED.\n` +
        '!!! Start one or set TEST_DATABASE_URL; CI sets REQUIRE_POSTGRES=1 so they cannot skip there.\n',
    );
  }
  return [
    { name: 'sqlite', skipReason: null, create: async () => sqliteDatabase() },
    { name: 'postgres', skipReason: reachable ? null : 'PostgreSQL not reachable', create: postgresDatabase },
  ];
}

/**
 * A migrated Store on a fresh database of `kind` for each test of the enclosing describe, closed and
 * dropped after it. Tests of a kind that cannot run here are skipped with its reason.
 */
export function useStore(kind: DatabaseKind): { store: () => Store; database: () => TestDatabase } {
  let database: TestDatabase | null = null;
  let store: Store | null = null;
  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    store = new Store(openDatabase(database.target, { onConnectionError: () => undefined }));
    await store.migrate();
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = null;
    database = null;
  });
  return {
    store: () => {
      if (!store) throw new Error('useStore: no store outside a test');
      return store;
    },
    database: () => {
      if (!database) throw new Error('useStore: no database outside a test');
      return database;
    },
  };
}

/**
 * A database of `kind` as an older version left it, for a migration's test: migrated up to `lastMigration`
 * included, fresh for each test of the enclosing describe, closed and dropped after it. Write the old rows
 * through `handle()`; `store()` migrates the rest only when the test calls `store().migrate()`.
 */
export function useOlderDatabase(
  kind: DatabaseKind,
  lastMigration: string,
): { handle: () => DatabaseHandle; store: () => Store } {
  let database: TestDatabase | null = null;
  let handle: DatabaseHandle | null = null;
  let store: Store | null = null;
  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    handle = openDatabase(database.target, { onConnectionError: () => undefined });
    store = new Store(handle);
    await migrateUpTo(handle.db, handle.dialect, lastMigration);
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = null;
    handle = null;
    database = null;
  });
  return {
    handle: () => {
      if (!handle) throw new Error('useOlderDatabase: no database outside a test');
      return handle;
    },
    store: () => {
      if (!store) throw new Error('useOlderDatabase: no store outside a test');
      return store;
    },
  };
}
