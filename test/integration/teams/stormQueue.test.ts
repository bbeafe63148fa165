/**
 * A storm on Teams: when cards wait behind Teams' per-conversation pace, the channel gets the storm queue
 * message as an Adaptive Card with Claim next (`Action.Execute` ringback.claim_next); a click claims the next
 * call and answers privately which one; the message closes once every card is out, and Teams never had to
 * answer 429.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CALLBACKS, type FakeActivity, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, type TeamsHarness, verbsOf } from './harness.js';

const WAIT = { timeout: 60_000, interval: 50 };
const CALLS = 30;

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({ database: db, teams: { invokeWaitMs: 0 } });
  await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

function queueMessage(): FakeActivity | undefined {
  return h.fake
    .postsIn(CALLBACKS.id)
    .find(
      (post) =>
        verbsOf(h.fake.cardOf(post)).includes(ACTION_IDS.claimNext) ||
        cardText(h.fake.cardOf(post)).includes('All cards are posted'),
    );
}

async function episodeOf(callId: string): Promise<string> {
  const call = await h.ringback.store.providerCalls.get(`generic:twilio:${callId}`);
  return call?.episodeId as string;
}

describe('a storm of missed calls in one Teams channel', () => {
  it('shows the queue message with Claim next, claims the next call on a click, and closes at the end', async () => {
    for (let i = 0; i < CALLS; i++) {
      await h.missedCall({
        callId: `CA-storm-${i}`,
        from: `+336123470${String(i).padStart(2, '0')}`,
        callerName: `Caller ${i}`,
      });
    }
    await vi.waitFor(() => expect(queueMessage()).toBeDefined(), WAIT);
    const queue = queueMessage() as FakeActivity;
    const card = h.fake.cardOf(queue);
    expect(verbsOf(card)).toEqual([ACTION_IDS.claimNext]);
    expect(cardText(card)).toMatch(/\d+ calls? (is|are) waiting for (its|their) card/);

    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ana, ACTION_IDS.claimNext, { channel: CALLBACKS.id }),
    );
    expect(answer.status).toBe(200);
    const body = answer.body as { type: string; value: string };
    expect(body.type).toBe('application/vnd.microsoft.activity.message');
    expect(body.value).toContain('You have the next call:');
    expect(body.value).toContain('**Caller 0**');
    expect(body.value).toContain('@Ringback mine');
    const first = await h.ringback.store.episodes.get(await episodeOf('CA-storm-0'));
    expect(first).toMatchObject({
      state: 'claimed',
      claimedBy: expect.objectContaining({ name: USERS.ana.name }),
    });

    const second = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ben, ACTION_IDS.claimNext, { channel: CALLBACKS.id }),
    );
    expect((second.body as { value: string }).value).toContain('**Caller 1**');

    // A button that names another channel than the one it is in changes nothing.
    const forged = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ben, ACTION_IDS.claimNext, { channel: '19:elsewhere@thread.tacv2' }),
    );
    expect((forged.body as { value: string }).value).toContain('belongs to another channel');

    await vi.waitFor(async () => {
      const posts = await Promise.all(
        Array.from({ length: CALLS }, async (_, i) =>
          h.ringback.store.posts.get(await episodeOf(`CA-storm-${i}`), 'teams', CALLBACKS.id),
        ),
      );
      expect(posts.every((p) => p !== null)).toBe(true);
    }, WAIT);
    await vi.waitFor(
      () => expect(cardText(h.fake.cardOf(queueMessage() as FakeActivity))).toContain('All cards are posted'),
      WAIT,
    );
    expect(verbsOf(h.fake.cardOf(queueMessage() as FakeActivity))).toEqual([]);
    expect(h.fake.throttled).toBe(0);
    expect(h.fake.invalidRequests).toEqual([]);
    // One card per call, plus the one queue message.
    expect(h.fake.postsIn(CALLBACKS.id)).toHaveLength(CALLS + 1);
  }, 120_000);
});
