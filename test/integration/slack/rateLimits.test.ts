/**
 * At Slack's own pace (about one chat.postMessage per second per channel, small burst): a burst of
 * missed calls is posted without a single 429, the storm queue message stands in for the cards that
 * wait, and a 429 Slack still sends (another app posting in the channel) is honoured, not fatal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
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
});
