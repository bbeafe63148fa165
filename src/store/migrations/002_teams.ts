import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Microsoft Teams: the channels of the teams the bot was added to (where cards can be posted without a
 * message to answer), and the people seen in Teams (their ids, e-mail and personal chat, for refresh lists
 * and direct messages).
 */
export function teamsMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('teams_channels')
        .addColumn('channel_id', 'text', (c) => c.primaryKey())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('team_name', 'text')
        .addColumn('channel_name', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('service_url', 'text', (c) => c.notNull())
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('bot_name', 'text')
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('teams_channels_team').on('teams_channels').column('team_id').execute();

      await db.schema
        .createTable('teams_members')
        .addColumn('user_key', 'text', (c) => c.primaryKey())
        .addColumn('mri', 'text', (c) => c.notNull())
        .addColumn('aad_object_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('service_url', 'text', (c) => c.notNull())
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('personal_conversation_id', 'text')
        .addColumn('roster_checked_at', ms)
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('teams_members_email').on('teams_members').column('email').execute();
      await db.schema.createIndex('teams_members_mri').on('teams_members').column('mri').execute();
    },
  };
}
