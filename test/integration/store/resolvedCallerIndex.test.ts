/**
 * Migration 022 makes again the resolved-caller index that the first version of 020 made on the wrong column,
 * and leaves a right one as it is. On SQLite and PostgreSQL.
 */
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/schema.js';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';

async function indexDefinition(db: Kysely<Database>, dialect: string): Promise<string> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{
          d: string;
        }>`select indexdef as d from pg_indexes where indexname = 'episodes_resolved_caller'`.execute(db)
      : await sql<{
          d: string;
        }>`select sql as d from sqlite_master where name = 'episodes_resolved_caller'`.execute(db);
  return rows[0]?.d ?? '';
}

describe.each(await databaseKinds())('the resolved-caller index on $name', (kind) => {
  const older = useOlderDatabase(kind, '021_short_lived_keys');

  it('is made again on resolved_at where the first version of 020 made it on missed_at', async () => {
    const { db, dialect } = older.handle();
    await sql`drop index episodes_resolved_caller`.execute(db);
    await sql`create index episodes_resolved_caller on episodes (line, caller_number, missed_at) where state = 'resolved'`.execute(
      db,
    );
    expect(await older.store().migrate()).toEqual(['022_resolved_caller_index', '023_escalation_step']);
    const definition = await indexDefinition(db, dialect);
    expect(definition).toContain('resolved_at');
    expect(definition).not.toContain('missed_at');
  });

  it('is left as it is where it is right', async () => {
    const { db, dialect } = older.handle();
    const before = await indexDefinition(db, dialect);
    expect(await older.store().migrate()).toEqual(['022_resolved_caller_index', '023_escalation_step']);
    expect(await indexDefinition(db, dialect)).toBe(before);
  });
});
