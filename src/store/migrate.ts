/** Versioned migrations, applied at startup; safe when several replicas start at once. */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { type DatabaseTarget, type DialectName, openDatabase } from './db.js';
import { initialMigration } from './migrations/001_initial.js';
import { teamsMigration } from './migrations/002_teams.js';
import { retentionMigration } from './migrations/003_retention.js';
import { replayMigration } from './migrations/004_replay.js';
import { identitiesMigration } from './migrations/005_identities.js';
import { jobsMigration } from './migrations/006_jobs.js';
import { zendeskLinksMigration } from './migrations/007_zendesk_links.js';
import { queueKeysMigration } from './migrations/008_queue_keys.js';
import { cardQueueMigration } from './migrations/009_card_queue.js';
import { callbacksMigration } from './migrations/010_callbacks.js';
import { priorityMigration } from './migrations/011_priority.js';
import { callTimeIndexMigration } from './migrations/012_call_time_index.js';
import { cardAttemptsMigration } from './migrations/013_card_attempts.js';
import { shownDigestMigration } from './migrations/014_shown_digest.js';
import { takeOrderIndexMigration } from './migrations/015_take_order_index.js';
import { budgetLedgerMigration } from './migrations/016_budget_ledger.js';
import { ticketCreateStartedMigration } from './migrations/017_ticket_create_started.js';
import { auditErasureMigration } from './migrations/018_audit_erasure.js';
import { firstClaimedAtMigration } from './migrations/019_first_claimed_at.js';
import { lookupIndexesMigration } from './migrations/020_lookup_indexes.js';
import { shortLivedKeysMigration } from './migrations/021_short_lived_keys.js';
import { resolvedCallerIndexMigration } from './migrations/022_resolved_caller_index.js';
import { escalationStepMigration } from './migrations/023_escalation_step.js';
import type { Database } from './schema.js';

function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return {
    '001_initial': initialMigration(dialect),
    '002_teams': teamsMigration(dialect),
    '003_retention': retentionMigration(dialect),
    '004_replay': replayMigration(dialect),
    '005_identities': identitiesMigration(dialect),
    '006_jobs': jobsMigration(dialect),
    '007_zendesk_links': zendeskLinksMigration(dialect),
    '008_queue_keys': queueKeysMigration(dialect),
    '009_card_queue': cardQueueMigration(dialect),
    '010_callbacks': callbacksMigration(dialect),
    '011_priority': priorityMigration(dialect),
    '012_call_time_index': callTimeIndexMigration(dialect),
    '013_card_attempts': cardAttemptsMigration(dialect),
    '014_shown_digest': shownDigestMigration(dialect),
    '015_take_order_index': takeOrderIndexMigration(dialect),
    '016_budget_ledger': budgetLedgerMigration(dialect),
    '017_ticket_create_started': ticketCreateStartedMigration(dialect),
    '018_audit_erasure': auditErasureMigration(dialect),
    '019_first_claimed_at': firstClaimedAtMigration(dialect),
    '020_lookup_indexes': lookupIndexesMigration(dialect),
    '021_short_lived_keys': shortLivedKeysMigration(dialect),
    '022_resolved_caller_index': resolvedCallerIndexMigration(dialect),
    '023_escalation_step': escalationStepMigration(dialect),
  };
}

// An arbitrary constant: every Ringback replica contends for the same advisory lock.
export const MIGRATION_LOCK_ID = 727_225_001;

/** Says which migrations the database has that this build does not know (it is older than the database). */
export type NewerMigrationsListener = (names: string[]) => void;

export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: DialectName,
  onNewer?: NewerMigrationsListener,
): Promise<string[]> {
  return migrateUpTo(db, dialect, null, onNewer);
}

/**
 * The migrations this build knows, and a do-nothing stand-in for each one the database records that it does
 * not: a newer version ran them (a rolling deploy's first replicas, or a rollback). Every migration only adds
 * (tables, columns with defaults, indexes), so an older build works on the newer schema; Kysely would refuse
 * to start on "corrupted migrations" instead, and an old replica that restarted mid-deploy could not come back.
 */
async function knownAndNewer(
  conn: Kysely<Database>,
  dialect: DialectName,
  onNewer?: NewerMigrationsListener,
): Promise<Record<string, Migration>> {
  const known = migrationsFor(dialect);
  let executed: string[] = [];
  try {
    const rows = await sql<{ name: string }>`select name from ringback_migrations`.execute(conn);
    executed = rows.rows.map((row) => row.name);
  } catch {
    // No table yet: a first start.
  }
  const newer = executed.filter((name) => !Object.hasOwn(known, name)).sort();
  if (newer.length === 0) return known;
  onNewer?.(newer);
  const standIns = Object.fromEntries(
    newer.map((name) => [name, { up: async () => {} } satisfies Migration]),
  );
  return { ...known, ...standIns };
}

/**
 * Migrates PostgreSQL on a connection of its own without the statement timeout of ordinary work (30 s): a
 * data migration over a year of calls takes minutes (019 rewrote 730,000 episodes in 85 s), and a replica
 * starting meanwhile waits for the migration lock instead of failing after 30 s and exiting.
 */
export async function migrateOnOwnConnection(
  target: Extract<DatabaseTarget, { dialect: 'postgres' }>,
  onConnectionError?: (error: Error) => void,
  onNewer?: NewerMigrationsListener,
): Promise<string[]> {
  const handle = openDatabase(target, {
    poolSize: 1,
    timeouts: { statementMs: 0 },
    ...(onConnectionError ? { onConnectionError } : {}),
  });
  try {
    // pg sends no statement_timeout for 0, so a role's or database's own default would still apply: say it.
    // One connection in the pool, so the migration runs on this session.
    await sql`set statement_timeout = 0`.execute(handle.db);
    return await migrateToLatest(handle.db, handle.dialect, onNewer);
  } finally {
    await handle.db.destroy();
  }
}

/**
 * Applies the migrations up to `last` included (null: all of them). Stopping early is for tests of a
 * migration against what an older version left in the database.
 */
export async function migrateUpTo(
  db: Kysely<Database>,
  dialect: DialectName,
  last: string | null,
  onNewer?: NewerMigrationsListener,
): Promise<string[]> {
  const run = async (conn: Kysely<Database>) => {
    // Read before the migrator's transaction, which holds the connection (the migration lock covers it).
    const migrations = await knownAndNewer(conn, dialect, onNewer);
    const migrator = new Migrator({
      db: conn,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'ringback_migrations',
      migrationLockTableName: 'ringback_migrations_lock',
    });
    const { error, results } =
      last === null ? await migrator.migrateToLatest() : await migrator.migrateTo(last);
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };

  if (dialect === 'sqlite') return run(db);
  // Kysely's own lock table is created racily by concurrent first starts; a session advisory lock
  // held on one connection serializes the whole migration instead.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
    }
  });
}
