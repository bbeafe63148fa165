/** Small factories for domain objects in tests. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newEpisode } from '../../src/domain/episode.js';
import type { Actor, Episode } from '../../src/domain/types.js';
import { episodeColumns } from '../../src/store/episodes.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';

export const T0 = Date.parse('2026-11-20T09:32:10Z');

export function actor(name: string, surface: Actor['surface'] = 'slack', email?: string): Actor {
  return {
    id: `${surface}:U${name.toUpperCase()}`,
    name,
    email: email ?? `${name.toLowerCase()}@example.com`,
    surface,
  };
}

export const ana = actor('Ana');
export const ben = actor('Ben');

export function episode(overrides: Partial<Episode> = {}): Episode {
  return {
    ...newEpisode({
      id: 'ep-1',
      line: 'Support FR',
      caller: { number: '+33176360695', name: 'Marie Dupont' },
      missedAt: T0,
    }),
    ...overrides,
  };
}

/**
 * Inserts an episode into a database migrated only up to an older version, without the columns later
 * migrations added (the store's own insert writes them all).
 */
export async function insertOlderEpisode(
  db: Kysely<Database>,
  episode: Episode,
  laterColumns: readonly string[] = ['first_claimed_at', 'escalation_step'],
): Promise<void> {
  const columns: Record<string, unknown> = { ...episodeColumns(episode) };
  for (const name of laterColumns) delete columns[name];
  const row = { id: episode.id, ...columns, details: '{}', created_at: T0, updated_at: T0 };
  await db
    .insertInto('episodes')
    .values(row as never)
    .execute();
}

/** One call whose card waits in `channel`'s queue of the `mem` surface (the chat outbox tests' surface). */
export async function queuedCard(store: Store, channel: string): Promise<Episode> {
  const queued = newEpisode({
    id: randomUUID(),
    line: 'L',
    caller: { number: '+33600000001', name: null },
    missedAt: T0,
  });
  await store.transaction(async (repos) => {
    await repos.episodes.insert(queued, {}, T0);
    await repos.cardQueue.queue([{ episodeId: queued.id, surface: 'mem', channel }], T0);
  });
  return queued;
}
