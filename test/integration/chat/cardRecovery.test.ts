/**
 * A card posted by a process killed before it stored the post (the kill -9 bench's duplicate): the attempt is
 * on the queued row, so the next delivery asks Slack (conversations.history) for the card and stores the one
 * it finds instead of posting it again. Without such a card, or when Slack cannot say, the card is posted.
 * A real Ringback on a fake Slack that checks every request against Slack's spec.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { laneJob } from '../../../src/surfaces/slack/jobKinds.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { MANIFEST_SCOPES } from '../../mocks/fakeSlack.js';
import {
  CHANNEL,
  cardIn,
  openEpisode,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from '../slack/harness.js';

const WAIT = { timeout: 10_000, interval: 20 };
let callers = 0;

/** An episode stored with its card queued in CHANNEL, and no lane woken for it yet. */
async function queuedEpisode(h: SlackHarness): Promise<Episode> {
  const { store, clock } = h.ringback;
  const now = clock.now();
  const episode = newEpisode({
    id: randomUUID(),
    line: 'Support FR',
    caller: { number: `+336${String(++callers).padStart(8, '0')}`, name: 'Marie Dupont' },
    missedAt: now - 60_000,
  });
  await store.transaction(async (repos) => {
    await repos.episodes.insert(episode, {}, now);
    await repos.cardQueue.queue([{ episodeId: episode.id, surface: 'slack', channel: CHANNEL }], now);
  });
  return episode;
}

/** What a process killed after Slack's answer leaves: the attempt recorded, the card in Slack, no post. */
async function postAndDie(h: SlackHarness, episode: Episode): Promise<string> {
  const spot = { episodeId: episode.id, surface: 'slack', channel: CHANNEL };
  await h.ringback.store.cardQueue.markAttempt(spot, h.ringback.clock.now());
  const posted = await h.surface.surface.postCard(episode, CHANNEL, h.surface.outbox.pacing.slotTaken());
  return posted.ref;
}

/** The lane starts again, as after a restart. */
async function wakeLane(h: SlackHarness): Promise<void> {
  await h.ringback.store.enqueue([laneJob(CHANNEL)], h.ringback.clock.now());
}

function cardPosts(h: SlackHarness, episodeId: string) {
  return h.fake
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.channel === CHANNEL &&
        c.args.thread_ts === undefined &&
        JSON.stringify(c.args.blocks ?? []).includes(`ringback.title:${episodeId}`),
    );
}

function assertSlackHappy(h: SlackHarness) {
  expect(h.fake.errors).toEqual([]);
  expect(h.fake.warnings).toEqual([]);
  expect(h.fake.rateLimited).toEqual([]);
}

describe('a card posted by a process killed before it stored the post', () => {
  let db: TestDatabase;
  let h: SlackHarness;

  beforeAll(async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({
      database: db,
      // The tests post look-alike messages straight into the channel: room for them beside Ringback's burst.
      fake: { postsPerSecond: 5, postBurst: 20, tiers: { 'chat.update': 600 } },
      slack: { sender: { postIntervalMs: 200, updateBurst: 20, updatesPerMinute: 500 } },
    });
  });

  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  afterEach(() => assertSlackHappy(h));

  it('is found in Slack and stored, not posted again', async () => {
    const episode = await queuedEpisode(h);
    const ts = await postAndDie(h, episode);
    const historyBefore = h.fake.callsTo('conversations.history').length;

    await wakeLane(h);
    await vi.waitFor(async () => {
      expect(await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL)).toMatchObject({
        ref: ts,
        threadRef: ts,
      });
    }, WAIT);

    expect(cardPosts(h, episode.id)).toHaveLength(1);
    expect(h.fake.messages(CHANNEL).filter((m) => m.threadTs === null && m.ts === ts)).toHaveLength(1);
    expect(
      await h.ringback.store.cardQueue.get({ episodeId: episode.id, surface: 'slack', channel: CHANNEL }),
    ).toBeNull();
    const history = h.fake.callsTo('conversations.history').slice(historyBefore);
    expect(history).toHaveLength(1);
    expect(history[0]?.args).toMatchObject({ channel: CHANNEL, limit: '100', inclusive: 'true' });
    expect(h.logLines().some((l) => l.includes('card recovered') && l.includes(episode.id))).toBe(true);
    // The card shows the state of the attempt that posted it: one update brings it up to date.
    await vi.waitFor(() => expect(h.fake.message(CHANNEL, ts)?.updates).toBe(1), WAIT);
  });

  it('is posted once when Slack has no such card (the attempt died before Slack posted it)', async () => {
    const episode = await queuedEpisode(h);
    await h.ringback.store.cardQueue.markAttempt(
      { episodeId: episode.id, surface: 'slack', channel: CHANNEL },
      h.ringback.clock.now(),
    );
    const historyBefore = h.fake.callsTo('conversations.history').length;

    await wakeLane(h);
    const card = await waitForCard(h, episode.id);

    expect(cardPosts(h, episode.id)).toHaveLength(1);
    expect(await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL)).toMatchObject({ ref: card.ts });
    expect(h.fake.callsTo('conversations.history').slice(historyBefore)).toHaveLength(1);
    expect(h.logLines().some((l) => l.includes('card recovered') && l.includes(episode.id))).toBe(false);
  });

  it('is not confused with another episode’s card, nor with a reply in a thread', async () => {
    const other = await queuedEpisode(h);
    const otherTs = await postAndDie(h, other);
    const episode = await queuedEpisode(h);
    // A reply under the other card that carries this card's title block: not a card.
    await h.surface.api.postMessage({
      channel: CHANNEL,
      threadTs: otherTs,
      text: 'look-alike',
      blocks: [
        {
          type: 'header',
          block_id: `ringback.title:${episode.id}`,
          text: { type: 'plain_text', text: 'look-alike' },
        },
      ],
    });
    await h.ringback.store.cardQueue.markAttempt(
      { episodeId: episode.id, surface: 'slack', channel: CHANNEL },
      h.ringback.clock.now(),
    );

    await wakeLane(h);
    const card = await waitForCard(h, episode.id);
    await waitForCard(h, other.id);

    expect(cardPosts(h, episode.id)).toHaveLength(1);
    expect(cardPosts(h, other.id)).toHaveLength(1);
    expect((await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL))?.ref).toBe(card.ts);
    expect((await h.ringback.store.posts.get(other.id, 'slack', CHANNEL))?.ref).toBe(otherTs);
  });

  it('costs a fresh card no lookup', async () => {
    const historyBefore = h.fake.callsTo('conversations.history').length;
    const episode = await openEpisode(h.ringback, {
      caller: { number: '+33699999999', name: 'Léa Martin' },
    });
    await waitForCard(h, episode.id);
    expect(cardPosts(h, episode.id)).toHaveLength(1);
    expect(h.fake.callsTo('conversations.history').slice(historyBefore)).toEqual([]);
  });
});

describe('a card whose earlier attempt Slack cannot look up', () => {
  let db: TestDatabase;
  let h: SlackHarness;

  beforeAll(async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({
      database: db,
      // A token without the history scopes: conversations.history answers missing_scope.
      fake: { scopes: MANIFEST_SCOPES.filter((s) => !s.endsWith(':history')) },
    });
  });

  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  it('is posted again, with a warning: a duplicate is better than a lost card', async () => {
    const episode = await queuedEpisode(h);
    const first = await postAndDie(h, episode);

    await wakeLane(h);
    await vi.waitFor(async () => {
      expect(await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL)).not.toBeNull();
    }, WAIT);

    expect(cardPosts(h, episode.id)).toHaveLength(2);
    const post = await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL);
    expect(post?.ref).not.toBe(first);
    expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
    const history = h.fake.callsTo('conversations.history');
    expect(history).toHaveLength(1);
    expect(history[0]?.error).toBe('missing_scope');
    expect(h.logLines().some((l) => l.includes('"level":"warn"') && l.includes('posting it again'))).toBe(
      true,
    );
    expect(h.fake.errors).toEqual([]);
  });
});
