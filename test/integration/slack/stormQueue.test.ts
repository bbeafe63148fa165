/**
 * A storm on Slack: when cards queue behind Slack's one-post-a-second limit, the channel gets one storm
 * queue message with a Claim next button; twenty agents clicking it at once get twenty different calls
 * (on SQLite and on PostgreSQL), each told privately which one; the message closes when the last card is out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacing } from '../../../src/chat/pacing.js';
import { sendsInCursors } from '../../../src/chat/sharedSends.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { SLACK_BUCKETS } from '../../../src/surfaces/slack/settings.js';
import { STORM_QUEUE_BLOCK_PREFIX, STORM_QUEUE_HEAD_BLOCK } from '../../../src/surfaces/slack/stormBlocks.js';
import { databaseKinds, sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeMessage } from '../../mocks/fakeSlack.js';
import {
  blocksText,
  CHANNEL,
  cardIn,
  click,
  openEpisode,
  type SlackHarness,
  startSlackHarness,
} from './harness.js';

const WAIT = { timeout: 40_000, interval: 50 };
const kinds = await databaseKinds();

function queueMessages(h: SlackHarness): FakeMessage[] {
  return h.fake
    .messages(CHANNEL)
    .filter((m) => m.threadTs === null && JSON.stringify(m.blocks ?? []).includes(STORM_QUEUE_HEAD_BLOCK));
}

async function waitForQueueMessage(h: SlackHarness): Promise<FakeMessage> {
  await vi.waitFor(() => expect(queueMessages(h)).toHaveLength(1), WAIT);
  return queueMessages(h)[0] as FakeMessage;
}

function claimNextButton(message: FakeMessage | undefined) {
  const actions = (message?.blocks ?? []) as {
    type: string;
    elements?: { action_id: string; value: string }[];
  }[];
  return actions.flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION_IDS.claimNext);
}

async function storm(h: SlackHarness, count: number, first = 0): Promise<Episode[]> {
  const episodes: Episode[] = [];
  for (let i = first; i < first + count; i++) {
    episodes.push(
      await openEpisode(h.ringback, {
        caller: { number: `+336700${String(i).padStart(5, '0')}`, name: `Caller ${i}` },
        missedAt: h.ringback.clock.now() - 60_000 + i,
      }),
    );
  }
  return episodes;
}

describe('a storm of missed calls in one Slack channel', () => {
  let db: TestDatabase;
  let h: SlackHarness;

  afterEach(async () => {
    await h?.stop();
    await db?.drop();
  });

  it('posts one queue message with Claim next, keeps posting every card once, and closes it at the end', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    const episodes = await storm(h, 7);

    const queue = await waitForQueueMessage(h);
    expect(claimNextButton(queue)).toEqual(expect.objectContaining({ value: CHANNEL }));
    expect(blocksText(queue)).toMatch(/\d+ calls? (is|are) waiting for (its|their) card/);
    expect(blocksText(queue)).toContain('/ringback mine');

    await vi.waitFor(() => {
      for (const episode of episodes) expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
    }, WAIT);
    await vi.waitFor(() => expect(blocksText(queueMessages(h)[0])).toContain('All cards are posted'), WAIT);

    const closed = queueMessages(h)[0];
    expect(claimNextButton(closed)).toBeUndefined();
    expect(h.fake.rateLimited).toEqual([]);
    expect(h.fake.errors).toEqual([]);
    // Each card exactly once, and nothing else top-level but the one queue message.
    const topLevel = h.fake.messages(CHANNEL).filter((m) => m.threadTs === null);
    expect(topLevel).toHaveLength(episodes.length + 1);
    expect(await h.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  }, 60_000);

  it('finds the queue message a post whose answer was lost had put up, instead of posting a second one', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    h.fake.loseNextAnswer(
      (method, args) =>
        method === 'chat.postMessage' && (args.blocks ?? '').includes(STORM_QUEUE_BLOCK_PREFIX),
    );
    const episodes = await storm(h, 7);

    await vi.waitFor(() => {
      for (const episode of episodes) expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
    }, WAIT);
    await vi.waitFor(() => expect(blocksText(queueMessages(h)[0])).toContain('All cards are posted'), WAIT);
    // The lost answer's message is the one kept up to date and closed; none was posted after it.
    expect(queueMessages(h)).toHaveLength(1);
    expect(h.logLines()).toContainEqual(
      expect.stringContaining('found the queue message an earlier attempt posted'),
    );
    expect(h.fake.errors).toEqual([]);
  }, 60_000);

  it('posts every card without the queue message when Slack refuses that message for good', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    h.fake.refuseNext(
      (method, args) =>
        method === 'chat.postMessage' && (args.blocks ?? '').includes(STORM_QUEUE_BLOCK_PREFIX),
      'msg_too_long',
      100,
    );
    const episodes = await storm(h, 5);
    // Slack has the last card before Ringback has stored its post and taken it off the queue.
    await vi.waitFor(async () => {
      for (const episode of episodes) expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
      expect(await h.ringback.store.cardQueue.waiting('slack', CHANNEL)).toEqual([]);
    }, WAIT);
    expect(queueMessages(h)).toEqual([]);
    expect(await h.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
    expect(h.logLines()).toContainEqual(expect.stringContaining('posting the cards without it'));
  }, 60_000);

  it('keeps posting the cards while Slack fails every update of the queue message', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    const episodes = await storm(h, 10);
    const queue = await waitForQueueMessage(h);
    h.fake.refuseNext(
      (method, args) => method === 'chat.update' && args.ts === queue.ts,
      'fatal_error',
      1_000,
    );
    await vi.waitFor(() => {
      for (const episode of episodes) expect(cardIn(h.fake, CHANNEL, episode.id)).toBeDefined();
    }, WAIT);
    // The lane failed no run while cards waited (closing the message at the end is retried, as it should be).
    const lastCardAt = Math.max(...h.fake.callsTo('chat.postMessage').map((call) => call.at));
    const laneFailures = h
      .logLines()
      .filter((line) => line.includes('"kind":"slack.lane"'))
      .map((line) => Date.parse((JSON.parse(line) as { time: string }).time));
    expect(laneFailures.filter((at) => at <= lastCardAt)).toEqual([]);
    expect(h.logLines()).toContainEqual(expect.stringContaining('posting the cards meanwhile'));
  }, 60_000);

  it('brings the queue message up to date within seconds while card updates have booked chat.update far ahead', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    // Claims and escalations of earlier calls: 60 card updates booked ahead, about a minute and a half of
    // Slack's Tier 3 allowance, each job sent back to wait for its token.
    const pacing = h.surface.outbox.pacing;
    await Promise.all(
      Array.from({ length: 60 }, (_, job) =>
        pacing
          .forJob(1_000_000 + job)
          .token(SLACK_BUCKETS.update)
          .catch((error: unknown) => {
            if (!(error instanceof RetryAfter)) throw error;
          }),
      ),
    );
    await storm(h, 8);
    const queue = await waitForQueueMessage(h);
    const shownAtOpen = blocksText(queue);
    const later = await storm(h, 4, 8);

    // Every call claimable within 10 s of its end: the message counts the later calls well before that.
    await vi.waitFor(
      () => {
        const message = queueMessages(h)[0];
        expect(message?.updates).toBeGreaterThan(0);
        expect(blocksText(message)).not.toEqual(shownAtOpen);
      },
      { timeout: 8_000, interval: 50 },
    );
    expect(later.every((episode) => cardIn(h.fake, CHANNEL, episode.id) === undefined)).toBe(true);
    await vi.waitFor(() => expect(blocksText(queueMessages(h)[0])).toContain('All cards are posted'), WAIT);
    expect(h.fake.rateLimited.filter((limited) => limited.method === 'chat.update')).toEqual([]);
  }, 60_000);

  it('answers a click privately: the call, with its card’s link once posted; then that nothing is left', async () => {
    db = sqliteDatabase();
    h = await startSlackHarness({ database: db });
    h.fake.addUser({ id: 'UANA000001', name: 'ana', realName: 'Ana Lopez', email: 'ana@example.com' });
    const episodes = await storm(h, 5);
    const queue = await waitForQueueMessage(h);
    const claimNextAs = (user: string, channel?: string) =>
      click(h, { user, episodeId: CHANNEL, cardTs: queue.ts, actionId: ACTION_IDS.claimNext, channel });
    await vi.waitFor(async () => {
      expect(await h.ringback.store.posts.get(episodes[0]?.id as string, 'slack', CHANNEL)).not.toBeNull();
    }, WAIT);

    await claimNextAs('UANA000001');
    await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(1), WAIT);
    const first = await h.ringback.store.episodes.get(episodes[0]?.id as string);
    expect(first).toMatchObject({
      state: 'claimed',
      claimedBy: expect.objectContaining({ name: 'Ana Lopez' }),
    });
    const told = h.fake.ephemerals[0];
    expect(told).toMatchObject({ channel: CHANNEL, user: 'UANA000001' });
    expect(told?.text).toContain('You have the next call:');
    expect(told?.text).toContain('*Caller 0*');
    expect(told?.text).toMatch(/<https:\/\/acme\.slack\.com\/archives\/C0123456789\/p\d+\|Open its card>/);
    expect(told?.text).toContain('`/ringback mine`');

    // A button copied into another channel cannot hand out this channel's calls.
    await claimNextAs('UANA000001', 'C0OTHER0001');
    await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(2), WAIT);
    expect(h.fake.ephemerals[1]?.text).toContain('belongs to another channel');

    // Ana's click again, seconds after her claim was saved, is a double click: her call again, not a second.
    await claimNextAs('UANA000001');
    await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(3), WAIT);
    expect(h.fake.ephemerals[2]?.text).toContain('*Caller 0*');
    expect((await h.ringback.store.episodes.get(episodes[1]?.id as string))?.state).toBe('open');

    // One click after another takes the rest in order, then there is nothing left. Each click is another
    // agent's: Ana clicking again within seconds is a double click, answered with her call again.
    for (let i = 1; i <= episodes.length; i++) {
      const user = `UNEXT${String(i).padStart(5, '0')}`;
      h.fake.addUser({ id: user, name: `agent${i}`, realName: `Agent ${i}`, email: `agent${i}@example.com` });
      await claimNextAs(user);
      await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(3 + i), WAIT);
    }
    const answers = h.fake.ephemerals.slice(3).map((e) => e.text);
    expect(answers.slice(0, -1).map((t) => t.match(/\*(Caller \d)\*/)?.[1])).toEqual([
      'Caller 1',
      'Caller 2',
      'Caller 3',
      'Caller 4',
    ]);
    expect(answers.at(-1)).toContain('Every call of this channel is claimed already');
  }, 60_000);
});

describe.each(kinds)('20 agents click Claim next at once, on $name', (kind) => {
  let db: TestDatabase;
  let h: SlackHarness;

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    db = await kind.create();
    h = await startSlackHarness({ database: db });
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await h?.stop();
    await db?.drop();
  });

  it('gives each a different call, none claimed twice, and tells each which one', async () => {
    const users = Array.from({ length: 20 }, (_, i) => ({
      id: `UNEXT${String(i).padStart(5, '0')}`,
      name: `agent${i}`,
      realName: `Agent ${i}`,
      email: `agent${i}@example.com`,
    }));
    for (const user of users) h.fake.addUser(user);
    const episodes = await storm(h, 25);
    const queue = await waitForQueueMessage(h);

    const responses = await Promise.all(
      users.map((user) =>
        click(h, { user: user.id, episodeId: CHANNEL, cardTs: queue.ts, actionId: ACTION_IDS.claimNext }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 200));
    await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(20), WAIT);

    const stored = await Promise.all(episodes.map((e) => h.ringback.store.episodes.get(e.id)));
    const claimed = stored.filter((e) => e?.state === 'claimed');
    expect(claimed).toHaveLength(20);
    const holders = claimed.map((e) => e?.claimedBy?.id);
    expect(new Set(holders).size).toBe(20);
    expect(new Set(holders)).toEqual(new Set(users.map((u) => `slack:${u.id}`)));
    // The oldest calls went first: the five left open are the five newest.
    expect(stored.filter((e) => e?.state === 'open').map((e) => e?.id)).toEqual(
      episodes.slice(20).map((e) => e.id),
    );
    for (const episode of claimed) {
      const audit = await h.ringback.store.audit.listForEpisode(episode?.id as string);
      expect(audit.filter((a) => a.type === 'claimed')).toHaveLength(1);
    }
    // Each clicker was told the call they got, and no two were told the same call.
    const byUser = new Map(h.fake.ephemerals.map((e) => [e.user, e.text]));
    expect(byUser.size).toBe(20);
    for (const episode of claimed) {
      const holder = episode?.claimedBy?.id.replace('slack:', '') as string;
      expect(byUser.get(holder)).toContain(`*${episode?.caller.name}*`);
    }
  }, 60_000);
});

// Replicas share one PostgreSQL; a SQLite deployment is one process, which shares nothing.
describe.each(kinds.filter((kind) => kind.name === 'postgres'))(
  'a storm in a channel another replica was told to pause, on $name',
  (kind) => {
    let db: TestDatabase;
    let h: SlackHarness;

    beforeEach(async (ctx) => {
      if (kind.skipReason) ctx.skip(kind.skipReason);
      db = await kind.create();
      // No deadline ends a lane run during the test: a run ends only when its next slot is further away than
      // laneInlineWaitMs (100 ms), which at one post a second is after every post past the burst, and the next
      // run reads the shared pause first (LaneRunner.runLane, learnShared).
      h = await startSlackHarness({ database: db, slack: { sender: { laneRunMs: 60_000 } } });
    });

    afterEach(async () => {
      if (kind.skipReason) return;
      await h?.stop();
      await db?.drop();
    });

    it('posts no more cards once another replica records a pause, however long a lane run may last', async () => {
      const episodes = await storm(h, 15);
      const posted = () => episodes.filter((episode) => cardIn(h.fake, CHANNEL, episode.id)).length;
      // Past the burst: the lane posts one card a second now.
      await vi.waitFor(() => expect(posted()).toBeGreaterThanOrEqual(4), WAIT);

      // Slack answered another replica 429 with Retry-After 60 s for this channel (a card update, a reply).
      const other = new Store(openDatabase(db.target, { onConnectionError: () => undefined }));
      try {
        const clock = h.ringback.clock;
        const replica = new Pacing(
          { windows: [] },
          { maxInlineWaitMs: 0, now: () => clock.now(), sharedSends: sendsInCursors(other, 'slack', clock) },
        );
        await expect(
          replica.withPause(CHANNEL, async () => {
            throw new RetryAfter(60_000, 'Slack 429');
          }),
        ).rejects.toBeInstanceOf(RetryAfter);
      } finally {
        await other.close();
      }
      const atPause = posted();
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      // At most the card whose send was already due when the pause was written. A lane that kept one run going
      // from post to post (laneInlineWaitMs of 1.5 s) read the pause only at the run's start and posted into it.
      expect(posted() - atPause).toBeLessThanOrEqual(1);
      expect(posted()).toBeLessThan(episodes.length);
    }, 60_000);
  },
);
