/**
 * A line that lists its agents (`assign.agents`) is suggested and auto-claimed for them only: the agent
 * who answered this caller last month, or the assignee of their open ticket, is passed over when no longer
 * listed (they left the team), and the next source (round robin) picks. E-mails compare in any case.
 */
import { describe, expect, it } from 'vitest';
import type { EpisodeDetails } from '../../../src/domain/details.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { agentsAvailable, anaAnsweredCaller, DAY, T0, triageMissedCall } from './triageWorld.js';

describe.each(await databaseKinds())('suggesting an owner among the line agents on $name', (kind) => {
  const { store } = useStore(kind);

  async function triage(assign: string, details: Partial<EpisodeDetails> = {}) {
    // Ana answered this caller last month; Ben and Chloé are there.
    await anaAnsweredCaller(store(), 30 * DAY);
    await agentsAvailable(store(), [
      ['2', 'ben', true],
      ['3', 'chloe', true],
    ]);
    return triageMissedCall(store(), assign, details);
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
