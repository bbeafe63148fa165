import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Runs a migration's steps so that they land together or not at all. The migrator runs migrations in a
 * transaction on both databases (src/store/db.ts says why for SQLite); a migration run outside it (a
 * test's) gets a transaction of its own on SQLite.
 */
export async function atomically(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
  db: Kysely<any>,
  dialect: DialectName,
  // biome-ignore lint/suspicious/noExplicitAny: as above
  work: (trx: Kysely<any>) => Promise<void>,
): Promise<void> {
  await (dialect === 'sqlite' && !db.isTransaction ? db.transaction().execute(work) : work(db));
}
