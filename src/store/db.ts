/** Opens the database named by DATABASE_URL (SQLite by default, PostgreSQL for replicas) as one Kysely type. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { type DialectAdapter, Kysely, PostgresDialect, SqliteAdapter, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Human description without credentials, for logs. */
  description: string;
}

export const DEFAULT_SQLITE_PATH = './data/ringback.db';

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** Reads DATABASE_URL: unset → ./data/ringback.db, `sqlite:PATH`, `sqlite::memory:`, `postgres://…`. */
export function parseDatabaseUrl(url: string | undefined): DatabaseTarget | string {
  if (url === undefined || url.trim() === '') return { dialect: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // The driver reads it as a URL too, and threw a stack trace at startup for a password with # or / in it.
    if (!URL.canParse(url)) {
      return 'not a valid URL; percent-encode special characters in the user and password (# → %23, / → %2F, @ → %40)';
    }
    return { dialect: 'postgres', url };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') return 'expected sqlite:PATH, e.g. sqlite:./data/ringback.db';
    return { dialect: 'sqlite', path };
  }
  return 'expected postgres://…, sqlite:PATH, or nothing for ./data/ringback.db';
}

/** Redacts the password of a connection URL. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite')
    return `SQLite ${target.path === ':memory:' ? ':memory:' : resolve(target.path)}`;
  try {
    const parsed = new URL(target.url);
    if (parsed.password) parsed.password = '***';
    return `PostgreSQL ${parsed.toString()}`;
  } catch {
    return 'PostgreSQL';
  }
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * How long the database may keep us waiting. A query that hangs holds a pool connection and a job's slot,
 * so every wait is bounded: opening a connection, one statement, a transaction left idle, a lock.
 */
export interface DatabaseTimeouts {
  /** Opening a PostgreSQL connection (a pool that cannot connect answers with an error, not a hang). */
  connectMs: number;
  /** One statement, enforced by the server (statement_timeout) and by the client (query_timeout). */
  statementMs: number;
  /** A transaction that sits idle (its code hung) is ended by the server and its locks freed. */
  idleInTransactionMs: number;
  /** SQLite: how long a write waits for another connection's lock (busy_timeout). */
  sqliteBusyMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 5_000,
  statementMs: 30_000,
  idleInTransactionMs: 60_000,
  sqliteBusyMs: 5_000,
};

export interface OpenOptions {
  poolSize?: number;
  timeouts?: Partial<DatabaseTimeouts>;
  /** An idle PostgreSQL connection broke (server restart, network): pg would crash the process without a listener. */
  onConnectionError?: (error: Error) => void;
}

/**
 * Kysely prepares every query afresh, and better-sqlite3 compiles the SQL each time; reusing the compiled
 * statement for SQL already seen saves that work (about 5 % of ingest's CPU in the bench). Safe because
 * Kysely runs one statement at a time on its single SQLite connection, so a cached statement is never in
 * use twice, and SQLite recompiles a statement itself when a migration changed the schema under it.
 */
function withStatementCache(sqlite: SQLite.Database, capacity = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SQLite.Statement {
      const cached = cache.get(sql);
      if (cached) {
        // Most recently used last, so the oldest entry is the one evicted.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

/**
 * SQLite's schema changes are transactional, but Kysely's adapter says they are not, so its migrator ran each
 * SQLite migration without a transaction and recorded it afterwards: a process killed in the middle of one
 * (a deploy, the OOM killer) left its tables made and the migration unrecorded, and every later start failed
 * on "table already exists". Said as it is, the pending migrations and their records commit together.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class MigratedAtomicallySqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): DatabaseHandle {
  const timeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts };
  if (target.dialect === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(resolve(target.path)), { recursive: true });
    const sqlite = new SQLite(target.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeouts.sqliteBusyMs))}`);
    sqlite.pragma('foreign_keys = ON');
    // Erasure rewrites a caller's row, and SQLite would keep the old bytes in the page's free space, readable
    // in the file for years. FAST zeroes them where that costs no extra I/O (a page being written anyway).
    sqlite.pragma('secure_delete = FAST');
    return {
      db: new Kysely<Database>({
        dialect: new MigratedAtomicallySqliteDialect({ database: withStatementCache(sqlite) }),
      }),
      dialect: 'sqlite',
      description: describeTarget(target),
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeouts.connectMs,
    // 0: no limit (the migrations' own connection).
    statement_timeout: timeouts.statementMs,
    // The client gives up slightly later than the server, so the server's clearer error usually wins.
    ...(timeouts.statementMs > 0 ? { query_timeout: timeouts.statementMs + 1_000 } : {}),
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // Times are epoch ms in BIGINT columns; they fit in a double, so read them as numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', (error) => options.onConnectionError?.(error));
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    dialect: 'postgres',
    description: describeTarget(target),
  };
}
