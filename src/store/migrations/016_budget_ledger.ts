import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * What each vendor budget spent in the last minute, and until when a vendor said to wait (429 Retry-After),
 * for SQLite deployments: their budgets live in the process, and a process restarted (or crashing in a
 * loop) began with a whole minute's budget again, so together they overspent the account's limit and
 * Zendesk answered 429 with waits of up to a minute. On PostgreSQL the budgets live in the limiter's own
 * table (src/resilience/budgets.ts) and this one stays empty.
 */
export function budgetLedgerMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('budget_ledger')
        .addColumn('budget', 'text', (col) => col.notNull())
        // A request granted at `at`, or a pause that lasts until `at`.
        .addColumn('entry', 'text', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('budget_ledger_at').on('budget_ledger').column('at').execute();
    },
  };
}
