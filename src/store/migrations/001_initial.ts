import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';

/** Tables for episodes, provider calls, posts, audit, jobs, cursors, identities, deliveries and leases. */
export function initialMigration(dialect: DialectName) {
  // Kysely's schema builder has no portable auto-increment: each dialect spells it its own way.
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const ms = 'bigint';

  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('episodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('caller_number', 'text')
        .addColumn('caller_name', 'text')
        .addColumn('call_count', 'integer', (c) => c.notNull())
        .addColumn('missed_at', ms, (c) => c.notNull())
        .addColumn('last_call_at', ms, (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_at', ms)
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('first_attempt_at', ms)
        .addColumn('last_attempt_at', ms)
        .addColumn('outcome', 'text')
        .addColumn('resolved_at', ms)
        .addColumn('resolved_by', 'text')
        .addColumn('auto_resolved', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('escalated_at', ms)
        .addColumn('zendesk_ticket_id', ms)
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('episodes_state_missed')
        .on('episodes')
        .columns(['state', 'missed_at'])
        .execute();
      await db.schema.createIndex('episodes_missed').on('episodes').column('missed_at').execute();
      // At most one unresolved episode per caller and line: concurrent ingests cannot open two cards.
      await db.schema
        .createIndex('episodes_one_open_per_caller')
        .on('episodes')
        .columns(['line', 'caller_number'])
        .unique()
        .where(sql.ref('state'), '<>', 'resolved')
        .where(sql.ref('caller_number'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('episodes_caller')
        .on('episodes')
        .columns(['caller_number', 'state'])
        .execute();

      await db.schema
        .createTable('provider_calls')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('provider_call_id', 'text', (c) => c.notNull())
        .addColumn('episode_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('from_number', 'text')
        .addColumn('line', 'text')
        .addColumn('started_at', ms)
        .addColumn('ended_at', ms)
        .addColumn('answered', 'integer')
        .addColumn('missed_reason', 'text')
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('provider_calls_provider_id', ['provider', 'provider_call_id'])
        .execute();
      await db.schema
        .createIndex('provider_calls_episode')
        .on('provider_calls')
        .column('episode_id')
        .execute();

      await db.schema
        .createTable('posts')
        .addColumn('episode_id', 'text', (c) => c.notNull())
        .addColumn('surface', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('thread_ref', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('posts_pk', ['episode_id', 'surface', 'channel'])
        .execute();
      await db.schema.createIndex('posts_ref').on('posts').columns(['surface', 'ref']).execute();

      await db.schema
        .createTable('audit')
        .addColumn('id', serial, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('episode_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('surface', 'text', (c) => c.notNull())
        .addColumn('at', ms, (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('audit_episode').on('audit').columns(['episode_id', 'id']).execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', serial, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.unique())
        .addColumn('coalesce_key', 'text', (c) => c.unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_at', ms, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', ms)
        .addColumn('last_error', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

      await db.schema
        .createTable('cursors')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('identities')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('received_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deliveries_received').on('deliveries').column('received_at').execute();

      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
    },
  };
}
