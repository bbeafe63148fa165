import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Cached identities (who is an agent) with an expiry, so claims never wait on a vendor (issue 11, item 6).
 * One row per system and e-mail: the last answer that system gave (an agent record, or null for "no agent
 * with this e-mail"), until when it is fresh, and until when it may still stand in for a vendor that is down.
 */
export function identitiesMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('agent_identities')
        .addColumn('system', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('agent', 'text')
        .addColumn('checked_at', ms, (c) => c.notNull())
        .addColumn('fresh_until', ms, (c) => c.notNull())
        .addColumn('usable_until', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_identities_pk', ['system', 'email'])
        .execute();
      await db.schema
        .createIndex('agent_identities_usable_until')
        .on('agent_identities')
        .column('usable_until')
        .execute();
    },
  };
}
