/**
 * "mine" and the App Home list the calls one person holds, however many calls the whole team holds:
 * matched on their id or e-mail (any letter case), and not on someone whose address merely looks alike.
 */
import { describe, expect, it } from 'vitest';
import { claimedBy } from '../../../src/chat/commands.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const ana: Actor = { id: 'slack:U_ANA01', name: 'Ana', email: 'Ana.Lima@example.com', surface: 'slack' };
const anaOnTeams: Actor = {
  id: 'teams:29:1ana',
  name: 'Ana L',
  email: 'ana.lima@example.com',
  surface: 'teams',
};
const lookalike: Actor = {
  id: 'slack:UXANA01',
  name: 'Anx',
  email: 'anaxlima@example.com',
  surface: 'slack',
};
const ben: Actor = { id: 'slack:UBEN0001', name: 'Ben', email: 'ben@example.com', surface: 'slack' };

function held(id: string, by: Actor, missedAt: number, state: Episode['state'] = 'claimed'): Episode {
  return {
    ...newEpisode({ id, line: 'Support FR', caller: { number: null, name: null }, missedAt }),
    state,
    claimedBy: by,
    claimedAt: missedAt + 60_000,
  };
}

describe.each(await databaseKinds())('the calls one person holds, on $name', (kind) => {
  const { store } = useStore(kind);

  it('finds all of them among thousands the team holds, on every surface, and nobody else’s', async () => {
    await store().episodes.insert(held('ana-oldest', ana, T0 - 90 * 86_400_000), {}, T0);
    await store().episodes.insert(held('ana-on-teams', anaOnTeams, T0 - 1_000, 'calling'), {}, T0);
    await store().episodes.insert(held('lookalike', lookalike, T0), {}, T0);
    for (let i = 0; i < 2_100; i++) {
      await store().episodes.insert(held(`ben-${i}`, ben, T0 - i * 60_000), {}, T0);
    }
    const mine = await claimedBy(store(), ana);
    expect(mine.map((e) => e.id)).toEqual(['ana-on-teams', 'ana-oldest']);
    expect((await claimedBy(store(), ben)).length).toBe(2_100);
  }, 60_000);
});
