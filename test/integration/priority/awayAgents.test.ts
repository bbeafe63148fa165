/**
 * Every suggestion source, not round robin alone, skips an agent the phone system says is away: an
 * auto-claim for them took the call out of the unclaimed escalation while nobody was there to call back.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { agentsAvailable, anaAnsweredCaller, DAY, triageMissedCall } from './triageWorld.js';

describe.each(await databaseKinds())('suggesting an owner on $name', (kind) => {
  const { store } = useStore(kind);

  async function triage(anaAvailable: boolean) {
    // Ana answered this caller yesterday.
    await anaAnsweredCaller(store(), DAY);
    await agentsAvailable(store(), [
      ['1', 'ana', anaAvailable],
      ['2', 'ben', true],
    ]);
    return triageMissedCall(
      store(),
      '{ suggest: [lastAgent, roundRobin], autoClaim: true, agents: [ana@example.com, ben@example.com] }',
    );
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
