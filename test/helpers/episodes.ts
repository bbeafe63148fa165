/** Small factories for domain objects in tests. */
import { newEpisode } from '../../src/domain/episode.js';
import type { Actor, Episode } from '../../src/domain/types.js';

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
