import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * The right agent with the right context (issue 15): each call's priority (and the rule that made it so,
 * whose channel and ladder then apply), the suggested owner, and which agents are available now (Aircall
 * `user.opened` / `user.closed` events and the users API) for round robin. The pre-brief itself lives in
 * the episode's details JSON, so retention erases it with the rest of the caller's data.
 * Indexes: open lists sort high priority first; "who last answered this number" reads answered calls by
 * number, newest first.
 */
export function priorityMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      const episodes = () => db.schema.alterTable('episodes');
      await episodes()
        .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
        .execute();
      await episodes().addColumn('priority_rule', 'text').execute();
      await episodes().addColumn('suggested_owner', 'text').execute();
      await db.schema
        .createIndex('episodes_priority_first')
        .on('episodes')
        .columns(['state', 'priority', 'missed_at'])
        .execute();
      await db.schema
        .createIndex('provider_calls_answered_by_number')
        .on('provider_calls')
        .columns(['from_number', 'answered', 'started_at'])
        .execute();
      await db.schema
        .createTable('agent_availability')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('available', 'integer')
        .addColumn('changed_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_availability_pk', ['provider', 'user_id'])
        .execute();
    },
  };
}
