/**
 * At Slack's own pace (about one chat.postMessage per second per channel, small burst): a burst of
 * missed calls is posted without a single 429, the storm digest shows the calls that wait, and a 429
 * Slack still sends (another app posting in the channel) is honoured, not fatal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Episode } from '../../../src/domain/types.js';
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
  it('posts every card, lists the waiting ones in a digest, closes it, and never gets a 429', async () => {
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
    await vi.waitFor(
      () => expect(h.fake.messages(CHANNEL).some((m) => m.text.includes('is over'))).toBe(true),
      WAIT,
    );

    expect(h.fake.rateLimited).toEqual([]);
    expect(h.fake.errors).toEqual([]);
    // Each card exactly once.
    const cards = h.fake.messages(CHANNEL).filter((m) => m.threadTs === null && m.blocks !== null);
    expect(cards).toHaveLength(6);
    // The digest: one message, whose thread lists the calls that waited, each once.
    const digests = h.fake.messages(CHANNEL).filter((m) => m.threadTs === null && m.blocks === null);
    expect(digests).toHaveLength(1);
    const digest = digests[0];
    if (!digest) throw new Error('no digest');
    const listed = h.fake
      .replies(CHANNEL, digest.ts)
      .map((m) => m.text)
      .join('\n');
    const named = episodes.filter((e) => listed.includes(`tel:${e.caller.number}`));
    expect(named.length).toBeGreaterThan(0);
    for (const episode of named) expect(listed.split(`tel:${episode.caller.number}`).length - 1).toBe(1);
    expect(digest.text).toMatch(
      /^\*Burst of missed calls from \d\d:\d\d to \d\d:\d\d is over:\* each of the \d+ calls? listed in this thread now has its own card in the channel\.$/,
    );
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
