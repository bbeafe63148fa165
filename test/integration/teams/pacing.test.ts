/** Sending pace: Teams' per-conversation bot limits are kept, and a 429's Retry-After is honoured. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CALLBACKS, type FakeActivity, USERS } from '../../mocks/fakeTeams.js';
import { startTeamsHarness, type TeamsHarness } from './harness.js';

const WAIT = { timeout: 20_000, interval: 25 };

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

async function postedCard(callId: string, from: string): Promise<{ episodeId: string; post: FakeActivity }> {
  const before = h.fake.postsIn(CALLBACKS.id).length;
  await h.missedCall({ callId, from });
  await vi.waitFor(() => expect(h.fake.postsIn(CALLBACKS.id).length).toBe(before + 1), WAIT);
  const call = await h.ringback.store.providerCalls.get(`generic:twilio:${callId}`);
  const episodeId = call?.episodeId as string;
  return { episodeId, post: await h.storedCard(episodeId) };
}

describe('when Teams answers 429', () => {
  it('waits as long as Retry-After says, then updates the card', async () => {
    const { episodeId, post } = await postedCard('CA-429', '+33612345621');
    h.fake.failNext((method, path) => method === 'PUT' && path.endsWith(`/activities/${post.id}`), 429, 1);

    await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: episodeId }));

    await vi.waitFor(() => expect(post.versions.length).toBe(2), WAIT);
    const puts = h.fake.requests.filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/activities/${post.id}`),
    );
    expect(puts.map((r) => r.status)).toEqual([429, 200]);
    expect((puts[1]?.at ?? 0) - (puts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // Teams' pacing is not a failure: the job was not charged an attempt for it.
    // (A completed job is deleted; the runner counts its outcomes.)
    await vi.waitFor(async () => {
      expect(await h.ringback.store.jobs.list({ kind: 'teams.update_card' })).toEqual([]);
      const { values } = await h.ringback.metrics.jobs.get();
      const of = (result: string) =>
        values.find((v) => v.labels.kind === 'teams.update_card' && v.labels.result === result)?.value;
      expect([of('done'), of('retry'), of('dead')]).toEqual([expect.any(Number), undefined, undefined]);
    }, WAIT);
  });
});

describe('a burst of messages into one card’s reply chain', () => {
  it('reaches Teams whole without a single 429', async () => {
    const { episodeId, post } = await postedCard('CA-burst', '+33612345622');
    const now = h.ringback.clock.now();
    await h.ringback.store.transaction((repos) =>
      repos.enqueue(
        Array.from({ length: 20 }, (_, i) =>
          h.ringback.notices.plan({ kind: 'thread', episodeId, text: `Reminder ${i + 1}`, mention: null }),
        ).flat(),
        now,
      ),
    );
    await vi.waitFor(() => expect(h.fake.messagesIn(post.conversationId).length).toBe(20), WAIT);
    expect(h.fake.throttled).toBe(0);
  }, 30_000);
});
