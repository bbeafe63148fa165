/**
 * Shared by the owner-suggestion tests: a Support FR line, a caller Ana answered before, the phone system's
 * word on who is there, and the triage of the caller's new missed call.
 */
import { triageHandler } from '../../../src/app/triage.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EpisodeDetails } from '../../../src/domain/details.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import type { Store } from '../../../src/store/store.js';

export const T0 = Date.parse('2026-12-02T09:00:00Z');
export const DAY = 86_400_000;
export const CALLER = '+33611111111';

/** Ana answered CALLER on Support FR `ago` before T0: what the lastAgent source goes by. */
export async function anaAnsweredCaller(store: Store, ago: number): Promise<void> {
  await store.providerCalls.save(
    {
      key: 'aircall:1',
      provider: 'aircall',
      providerCallId: '1',
      episodeId: null,
      direction: 'inbound',
      fromNumber: CALLER,
      line: 'Support FR',
      startedAt: T0 - ago,
      endedAt: T0 - ago + 60_000,
      answered: true,
      missedReason: null,
      data: { agent: { name: 'Ana', email: 'ana@example.com' }, answeredAt: T0 - ago + 5_000 },
    },
    T0,
  );
}

/** The phone system's word, a minute before T0, on each agent (`[userId, name, available]`, `name@example.com`). */
export async function agentsAvailable(
  store: Store,
  agents: readonly (readonly [userId: string, name: string, available: boolean])[],
): Promise<void> {
  const availability = new AvailabilityRepository(store.db);
  for (const [userId, name, available] of agents) {
    await availability.record(
      { provider: 'aircall', userId, email: `${name}@example.com`, name, available, changedAt: T0 - 60_000 },
      T0,
    );
  }
}

/** Triages CALLER's missed call at T0 on a Support FR line with this `assign` (YAML), and reads it back. */
export async function triageMissedCall(
  store: Store,
  assign: string,
  details: Partial<EpisodeDetails> = {},
): Promise<Episode | null> {
  const routing = parseRouting(
    `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    assign: ${assign}
`,
    'test',
  );
  const episode = newEpisode({
    id: 'ep1',
    line: 'Support FR',
    caller: { number: CALLER, name: null },
    missedAt: T0,
  });
  await store.episodes.insert(episode, details, T0);
  await triageHandler({
    routing,
    commands: { store, clock: new ManualClock(T0), planEffects: () => [] },
  })({ episodeId: 'ep1' }, undefined as never);
  return store.episodes.get('ep1');
}
