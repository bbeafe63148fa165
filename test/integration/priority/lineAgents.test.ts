/**
 * A line that lists its agents (`assign.agents`) is suggested and auto-claimed for them only: the agent
 * who answered this caller last month, or the assignee of their open ticket, is passed over when no longer
 * listed (they left the team), and the next source (round robin) picks. E-mails compare in any case.
 */
import { describe, expect, it } from 'vitest';
import { triageHandler } from '../../../src/app/triage.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EpisodeDetails } from '../../../src/domain/details.js';
import { newEpisode } from '../../../src/domain/episode.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const DAY = 86_400_000;
const CALLER = '+33611111111';

describe.each(await databaseKinds())('suggesting an owner among the line agents on $name', (kind) => {
  const { store } = useStore(kind);

  async function triage(assign: string, details: Partial<EpisodeDetails> = {}) {
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
    // Ana answered this caller last month.
    await store().providerCalls.save(
      {
        key: 'aircall:1',
        provider: 'aircall',
        providerCallId: '1',
        episodeId: null,
        direction: 'inbound',
        fromNumber: CALLER,
        line: 'Support FR',
        startedAt: T0 - 30 * DAY,
        endedAt: T0 - 30 * DAY + 60_000,
        answered: true,
        missedReason: null,
        data: { agent: { name: 'Ana', email: 'ana@example.com' }, answeredAt: T0 - 30 * DAY + 5_000 },
      },
      T0,
    );
    const availability = new AvailabilityRepository(store().db);
    for (const [userId, name] of [
      ['2', 'ben'],
      ['3', 'chloe'],
    ] as const) {
      await availability.record(
        {
          provider: 'aircall',
          userId,
          email: `${name}@example.com`,
          name,
          available: true,
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
    await store().episodes.insert(episode, details, T0);
    await triageHandler({
      routing,
      commands: { store: store(), clock: new ManualClock(T0), planEffects: () => [] },
    })({ episodeId: 'ep1' }, undefined as never);
    return store().episodes.get('ep1');
  }

  it('passes over the last agent when she is no longer among the line agents, to round robin', async () => {
    const episode = await triage(
      '{ suggest: [lastAgent, roundRobin], autoClaim: true, agents: [ben@example.com, chloe@example.com] }',
    );
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ben@example.com', source: 'roundRobin' });
    expect(episode?.claimedBy?.email).toBe('ben@example.com');
  });

  it('keeps the last agent listed in another case', async () => {
    const episode = await triage(
      '{ suggest: [lastAgent, roundRobin], autoClaim: true, agents: [Ana@Example.com, ben@example.com] }',
    );
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ana@example.com', source: 'lastAgent' });
    expect(episode?.claimedBy?.email).toBe('ana@example.com');
  });

  it('passes over a ticket assignee who is not among the line agents', async () => {
    const prebrief = {
      fetchedAt: T0,
      organization: null,
      tags: [],
      openTickets: { count: 1, highestPriority: null, latest: { id: 42, subject: null, priority: null } },
      lastContact: null,
      assignee: { name: 'Ana', email: 'ana@example.com', ticketId: 42 },
      timeZone: null,
    };
    const episode = await triage(
      '{ suggest: [ticketAssignee, roundRobin], autoClaim: true, agents: [ben@example.com, chloe@example.com] }',
      { prebrief },
    );
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ben@example.com', source: 'roundRobin' });
    expect(episode?.claimedBy?.email).toBe('ben@example.com');
  });

  it('suggests the last agent as before on a line that lists no agents', async () => {
    const episode = await triage('{ suggest: [lastAgent, roundRobin], autoClaim: true }');
    expect(episode?.suggestedOwner).toMatchObject({ email: 'ana@example.com', source: 'lastAgent' });
  });
});
