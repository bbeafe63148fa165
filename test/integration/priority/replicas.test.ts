/**
 * Triage on two replicas of one PostgreSQL at the same moment: round robin gives two calls of a line two
 * different agents (each triage reads and moves the line's turn under a lock), and the details another job
 * writes meanwhile (the ticket link's requester) are not lost under the triage's own write.
 */
import { describe, expect, it } from 'vitest';
import { triageHandler } from '../../../src/app/triage.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { newEpisode } from '../../../src/domain/episode.js';
import { openDatabase } from '../../../src/store/db.js';
import type { Job } from '../../../src/store/jobs.js';
import { Store } from '../../../src/store/store.js';
import { linkTicket } from '../../../src/zendesk/episodeLink.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    assign: { suggest: [roundRobin], agents: [ana@example.com, ben@example.com, chloe@example.com] }
`,
  'replica triage test',
);
const ROUNDS = 8;

const postgres = (await databaseKinds()).filter((kind) => kind.name === 'postgres');

describe.each(postgres)('triage on two replicas of $name', (kind) => {
  const { store, database } = useStore(kind);

  async function onTwoReplicas(run: (one: Store, two: Store) => Promise<void>): Promise<void> {
    const replica = new Store(openDatabase(database().target, { onConnectionError: () => undefined }));
    try {
      await run(store(), replica);
    } finally {
      await replica.close();
    }
  }

  const triage = (on: Store) =>
    triageHandler({ routing, commands: { store: on, clock: new ManualClock(T0), planEffects: () => [] } });
  const job = { id: 1, attempts: 1 } as Job;

  async function openCall(id: string, number: string): Promise<void> {
    await store().episodes.insert(
      newEpisode({ id, line: 'Support FR', caller: { number, name: null }, missedAt: T0 }),
      {},
      T0,
    );
  }

  it('gives two calls triaged at the same moment two different agents', async () => {
    await onTwoReplicas(async (one, two) => {
      for (let round = 0; round < ROUNDS; round++) {
        await openCall(`a${round}`, `+3360000${round}01`);
        await openCall(`b${round}`, `+3360000${round}02`);
        await Promise.all([
          triage(one)({ episodeId: `a${round}` }, job),
          triage(two)({ episodeId: `b${round}` }, job),
        ]);
        const [a, b] = await Promise.all([
          store().episodes.get(`a${round}`),
          store().episodes.get(`b${round}`),
        ]);
        expect(a?.suggestedOwner?.source).toBe('roundRobin');
        expect(b?.suggestedOwner?.source).toBe('roundRobin');
        expect(a?.suggestedOwner?.email).not.toBe(b?.suggestedOwner?.email);
      }
    });
  });

  it('keeps the requester the ticket link writes while the triage rewrites the details', async () => {
    await onTwoReplicas(async (one, two) => {
      const link = { store: two, clock: new ManualClock(T0), planEffects: () => [] };
      for (let round = 0; round < ROUNDS; round++) {
        const id = `r${round}`;
        await openCall(id, `+3361000${round}00`);
        await Promise.all([
          triage(one)({ episodeId: id }, job),
          linkTicket(link, id, 100 + round, { id: 500 + round, name: `Requester ${round}` }),
        ]);
        expect((await store().episodes.getDetails(id)).requester).toEqual({
          id: 500 + round,
          name: `Requester ${round}`,
        });
      }
    });
  });
});
