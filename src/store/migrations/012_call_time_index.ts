import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Reports over a period (issue 16): the fair agent report reads the legs of every inbound call that came
 * in during the period. Legs already live in each provider call's merged record (and outlive the caller
 * data erasure), so no table is added; this index finds a period's calls without scanning them all.
 */
export function callTimeIndexMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('provider_calls_started')
        .on('provider_calls')
        .columns(['started_at', 'key'])
        .execute();
    },
  };
}
