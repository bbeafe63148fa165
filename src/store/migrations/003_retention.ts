import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/** Bounded data: retention of call records, purge bookkeeping (issue 11, item 8). */
export function retentionMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
