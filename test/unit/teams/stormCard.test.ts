import { describe, expect, it } from 'vitest';
import { openedQueue, stormQueueView } from '../../../src/chat/stormQueue.js';
import { parseRouting } from '../../../src/config/load.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../../src/store/jobs.js';
import { laneJob } from '../../../src/surfaces/slack/jobKinds.js';
import { teamsMessageLink } from '../../../src/surfaces/teams/claimNext.js';
import { teamsStormQueueCard, teamsStormQueueClosedCard } from '../../../src/surfaces/teams/stormCard.js';
import { teamsStormJob } from '../../../src/surfaces/teams/stormQueue.js';
import { episode, T0 } from '../../helpers/episodes.js';

const CHANNEL = '19:callbacks-fr@thread.tacv2';
const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    teams: { channel: "${CHANNEL}" }
    country: FR
`,
  'test',
);

const calls = Array.from({ length: 8 }, (_, i) => ({
  episode: episode({
    id: `ep-${i}`,
    missedAt: T0 + i,
    caller: { number: `+3361234000${i}`, name: `Caller ${i}` },
  }),
  queuedAt: T0 + i,
}));

describe('the Teams storm queue card', () => {
  it('says how many wait and carries Claim next as an Action.Execute naming the channel', () => {
    const card = teamsStormQueueCard(CHANNEL, stormQueueView(routing, calls), '09:40');
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(JSON.stringify(card.body)).toContain('8 calls are waiting for their card');
    expect(card.actions).toEqual([
      {
        type: 'Action.Execute',
        title: 'Claim next',
        verb: ACTION_IDS.claimNext,
        data: { channel: CHANNEL },
        style: 'positive',
      },
    ]);
    expect(JSON.stringify(card.body)).toContain('…and 3 more');
    expect(JSON.stringify(card.body)).toContain('@Ringback mine');
  });

  it('escapes callers’ names for Teams markdown', () => {
    const hostile = [
      {
        ...calls[0],
        episode: episode({ caller: { number: null, name: '**Boss** [x](https://evil) <at>Mia</at>' } }),
      },
    ];
    const text = JSON.stringify(
      teamsStormQueueCard(CHANNEL, stormQueueView(routing, hostile as never), '09:40').body,
    );
    expect(text).toContain('\\\\*\\\\*Boss\\\\*\\\\* \\\\[x\\\\]\\\\(https://evil\\\\)');
    expect(text).not.toContain('<at>');
  });

  it('closes without a button', () => {
    const state = openedQueue('1:abc', stormQueueView(routing, calls), T0);
    const card = teamsStormQueueClosedCard(state, T0 + 60_000, 'Europe/Paris');
    expect(card.actions).toBeUndefined();
    expect(JSON.stringify(card.body)).toContain('All cards are posted');
  });

  it('links a channel message with its ids encoded', () => {
    expect(teamsMessageLink(CHANNEL, '1700000000000', 'tenant-1')).toBe(
      'https://teams.microsoft.com/l/message/19%3Acallbacks-fr%40thread.tacv2/1700000000000?parentMessageId=1700000000000&tenantId=tenant-1',
    );
  });
});

describe('the Teams storm queue watcher job', () => {
  it('outlasts a long Teams outage, like the Slack lane: only it closes the queue message', () => {
    const watcher = teamsStormJob('19:callbacks@thread.tacv2');
    expect(watcher.maxAttempts).toBeGreaterThan(DEFAULT_MAX_ATTEMPTS);
    expect(watcher.maxAttempts).toBe(laneJob('C0123').maxAttempts);
  });
});
