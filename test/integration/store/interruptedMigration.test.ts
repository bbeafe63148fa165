/**
 * A migration that fails halfway (here: one of its indexes cannot be made; in life, a process killed during
 * an upgrade) leaves nothing behind, so the next start migrates again. On SQLite the steps used to land one
 * by one: the table stayed, the migration unrecorded, and every later start failed on "already exists".
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';

const kinds = await databaseKinds();

describe.each(kinds)('a migration interrupted halfway on $name', (kind) => {
  const older = useOlderDatabase(kind, '008_queue_keys');

  it('is undone whole, and the next start migrates', async () => {
    const { db } = older.handle();
    // 009 makes the card_queue table, then an index of this name: its second step fails.
    await sql`create index card_queue_lane on jobs (id)`.execute(db);
    await expect(older.store().migrate()).rejects.toThrow(/card_queue_lane/);
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => t.name)).not.toContain('card_queue');

    await sql`drop index card_queue_lane`.execute(db);
    const applied = await older.store().migrate();
    expect(applied[0]).toBe('009_card_queue');
    expect(await older.store().migrate()).toEqual([]);
  });
});
