/**
 * The Slack surface end to end over HTTP: a real Ringback, Bolt on the shared server, signed requests
 * into POST /slack/events, and a fake Slack Web API that checks every request against Slack's spec
 * and enforces its rate limits.
 */

import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chatJobKinds } from '../../../src/chat/jobs.js';
import { updateCardJob } from '../../../src/chat/planner.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { jobOf } from '../../../src/jobs/registry.js';
import type { Post } from '../../../src/store/posts.js';
import { laneJob } from '../../../src/surfaces/slack/jobKinds.js';
import { HEAD_CARD_REFUSALS } from '../../../src/surfaces/slack/laneRunner.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { queueOutsideText } from '../../helpers/ringback.js';
import type { FakeMessage } from '../../mocks/fakeSlack.js';
import { eventCallbackBody, postToSlackEvents, slackSignature } from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  blocksText,
  CHANNEL,
  click,
  MIA,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 20 };

let db: TestDatabase;
let h: SlackHarness;
const mirrored: unknown[] = [];

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    // Time scaled down (the fake enforces the same scaled limits); rateLimits.test.ts runs at Slack's pace.
    fake: { postsPerSecond: 5, tiers: { 'chat.update': 600 } },
    slack: { sender: { postIntervalMs: 200, updateBurst: 20, updatesPerMinute: 500, laneSweepMs: 300 } },
    extraAdapters: [
      (ctx) => {
        // Stands in for the Zendesk side-conversation mirror.
        ctx.threads.addMirror((message) => [{ kind: 'test.mirror', payload: message }]);
        ctx.runner.register('test.mirror', async (payload) => {
          mirrored.push(payload);
        });
      },
    ],
  });
  for (const user of [ANA, BEN, MIA]) h.fake.addUser(user);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  // Every request we sent Slack is one its spec documents, and none was rate limited.
  expect(h.fake.errors).toEqual([]);
  expect(h.fake.warnings).toEqual([]);
  expect(h.fake.rateLimited).toEqual([]);
});

function postedCard(episode: Episode): Promise<FakeMessage> {
  return waitForCard(h, episode.id);
}

/** A call stored as an older replica (or a lost wake-up) leaves it: no effects planned, no card queued. */
async function storedEpisode(number: string, name: string): Promise<Episode> {
  const now = h.ringback.clock.now();
  const episode = newEpisode({
    id: randomUUID(),
    line: 'Support FR',
    caller: { number, name },
    missedAt: now - 60_000,
  });
  await h.ringback.store.episodes.insert(episode, {}, now);
  return episode;
}

async function reloaded(episode: Episode): Promise<Episode> {
  return (await h.ringback.store.episodes.get(episode.id)) as Episode;
}

function ephemeralsTo(user: string) {
  return h.fake.ephemerals.filter((e) => e.user === user);
}

describe('POST /slack/events', () => {
  const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });

  it('answers a signed url_verification with the challenge', async () => {
    const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/json',
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'abc123' });
  });

  describe('with a bad signature', () => {
    it('answers 401 with a JSON error', async () => {
      const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
        contentType: 'application/json',
        body,
        signature: slackSignature('not-the-secret', Math.floor(Date.now() / 1000), body),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'invalid_signature',
        detail: 'X-Slack-Signature does not match the body',
      });
    });
  });

  describe('with a timestamp older than 5 minutes', () => {
    it('answers 401 even though the signature matches', async () => {
      const old = Math.floor(Date.now() / 1000) - 6 * 60;
      const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
        contentType: 'application/json',
        body,
        timestamp: old,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'stale_request' });
    });
  });

  describe('with a signed body Bolt cannot read', () => {
    it('answers 400 with a JSON error, for JSON and for a form whose payload is not JSON', async () => {
      for (const [contentType, unreadable, detail] of [
        ['application/json', '{', 'the body is not JSON'],
        ['application/x-www-form-urlencoded', 'payload=%7Bnot', 'the form field payload is not JSON'],
      ] as const) {
        const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
          contentType,
          body: unreadable,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_body',
          detail: expect.stringContaining(detail),
        });
      }
    });
  });

  describe('without signature headers', () => {
    it('answers 401', async () => {
      const response = await fetch(`${h.ringback.baseUrl}/slack/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'missing_signature' });
    });
  });
});

describe('a missed call', () => {
  it('posts one card in the line’s channel and remembers where', async () => {
    const episode = await openEpisode(h.ringback, {}, { rang: ['Ana', 'Ben'] });
    const card = await postedCard(episode);
    expect(blocksText(card)).toContain('Missed call from Marie Dupont');
    expect(blocksText(card)).toContain('Rang*\nAna and Ben');
    const post = await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL);
    expect(post).toMatchObject({ ref: card.ts, threadRef: card.ts });
    expect(
      h.fake
        .messages(CHANNEL)
        .filter((m) => m.text.includes(episode.id) || JSON.stringify(m.blocks).includes(episode.id)),
    ).toHaveLength(1);
  });

  it('posts the card of a post job an older replica queued without a queued card (a deploy across migration 009)', async () => {
    const now = h.ringback.clock.now();
    const episode = await storedEpisode('+33655500009', 'Legacy Caller');
    await h.ringback.store.enqueue(
      [{ kind: 'slack.post_card', payload: { episodeId: episode.id, channel: CHANNEL } }],
      now,
    );
    const card = await postedCard(episode);
    expect(blocksText(card)).toContain('Legacy Caller');
  });

  it('posts a queued card whose lane wake-up was lost (taken by another replica before the card committed)', async () => {
    const now = h.ringback.clock.now();
    const episode = await storedEpisode('+33655500010', 'Swept Caller');
    // The card is queued, and no lane job is left to post it.
    await h.ringback.store.cardQueue.queue(
      [{ episodeId: episode.id, surface: 'slack', channel: CHANNEL }],
      now,
    );
    const card = await postedCard(episode);
    expect(blocksText(card)).toContain('Swept Caller');
  });

  it('gives up on a card Slack keeps refusing for no known reason, and posts the channel’s next calls', async () => {
    const refusedFor = (args: Record<string, unknown>) =>
      JSON.stringify(args.blocks ?? '').includes('Refused Caller');
    h.fake.refuseNext((method, args) => method === 'chat.postMessage' && refusedFor(args), 'fatal_error', 50);
    const refused = await openEpisode(h.ringback, {
      caller: { number: '+33655500001', name: 'Refused Caller' },
    });
    const next = await openEpisode(h.ringback, { caller: { number: '+33655500002', name: 'Next Caller' } });
    await postedCard(next);
    const spot = { episodeId: refused.id, surface: 'slack', channel: CHANNEL };
    await vi.waitFor(async () => {
      expect((await h.ringback.store.cardQueue.get(spot))?.failure).toContain('fatal_error');
    }, WAIT);
    expect(await h.ringback.store.posts.get(refused.id, 'slack', CHANNEL)).toBeNull();
    const refusedPosts = h.fake.callsTo('chat.postMessage').filter((call) => refusedFor(call.args));
    expect(refusedPosts).toHaveLength(HEAD_CARD_REFUSALS);
    expect(h.logLines()).toContainEqual(expect.stringContaining("the channel's next calls go on"));
  });

  it('posts the cards a channel refused (the app was not invited) once the channel takes a card again', async () => {
    const refusedCard = (method: string, args: Record<string, unknown>) =>
      method === 'chat.postMessage' && !args.thread_ts;
    h.fake.refuseNext(refusedCard, 'not_in_channel', 2);
    const first = await openEpisode(h.ringback, {
      caller: { number: '+33655500021', name: 'Uninvited One' },
    });
    const second = await openEpisode(h.ringback, {
      caller: { number: '+33655500022', name: 'Uninvited Two' },
    });
    const failed = (episode: Episode) =>
      h.ringback.store.cardQueue.get({ episodeId: episode.id, surface: 'slack', channel: CHANNEL });
    await vi.waitFor(async () => {
      expect((await failed(first))?.failure).toContain('not_in_channel');
      expect((await failed(second))?.failure).toContain('not_in_channel');
    }, WAIT);
    // Someone invites the app: the next call's card goes out, and so do the two it refused.
    const next = await openEpisode(h.ringback, { caller: { number: '+33655500023', name: 'Invited Three' } });
    await postedCard(next);
    expect(blocksText(await postedCard(first))).toContain('Uninvited One');
    expect(blocksText(await postedCard(second))).toContain('Uninvited Two');
  });

  it('posts nothing for a line without a Slack channel', async () => {
    const episode = await openEpisode(h.ringback, {
      line: 'No Slack',
      caller: { number: '+33699999999', name: null },
    });
    const jobs = await h.ringback.store.jobs.list();
    expect(jobs.filter((j) => JSON.stringify(j.payload).includes(episode.id))).toEqual([]);
  });
});

describe('claim', () => {
  let episode: Episode;
  let card: FakeMessage;
  beforeEach(async () => {
    episode = await openEpisode(h.ringback, {
      caller: { number: `+3361${Math.floor(Math.random() * 1e7)}`, name: 'Marie Dupont' },
    });
    card = await postedCard(episode);
  });

  it('acknowledges at once, claims the call, re-renders the card and adds a thread line', async () => {
    const response = await click(h, {
      user: ANA.id,
      episodeId: episode.id,
      cardTs: card.ts,
      actionId: 'ringback.claim',
    });
    expect(response.status).toBe(200);
    await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('claimed'), WAIT);
    expect((await reloaded(episode)).claimedBy).toEqual({
      id: `slack:${ANA.id}`,
      name: 'Ana Lopez',
      email: 'ana@example.com',
      surface: 'slack',
    });
    await vi.waitFor(
      () => expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain('Claimed by Ana Lopez'),
      WAIT,
    );
    await vi.waitFor(
      () =>
        expect(h.fake.replies(CHANNEL, card.ts).map((m) => m.text)).toEqual([
          expect.stringContaining('Claimed by *Ana Lopez*'),
        ]),
      WAIT,
    );
    expect(JSON.stringify(h.fake.message(CHANNEL, card.ts)?.blocks)).toContain('ringback.release');
  });

  describe('when already claimed', () => {
    it('tells the clicker privately who has it and since when, and changes nothing', async () => {
      await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
      await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('claimed'), WAIT);
      const before = ephemeralsTo(BEN.id).length;
      await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
      await vi.waitFor(() => expect(ephemeralsTo(BEN.id).length).toBe(before + 1), WAIT);
      expect(ephemeralsTo(BEN.id).at(-1)).toMatchObject({
        channel: CHANNEL,
        text: expect.stringMatching(/^Ana Lopez already has this call \(since \d\d:\d\d\)\.$/),
      });
      expect((await reloaded(episode)).claimedBy?.name).toBe('Ana Lopez');
    });

    it('tells the claimer they already have it', async () => {
      await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
      await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('claimed'), WAIT);
      const before = ephemeralsTo(ANA.id).length;
      await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
      await vi.waitFor(() => expect(ephemeralsTo(ANA.id).length).toBe(before + 1), WAIT);
      expect(ephemeralsTo(ANA.id).at(-1)?.text).toBe('You already have this call.');
    });
  });
});

describe('card updates', () => {
  async function updateJobsLeft(): Promise<number> {
    const rows = await h.ringback.store.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'slack.update_card')
      .execute();
    return rows.length;
  }

  async function refresh(episode: Episode): Promise<void> {
    await h.ringback.store.enqueue([updateCardJob('slack', episode.id)], h.ringback.clock.now());
    await vi.waitFor(async () => expect(await updateJobsLeft()).toBe(0), WAIT);
  }

  it('are not sent when the card would look the same (chat.update is rationed per workspace)', async () => {
    const episode = await openEpisode(h.ringback, {
      caller: { number: `+3363${Math.floor(Math.random() * 1e7)}`, name: null },
    });
    const card = await postedCard(episode);
    await refresh(episode);
    await refresh(episode);
    expect(h.fake.message(CHANNEL, card.ts)?.updates).toBe(0);
    expect(h.fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card.ts)).toEqual([]);
  });

  it('are sent when the card changes, and once per change', async () => {
    const episode = await openEpisode(h.ringback, {
      caller: { number: `+3364${Math.floor(Math.random() * 1e7)}`, name: null },
    });
    const card = await postedCard(episode);
    await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
    await vi.waitFor(() => expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain('Ana Lopez'), WAIT);
    await vi.waitFor(async () => expect(await updateJobsLeft()).toBe(0), WAIT);
    const afterClaim = h.fake.message(CHANNEL, card.ts)?.updates ?? 0;
    expect(afterClaim).toBeGreaterThan(0);
    await refresh(episode);
    expect(h.fake.message(CHANNEL, card.ts)?.updates).toBe(afterClaim);
  });

  it('are sent for a card whose look is not known (posted before migration 014)', async () => {
    const episode = await openEpisode(h.ringback, {
      caller: { number: `+3365${Math.floor(Math.random() * 1e7)}`, name: null },
    });
    const card = await postedCard(episode);
    const post = await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL);
    expect(post?.shownDigest).toEqual(expect.any(String));
    await h.ringback.store.posts.setShown(post as Post, null, h.ringback.clock.now());
    await refresh(episode);
    expect(h.fake.message(CHANNEL, card.ts)?.updates).toBe(1);
    expect((await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL))?.shownDigest).toBe(
      post?.shownDigest,
    );
  });
});

describe('release', () => {
  let episode: Episode;
  let card: FakeMessage;
  beforeEach(async () => {
    episode = await openEpisode(h.ringback, {
      caller: { number: `+3362${Math.floor(Math.random() * 1e7)}`, name: null },
    });
    card = await postedCard(episode);
    await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
    await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('claimed'), WAIT);
  });

  it('lets the claimer give the call back', async () => {
    await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.release' });
    await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('open'), WAIT);
    await vi.waitFor(
      () => expect(JSON.stringify(h.fake.message(CHANNEL, card.ts)?.blocks)).toContain('ringback.claim'),
      WAIT,
    );
  });

  describe('by someone else', () => {
    it('is refused privately', async () => {
      const before = ephemeralsTo(BEN.id).length;
      await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.release' });
      await vi.waitFor(() => expect(ephemeralsTo(BEN.id).length).toBe(before + 1), WAIT);
      expect(ephemeralsTo(BEN.id).at(-1)?.text).toBe('Only Ana Lopez or a manager can release this call.');
      expect((await reloaded(episode)).state).toBe('claimed');
    });
  });

  describe('by a manager', () => {
    it('releases someone else’s claim and says so in the thread', async () => {
      await click(h, { user: MIA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.release' });
      await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('open'), WAIT);
      await vi.waitFor(
        () =>
          expect(h.fake.replies(CHANNEL, card.ts).at(-1)?.text).toContain(
            'Released by *Mia Manager* (was *Ana Lopez*)',
          ),
        WAIT,
      );
    });
  });
});

describe('call back', () => {
  it('records an attempt each click, shows "calling, attempt N" and replies privately with the tel: link', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33611223344', name: 'Jean Petit' } });
    const card = await postedCard(episode);
    const before = ephemeralsTo(BEN.id).length;
    await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.callback' });
    await vi.waitFor(() => expect(ephemeralsTo(BEN.id).length).toBe(before + 1), WAIT);
    expect(ephemeralsTo(BEN.id).at(-1)?.text).toContain(
      'Call Jean Petit back on <tel:+33611223344|06 11 22 33 44> (attempt 1).',
    );
    expect(ephemeralsTo(BEN.id).at(-1)?.text).not.toContain('Aircall');
    await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.callback' });
    await vi.waitFor(async () => expect((await reloaded(episode)).attempts).toBe(2), WAIT);
    expect((await reloaded(episode)).state).toBe('calling');
    await vi.waitFor(
      () =>
        expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain(
          'Calling back · attempt 2 by Ben Martin',
        ),
      WAIT,
    );
    await vi.waitFor(
      () =>
        expect(
          h.fake
            .replies(CHANNEL, card.ts)
            .map((m) => m.text)
            .join('\n'),
        ).toContain('*Ben Martin* is calling back (attempt 2)'),
      WAIT,
    );
  });
});

describe('call back on a number the caller asked for', () => {
  it('replies with the number the card shows, also when the calling number was withheld', async () => {
    const asked = await openEpisode(h.ringback, {
      caller: { number: '+33611220001', name: 'Jean Petit' },
      callbackNumber: '+33699887766',
    });
    const withheld = await openEpisode(h.ringback, {
      caller: { number: null, name: 'Léa Roux' },
      callbackNumber: '+33699887755',
    });
    for (const [episode, tel] of [
      [asked, '<tel:+33699887766|06 99 88 77 66>'],
      [withheld, '<tel:+33699887755|06 99 88 77 55>'],
    ] as const) {
      const card = await postedCard(episode);
      const before = ephemeralsTo(BEN.id).length;
      await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.callback' });
      await vi.waitFor(() => expect(ephemeralsTo(BEN.id).length).toBe(before + 1), WAIT);
      expect(ephemeralsTo(BEN.id).at(-1)?.text).toContain(`back on ${tel} (attempt 1).`);
    }
  });
});

describe('resolve', () => {
  it('resolves with the chosen outcome, claiming it implicitly, and shows the final state', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33655443322', name: null } });
    const card = await postedCard(episode);
    await click(h, {
      user: BEN.id,
      episodeId: episode.id,
      cardTs: card.ts,
      actionId: 'ringback.resolve',
      outcome: 'wrong_number',
    });
    await vi.waitFor(async () => expect((await reloaded(episode)).state).toBe('resolved'), WAIT);
    const resolved = await reloaded(episode);
    expect(resolved).toMatchObject({
      outcome: 'wrong_number',
      claimedBy: { name: 'Ben Martin' },
      resolvedBy: { name: 'Ben Martin' },
    });
    await vi.waitFor(
      () =>
        expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain(
          'Resolved by Ben Martin · Wrong number',
        ),
      WAIT,
    );
    expect(JSON.stringify(h.fake.message(CHANNEL, card.ts)?.blocks)).not.toContain('ringback.claim');
    await vi.waitFor(
      () =>
        expect(h.fake.replies(CHANNEL, card.ts).at(-1)?.text).toContain(
          'Resolved by *Ben Martin*: Wrong number',
        ),
      WAIT,
    );
  });
});

describe('human messages in a card’s thread', () => {
  it('are handed to the thread mirrors once, with the author’s email, as plain text', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33677889900', name: null } });
    const card = await postedCard(episode);
    const event = {
      type: 'message',
      channel: CHANNEL,
      user: ANA.id,
      text: 'Called, no answer &amp; left a note',
      ts: '1800000000.000100',
      thread_ts: card.ts,
      channel_type: 'channel',
    };
    const send = (e: Record<string, unknown>, id: string) =>
      postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
        contentType: 'application/json',
        body: eventCallbackBody(e, id),
      });
    expect((await send(event, 'Ev0001')).status).toBe(200);
    // Slack redelivers; a bot's message and a message outside any card's thread are not conversation.
    await send(event, 'Ev0001');
    await send(
      { ...event, ts: '1800000000.000200', bot_id: 'B0OTHER', user: undefined, text: 'bot says hi' },
      'Ev0002',
    );
    await send(
      { ...event, ts: '1800000000.000300', thread_ts: '1700000000.999999', text: 'elsewhere' },
      'Ev0003',
    );
    // A partner's member in a channel shared through Slack Connect: not the team's notes.
    await send(
      { ...event, ts: '1800000000.000350', user_team: 'T0PARTNER1', text: 'from a partner' },
      'Ev0035',
    );
    await send({ ...event, ts: '1800000000.000400', text: 'second human reply' }, 'Ev0004');
    await vi.waitFor(
      () =>
        expect(mirrored.filter((m) => (m as { episodeId: string }).episodeId === episode.id)).toHaveLength(2),
      WAIT,
    );
    const mine = mirrored.filter((m) => (m as { episodeId: string }).episodeId === episode.id);
    expect(mine[0]).toMatchObject({
      episodeId: episode.id,
      author: { id: `slack:${ANA.id}`, name: 'Ana Lopez', email: 'ana@example.com', surface: 'slack' },
      text: 'Called, no answer & left a note',
      messageRef: '1800000000.000100',
      at: 1_800_000_000_000,
    });
    expect(mine[1]).toMatchObject({ text: 'second human reply' });
    expect(h.logLines()).toContainEqual(expect.stringContaining('a reply from another workspace'));
  });
});

describe('thread lines written before their card', () => {
  it('are said under it in the order they were written, however long each waited', async () => {
    const { store, clock } = h.ringback;
    const episode = await storedEpisode('+33655500031', 'Ordered Lines');
    const now = clock.now();
    // The card waits in a long queue (its lane is not woken yet).
    await store.cardQueue.queue([{ episodeId: episode.id, surface: 'slack', channel: CHANNEL }], now);
    const line = (text: string) =>
      jobOf(chatJobKinds('slack').threadLine, { episodeId: episode.id, channel: CHANNEL, text });
    // The first line has waited twenty minutes (it looks again every 30 s), the second just started (2 s).
    await store.enqueue([line('Claimed by Ana')], now - 20 * 60_000);
    await store.enqueue([line('Resolved by Ana')], now);
    await vi.waitFor(async () => {
      const lines = await store.jobs.list({ kind: 'slack.thread_post' });
      const waiting = lines.filter(
        (job) => (job.payload as { episodeId?: string }).episodeId === episode.id && job.lastError,
      );
      expect(waiting).toHaveLength(2);
    }, WAIT);
    await store.enqueue([laneJob(CHANNEL)], clock.now());
    const card = await postedCard(episode);
    const said = () => h.fake.replies(CHANNEL, card.ts).map((m) => m.text);
    await vi.waitFor(() => expect(said().length).toBeGreaterThan(0), WAIT);
    expect(said()[0]).toBe('Claimed by Ana');
    await vi.waitFor(() => expect(said()).toEqual(['Claimed by Ana', 'Resolved by Ana']), WAIT);
  });
});

describe('outside text (a Zendesk-side reply)', () => {
  it('is posted in the card’s thread', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33612121212', name: null } });
    const card = await postedCard(episode);
    await queueOutsideText(h.ringback, {
      episodeId: episode.id,
      authorLabel: 'Marie Dupont via Zendesk',
      text: 'Please call after 3pm',
      sourceRef: 'sc-evt-1',
    });
    await vi.waitFor(
      () =>
        expect(h.fake.replies(CHANNEL, card.ts).map((m) => m.text)).toContain(
          '*Marie Dupont via Zendesk:*\nPlease call after 3pm',
        ),
      WAIT,
    );
  });
});

describe('notices', () => {
  it('ping the card’s thread with the mention, the managers’ channel with a link to the card, and managers privately', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33613131313', name: null } });
    const card = await postedCard(episode);
    const now = h.ringback.clock.now();
    await h.ringback.store.transaction(async (repos) => {
      await repos.enqueue(
        h.ringback.notices.plan({
          kind: 'thread',
          episodeId: episode.id,
          text: 'Still unclaimed after 15m',
          mention: '@here',
        }),
        now,
      );
      await repos.enqueue(
        h.ringback.notices.plan({
          kind: 'managers',
          text: 'Unclaimed for 30m',
          mention: null,
          episodeId: episode.id,
        }),
        now,
      );
      await repos.enqueue(
        h.ringback.notices.plan({ kind: 'dm', to: 'managers', text: 'A call waits', episodeId: null }),
        now,
      );
    });
    await vi.waitFor(
      () =>
        expect(h.fake.replies(CHANNEL, card.ts).map((m) => m.text)).toContain(
          '<!here> Still unclaimed after 15m',
        ),
      WAIT,
    );
    await vi.waitFor(
      () =>
        expect(h.fake.messages('C0MANAGERS1').map((m) => m.text)).toEqual([
          expect.stringMatching(
            /^Unclaimed for 30m\n<https:\/\/acme\.slack\.com\/archives\/C0123456789\/p\d+\|Open the card>$/,
          ),
        ]),
      WAIT,
    );
    await vi.waitFor(
      () => expect(h.fake.messages(MIA.id).map((m) => m.text)).toEqual(['A call waits']),
      WAIT,
    );
  });
});
