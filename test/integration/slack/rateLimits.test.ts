/**
 * At Slack's own pace (about one chat.postMessage per second per channel, small burst): a burst of
 * missed calls is posted without a single 429, the storm queue message stands in for the cards that
 * wait, and a 429 Slack still sends (another app posting in the channel) is honoured, not fatal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { updateCardJob } from '../../../src/chat/planner.js';
import type { Episode } from '../../../src/domain/types.js';
import { STORM_QUEUE_HEAD_BLOCK } from '../../../src/surfaces/slack/stormBlocks.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CHANNEL, cardIn, openEpisode, type SlackHarness, startSlackHarness } from './harness.js';

const WAIT = { timeout: 25_000, interval: 50 };
let db: TestDatabase;
let h: SlackHarness;

afterEach(async () => {
  await h?.stop();
  await db?.drop();
});

describe('a burst of missed calls in one channel', () => {
  it('posts every card once, shows the storm queue message meanwhile, closes it, and never gets a 429', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    const episodes: Episode[] = [];
    for (let i = 0; i < 6; i++) {
      episodes.push(
        await openEpisode(h.ringback, { caller: { number: `+3367000000${i}`, name: `Caller ${i}` } }),
      );
    }
    await vi.waitFor(() => {
      for (const episode of episodes) expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
    }, WAIT);
    const queueMessages = () =>
      h.fake.messages(CHANNEL).filter((m) => JSON.stringify(m.blocks ?? []).includes(STORM_QUEUE_HEAD_BLOCK));
    await vi.waitFor(
      () =>
        expect(queueMessages().map((m) => m.text)).toEqual([expect.stringMatching(/^All cards are posted/)]),
      WAIT,
    );

    expect(h.fake.rateLimited).toEqual([]);
    expect(h.fake.errors).toEqual([]);
    // Each card exactly once, and the one queue message.
    const topLevel = h.fake.messages(CHANNEL).filter((m) => m.threadTs === null);
    expect(topLevel).toHaveLength(7);
    expect(await h.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  });
});

describe('a 429 from Slack', () => {
  it('is honoured: the card waits for Retry-After, then goes out once', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db, fake: { postBurst: 1 } });
    // Another app just posted in the channel: Slack's budget for it is spent for a second.
    const other = await fetch(`${h.fake.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.fake.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ channel: CHANNEL, text: 'someone else' }).toString(),
    });
    expect(((await other.json()) as { ok: boolean }).ok).toBe(true);
    const episode = await openEpisode(h.ringback);
    await vi.waitFor(() => expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined(), WAIT);
    expect(h.fake.rateLimited).toEqual([{ method: 'chat.postMessage', channel: CHANNEL, retryAfter: 1 }]);
    expect(
      h.fake.messages(CHANNEL).filter((m) => JSON.stringify(m.blocks).includes(episode.id)),
    ).toHaveLength(1);
    expect(await h.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  });

  it('on a card update holds every card update back until Retry-After ends (chat.update is per workspace)', async () => {
    db = sqliteDatabase();
    // The workspace's chat.update tier is smaller than Ringback's own pacing (another app shares it): a 429.
    h = await startSlackHarness({ database: db, fake: { tiers: { 'chat.update': 3 } } });
    const { store, clock } = h.ringback;
    const episodes: Episode[] = [];
    for (let i = 0; i < 8; i++) {
      const episode = await openEpisode(h.ringback, { caller: { number: `+3367000000${i}`, name: `C${i}` } });
      episodes.push(episode);
      await vi.waitFor(() => expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined(), WAIT);
    }
    const changed = async (episode: Episode) => {
      const post = await store.posts.get(episode.id, 'slack', CHANNEL);
      if (!post) throw new Error('no card');
      await store.posts.setShown(post, 'stale', clock.now());
      await store.enqueue([updateCardJob('slack', episode.id)], clock.now());
    };
    for (const episode of episodes.slice(0, 4)) await changed(episode);
    await vi.waitFor(() => expect(h.fake.rateLimited.length).toBeGreaterThan(0), WAIT);
    const limited = h.fake.callsTo('chat.update').find((call) => call.status === 429);
    const retryAfterMs = (h.fake.rateLimited[0]?.retryAfter ?? 0) * 1000;
    expect(limited && retryAfterMs > 3_000).toBe(true);
    for (const episode of episodes.slice(4)) await changed(episode);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const during = h.fake
      .callsTo('chat.update')
      .filter((call) => limited && call.at > limited.at && call.at < limited.at + retryAfterMs);
    expect(during).toEqual([]);
  }, 30_000);
});
