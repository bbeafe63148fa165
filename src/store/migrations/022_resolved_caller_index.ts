import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Migration 020 was changed after it had landed: its first version indexed a caller's resolved episodes by
 * `missed_at`, the lookup asks by `resolved_at`. A database that ran the first version keeps the wrong index
 * (and every resolved episode of a busy number read per missed call): it is made again, there only.
 */
export function resolvedCallerIndexMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      const { rows } =
        dialect === 'postgres'
          ? await sql<{ definition: string }>`select indexdef as definition from pg_indexes
              where indexname = 'episodes_resolved_caller'`.execute(db)
          : await sql<{ definition: string }>`select sql as definition from sqlite_master
              where type = 'index' and name = 'episodes_resolved_caller'`.execute(db);
      const definition = rows[0]?.definition ?? '';
      if (definition.includes('resolved_at')) return;
      await sql`drop index if exists episodes_resolved_caller`.execute(db);
      await db.schema
        .createIndex('episodes_resolved_caller')
        .on('episodes')
        .columns(['line', 'caller_number', 'resolved_at'])
        .where(sql.ref('state'), '=', 'resolved')
        .execute();
    },
  };
}
