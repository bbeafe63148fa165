/**
 * Every suggestion source, not round robin alone, skips an agent the phone system says is away: an
 * auto-claim for them took the call out of the unclaimed escalation while nobody was there to call back.
 */
import { describe, expect, it } from 'vitest';
import { triageHandler } from '../../../src/app/triage.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { newEpisode } from '../../../src/domain/episode.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const CALLER = '+33611111111';

describe.each(await databaseKinds())('suggesting an owner on $name', (kind) => {
  const { store } = useStore(kind);

  async function triage(anaAvailable: boolean) {
    const routing = parseRouting(
      `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    assign: { suggest: [lastAgent, roundRobin], autoClaim: true, agents: [ana@example.com, ben@example.com] }
`,
      'test',
    );
    // Ana answered this caller yesterday.
    await store().providerCalls.save(
      {
        key: 'aircall:1',
        provider: 'aircall',
        providerCallId: '1',
        episodeId: null,
        direction: 'inbound',
        fromNumber: CALLER,
        line: 'Support FR',
        startedAt: T0 - 86_400_000,
        endedAt: T0 - 86_000_000,
        answered: true,
        missedReason: null,
        data: { agent: { name: 'Ana', email: 'ana@example.com' }, answeredAt: T0 - 86_390_000 },
      },
      T0,
    );
    const availability = new AvailabilityRepository(store().db);
    for (const [userId, name, available] of [
      ['1', 'ana', anaAvailable],
      ['2', 'ben', true],
    ] as const) {
      await availability.record(
        {
          provider: 'aircall',
          userId,
          email: `${name}@example.com`,
          name,
          available,
          changedAt: T0 - 60_000,
        },
        T0,
      );
    }
    const episode = newEpisode({
      id: 'ep1',
      line: 'Support FR',
      caller: { number: CALLER, name: null },
      missedAt: T0,
    });
    await store().episodes.insert(episode, {}, T0);
    const clock = new ManualClock(T0);
    await triageHandler({ routing, commands: { store: store(), clock, planEffects: () => [] } })(
      { episodeId: 'ep1' },
      undefined as never,
    );
    return store().episodes.get('ep1');
  }

  it('auto-claims for the agent who last spoke with the caller when she is there', async () => {
    const episode = await triage(true);
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ana@example.com', source: 'lastAgent' });
    expect(episode?.claimedBy?.email).toBe('ana@example.com');
  });

  it('passes over her to the next source when the phone system says she is away', async () => {
    const episode = await triage(false);
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ben@example.com', source: 'roundRobin' });
    expect(episode?.claimedBy?.email).toBe('ben@example.com');
  });
});
