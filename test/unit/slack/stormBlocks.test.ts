import { describe, expect, it } from 'vitest';
import {
  closedQueueText,
  openedQueue,
  parseQueueState,
  queueChanged,
  STORM_QUEUE_LISTED,
  stormCounts,
  stormQueueView,
  type WaitingCall,
} from '../../../src/chat/stormQueue.js';
import { parseRouting } from '../../../src/config/load.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import {
  STORM_QUEUE_BLOCK_PREFIX,
  stormQueueClosedMessage,
  stormQueueMessage,
} from '../../../src/surfaces/slack/stormBlocks.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { blockProblems } from '../../mocks/fakeSlack.js';

const CHANNEL = 'C0123456789';
const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support US
    match: { genericLine: us }
    timezone: America/New_York
    slack: { channel: ${CHANNEL} }
  - name: Support FR
    match: "*"
    slack: { channel: ${CHANNEL} }
    country: FR
`,
  'test',
);

function waitingCall(i: number, overrides: Parameters<typeof episode>[0] = {}): WaitingCall {
  return {
    episode: episode({
      id: `ep-${i}`,
      caller: { number: `+3361234${String(i).padStart(4, '0')}`, name: `Caller ${i}` },
      missedAt: T0 + i * 1_000,
      ...overrides,
    }),
    queuedAt: T0 + i * 1_000 + 500,
  };
}

describe('the storm queue view', () => {
  it('counts every waiting card and lists the unclaimed ones in work-list order', () => {
    const calls = [
      waitingCall(1),
      waitingCall(2, { state: 'claimed', claimedBy: ana, claimedAt: T0 }),
      waitingCall(3, { callbackRequested: true }),
      waitingCall(4, { priority: 'high' }),
      waitingCall(5),
    ];
    const view = stormQueueView(routing, calls);
    expect(view).toMatchObject({ waiting: 5, unclaimed: 4, through: T0 + 5_500 });
    expect(view.next.map((c) => c.episodeId)).toEqual(['ep-4', 'ep-3', 'ep-1', 'ep-5']);
    expect(view.next[0]).toMatchObject({
      high: true,
      name: 'Caller 4',
      tel: '+33612340004',
      line: 'Support FR',
    });
  });

  it('counts a waiting call already resolved as resolved, not as claimed', () => {
    const view = stormQueueView(routing, [
      waitingCall(1),
      waitingCall(2, { state: 'claimed', claimedBy: ana, claimedAt: T0 }),
      waitingCall(3, { state: 'resolved', autoResolved: true, resolvedAt: T0 + 9_000, outcome: 'reached' }),
    ]);
    expect(view).toMatchObject({ waiting: 3, unclaimed: 1, resolved: 1 });
    expect(stormCounts(view)).toBe('1 not claimed yet · 1 claimed · 1 resolved');
    expect(stormCounts({ ...view, resolved: 0, unclaimed: 2 })).toBe('2 not claimed yet · 1 claimed');
  });

  it('names at most a few calls; the count covers the rest', () => {
    const view = stormQueueView(
      routing,
      Array.from({ length: 40 }, (_, i) => waitingCall(i)),
    );
    expect(view.waiting).toBe(40);
    expect(view.next).toHaveLength(STORM_QUEUE_LISTED);
  });

  it('shows each call at its time in its line’s zone, naming the zone when it is not the team’s', () => {
    const view = stormQueueView(routing, [
      {
        episode: episode({ id: 'us', line: 'Support US', missedAt: Date.parse('2026-11-20T14:05:00Z') }),
        queuedAt: T0,
      },
      {
        episode: episode({ id: 'fr', line: 'Support FR', missedAt: Date.parse('2026-11-20T14:06:00Z') }),
        queuedAt: T0 + 1,
      },
    ]);
    expect(view.next.map((call) => call.when)).toEqual(['09:05 (America/New_York)', '15:06']);
  });

  it('is only sent again when what it shows changed', () => {
    const calls = [waitingCall(1), waitingCall(2)];
    const state = openedQueue('1.1', stormQueueView(routing, calls), T0);
    expect(queueChanged(state, stormQueueView(routing, calls))).toBe(false);
    expect(queueChanged(state, stormQueueView(routing, [...calls, waitingCall(3)]))).toBe(true);
    expect(queueChanged(state, stormQueueView(routing, calls.slice(1)))).toBe(true);
  });

  it('reads its stored state back, and nothing from garbage', () => {
    const state = openedQueue('1.1', stormQueueView(routing, [waitingCall(1)]), T0);
    expect(parseQueueState(JSON.stringify(state))).toEqual(state);
    expect(parseQueueState('null')).toBeNull();
    expect(parseQueueState('{not json')).toBeNull();
    expect(parseQueueState(JSON.stringify({ headTs: '1.1' }))).toBeNull();
  });
});

describe('the storm queue message in Block Kit', () => {
  const calls = Array.from({ length: 12 }, (_, i) => waitingCall(i));

  it('says how many wait, lists the next ones, and carries the Claim next button for its channel', () => {
    const message = stormQueueMessage(CHANNEL, stormQueueView(routing, calls), '09:40');
    expect(blockProblems(message.blocks)).toEqual([]);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('12 calls are waiting for their card');
    expect(json).toContain('12 not claimed yet · 0 claimed · storm since 09:40');
    expect(json).toContain('<tel:+33612340000|06 12 34 00 00>');
    expect(json).toContain('…and 7 more');
    const actions = message.blocks.find((b) => b.type === 'actions') as {
      block_id: string;
      elements: { action_id: string; value: string; text: { text: string } }[];
    };
    expect(actions.block_id).toBe(`${STORM_QUEUE_BLOCK_PREFIX}${T0 + 11_500}`);
    expect(actions.elements).toEqual([
      expect.objectContaining({
        action_id: ACTION_IDS.claimNext,
        value: CHANNEL,
        text: expect.objectContaining({ text: 'Claim next' }),
      }),
    ]);
    expect(json).toContain('`/ringback mine`');
    expect(message.text).toContain('waiting for their card');
  });

  it('escapes what callers and lines bring, so a name cannot ping or format', () => {
    const hostile = waitingCall(1, {
      caller: { number: '+33612345678', name: '<!channel> *Boss* & <@U123>' },
    });
    const message = stormQueueMessage(CHANNEL, stormQueueView(routing, [hostile]), '09:40');
    const json = JSON.stringify(message.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U123>');
    expect(json).toContain('&lt;!channel&gt; *Boss* &amp; &lt;@U123&gt;');
  });

  it('stays within Block Kit limits whatever the callers’ names', () => {
    const long = Array.from({ length: 200 }, (_, i) =>
      waitingCall(i, { caller: { number: null, name: `${'Ω<&>'.repeat(500)} ${i}` }, callCount: 99 }),
    );
    const message = stormQueueMessage(CHANNEL, stormQueueView(routing, long), '09:40');
    expect(blockProblems(message.blocks)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(message.blocks)).toContain('withheld number');
  });

  it('says "1 call is waiting for its card" for one', () => {
    const message = stormQueueMessage(CHANNEL, stormQueueView(routing, [waitingCall(1)]), '09:40');
    expect(JSON.stringify(message.blocks)).toContain('1 call is waiting for its card');
  });

  it('says so when every waiting call is claimed', () => {
    const claimed = waitingCall(1, { state: 'claimed', claimedBy: ana, claimedAt: T0 });
    const message = stormQueueMessage(CHANNEL, stormQueueView(routing, [claimed]), '09:40');
    expect(JSON.stringify(message.blocks)).toContain('Every call waiting for its card is claimed.');
  });

  it('closes without a button once every card is out', () => {
    const state = { ...openedQueue('1.1', stormQueueView(routing, calls), T0), cardsPosted: 12 };
    const message = stormQueueClosedMessage(state, T0 + 15 * 60_000, 'Europe/Paris');
    expect(blockProblems(message.blocks)).toEqual([]);
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(message.text).toBe(
      'All cards are posted: the 12 cards that waited are in the channel now (storm from 10:32 to 10:47).',
    );
    expect(closedQueueText({ ...state, cardsPosted: 1 }, T0, 'Europe/Paris')).toContain(
      'the 1 card that waited is',
    );
  });
});
