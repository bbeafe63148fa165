/**
 * A database a newer Ringback migrated (the first replicas of a rolling deploy, or a rollback): an older build
 * starts on it, says so, and works. Kysely refused with "corrupted migrations" and the old replica could not
 * come back after a restart. Every migration only adds, so the older code runs on the newer schema.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

describe.each(await databaseKinds())('a database migrated by a newer version, on $name', (kind) => {
  const { store } = useStore(kind);

  it('starts, names the migrations it does not know, and keeps working', async () => {
    const db = store();
    // What a newer version would have added and recorded.
    await sql`create table newer_feature (id integer primary key)`.execute(db.db);
    await sql`insert into ringback_migrations (name, timestamp) values ('900_newer_feature', '2027-01-01T00:00:00.000Z')`.execute(
      db.db,
    );
    const told: string[][] = [];
    expect(await db.migrate((names) => told.push(names))).toEqual([]);
    expect(told).toEqual([['900_newer_feature']]);
    const episode = newEpisode({
      id: 'ep1',
      line: 'Support FR',
      caller: { number: null, name: null },
      missedAt: 1,
    });
    await db.episodes.insert(episode, {}, 1);
    expect((await db.episodes.get('ep1'))?.id).toBe('ep1');
  });
});
