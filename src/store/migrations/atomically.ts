import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Runs a migration's steps so that they land together or not at all. Kysely runs PostgreSQL migrations in
 * a transaction but not SQLite ones: there the steps get a transaction of their own.
 */
export async function atomically(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
  db: Kysely<any>,
  dialect: DialectName,
  // biome-ignore lint/suspicious/noExplicitAny: as above
  work: (trx: Kysely<any>) => Promise<void>,
): Promise<void> {
  await (dialect === 'sqlite' ? db.transaction().execute(work) : work(db));
}
