/**
 * The open list (`open`, the App Home) shows the calls that most need a person first, however many newer
 * calls a storm added: read in the work-list order by the database, with the true total.
 */
import { describe, expect, it } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import { workListOrder } from '../../../src/domain/listOrder.js';
import type { Episode } from '../../../src/domain/types.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');

function open(id: string, missedAt: number, extra: Partial<Episode> = {}): Episode {
  return {
    ...newEpisode({ id, line: 'Support FR', caller: { number: null, name: null }, missedAt }),
    ...extra,
  };
}

describe.each(await databaseKinds())('the work list, on $name', (kind) => {
  const { store } = useStore(kind);

  it('gives the oldest, the high-priority and the callback requests before a storm of newer calls', async () => {
    const episodes = [
      open('oldest', T0 - 3 * 3_600_000),
      open('asked', T0 - 3_600_000, { callbackRequested: true }),
      open('vip', T0, { priority: 'high' }),
      open('other-line', T0 - 4 * 3_600_000, { line: 'Teams only' }),
      open('done', T0 - 5 * 3_600_000, { state: 'resolved' }),
      ...Array.from({ length: 60 }, (_, i) =>
        open(`storm-${String(i).padStart(2, '0')}`, T0 + (i + 1) * 1_000),
      ),
    ];
    for (const episode of episodes) await store().episodes.insert(episode, {}, T0);

    const list = await store().episodes.workList({ states: ['open'], lines: ['Support FR'] }, 5);
    expect(list.total).toBe(63);
    expect(list.episodes.map((e) => e.id)).toEqual(['vip', 'asked', 'oldest', 'storm-00', 'storm-01']);
    // The same order as every list sorts in memory.
    expect([...list.episodes].sort(workListOrder).map((e) => e.id)).toEqual(list.episodes.map((e) => e.id));
    expect(await store().episodes.workList({ states: ['open'], lines: [] }, 5)).toEqual({
      episodes: [],
      total: 0,
    });
  });
});
