/**
 * The database never keeps us waiting unbounded: PostgreSQL connections carry a statement timeout and an
 * idle-in-transaction timeout, and opening one gives up; SQLite waits a bounded time for a lock.
 */
import { createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../../src/store/db.js';
import { MIGRATION_LOCK_ID, migrateOnOwnConnection, migrateToLatest } from '../../../src/store/migrate.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';

const postgres = (await databaseKinds()).find((kind) => kind.name === 'postgres');

describe.skipIf(postgres?.skipReason)('PostgreSQL timeouts', () => {
  let database: TestDatabase | null = null;
  let handle: DatabaseHandle | null = null;

  afterEach(async () => {
    await handle?.db.destroy();
    await database?.drop();
    handle = null;
    database = null;
  });

  async function open(timeouts: Parameters<typeof openDatabase>[1] = {}): Promise<DatabaseHandle> {
    database = (await postgres?.create()) ?? null;
    if (!database) throw new Error('no database');
    handle = openDatabase(database.target, timeouts);
    return handle;
  }

  it('sets a statement timeout and an idle-in-transaction timeout on every connection by default', async () => {
    const { db } = await open();
    const statement = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db);
    const idle = await sql<{
      idle_in_transaction_session_timeout: string;
    }>`show idle_in_transaction_session_timeout`.execute(db);
    expect(statement.rows[0]?.statement_timeout).toBe('30s');
    expect(idle.rows[0]?.idle_in_transaction_session_timeout).toBe('1min');
  });

  it('ends a statement that runs past the timeout instead of waiting for it', async () => {
    const { db } = await open({ timeouts: { statementMs: 200 } });
    const begun = Date.now();
    await expect(sql`select pg_sleep(5)`.execute(db)).rejects.toThrow(/statement timeout|timeout/i);
    expect(Date.now() - begun).toBeLessThan(2_000);
  });

  it('runs a statement as long as it takes on a connection opened without a limit (the migrations’)', async () => {
    const { db } = await open({ timeouts: { statementMs: 0 } });
    const statement = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db);
    expect(statement.rows[0]?.statement_timeout).toBe('0');
    // Longer than the client-side limit a 0 used to give (0 + 1 s).
    await expect(sql`select pg_sleep(1.3)`.execute(db)).resolves.toBeDefined();
  });

  it('migrates on a connection of its own that waits out a long migration instead of timing out', async () => {
    const { db } = await open({ timeouts: { statementMs: 300 } });
    const target = database?.target;
    if (target?.dialect !== 'postgres') throw new Error('no PostgreSQL target');
    // Another replica migrating for a second: it holds the migration lock that long.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const other = db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
      held();
      await released;
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
    });
    await holding;
    const ordinary = migrateToLatest(db, 'postgres');
    const ownConnection = migrateOnOwnConnection(target);
    // Waiting for the lock is one statement: on the ordinary connection it runs into the 300 ms limit.
    await expect(ordinary).rejects.toThrow(/timeout/i);
    await new Promise((resolve) => setTimeout(resolve, 700));
    release();
    await other;
    expect(await ownConnection).toContain('021_short_lived_keys');
  });

  it('gives up opening a connection to a server that does not answer', async () => {
    database = null;
    // Accepts TCP connections and never speaks: a PostgreSQL that hangs.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      handle = openDatabase(
        { dialect: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/none` },
        { timeouts: { connectMs: 300 }, onConnectionError: () => undefined },
      );
      const begun = Date.now();
      await expect(sql`select 1`.execute(handle.db)).rejects.toThrow();
      expect(Date.now() - begun).toBeLessThan(2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await handle?.db.destroy().catch(() => undefined);
      handle = null;
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
