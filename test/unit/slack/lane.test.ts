import { describe, expect, it } from 'vitest';
import { TokenBucket, WindowPacer } from '../../../src/chat/pacing.js';
import {
  cardPostedDuringQueue,
  openedQueue,
  type StormQueueState,
  type StormQueueView,
  shownQueue,
} from '../../../src/chat/stormQueue.js';
import {
  DEFAULT_LANE_OPTIONS,
  nextLaneStep,
  queueNeedsCheck,
  type WaitingCard,
} from '../../../src/surfaces/slack/lane.js';
import { DEFAULT_SENDER_OPTIONS } from '../../../src/surfaces/slack/settings.js';

const T = 1_000_000;
const waitingAt = (id: string, queuedAt: number): WaitingCard => ({ episodeId: id, queuedAt });
const view = (waiting: number, through: number): StormQueueView => ({
  waiting,
  unclaimed: waiting,
  resolved: 0,
  through,
  next: [],
});

describe('the lane', () => {
  it('is idle with nothing waiting and no queue message', () => {
    expect(nextLaneStep([], null, T)).toEqual({ kind: 'idle' });
  });

  it('posts the oldest card first while calls wait only briefly, without a queue message', () => {
    const step = nextLaneStep([waitingAt('a', T - 500), waitingAt('b', T - 100)], null, T);
    expect(step).toEqual({ kind: 'post_card', episodeId: 'a' });
  });

  it('opens the storm queue message once a card has waited too long', () => {
    const waiting = [waitingAt('a', T - DEFAULT_LANE_OPTIONS.queueAfterMs), waitingAt('b', T - 100)];
    expect(nextLaneStep(waiting, null, T)).toEqual({ kind: 'queue_open' });
  });

  it('gives every slot to the cards once the queue message is open', () => {
    const queue = openedQueue('111.000001', view(3, T), T);
    const waiting = [waitingAt('a', T - 30_000), waitingAt('b', T - 20_000)];
    expect(nextLaneStep(waiting, queue, T + 1_000)).toEqual({ kind: 'post_card', episodeId: 'a' });
  });

  it('closes the queue message when the last card is out', () => {
    const queue = openedQueue('111.000001', view(3, T), T);
    expect(nextLaneStep([], queue, T + 5_000)).toEqual({ kind: 'queue_close' });
  });

  it('looks at the queue message at most every few seconds (chat.update is rationed)', () => {
    const queue = openedQueue('1.1', view(10, T), T);
    expect(queueNeedsCheck(queue, T + 1_000)).toBe(false);
    expect(queueNeedsCheck(queue, T + DEFAULT_LANE_OPTIONS.queueRefreshEveryMs)).toBe(true);
    const checked = shownQueue(queue, view(12, T + 2_500), T + 3_000);
    expect(queueNeedsCheck(checked, T + 4_000)).toBe(false);
    expect(checked).toMatchObject({ shownWaiting: 12, shownThrough: T + 2_500, checkedAt: T + 3_000 });
  });

  it('counts the cards posted while the queue message is open', () => {
    const queue = openedQueue('1.1', view(2, T), T);
    expect(cardPostedDuringQueue(cardPostedDuringQueue(queue)).cardsPosted).toBe(2);
  });
});

/**
 * The storm, simulated with a virtual clock: 600 missed calls in 60 s to one channel, a lane that may post
 * once per second (the pacer), chat.update rationed by the same token bucket the lane uses (Tier 3), and
 * the lane's own decisions. Deterministic: no timers, no network. A call is claimable once its card is
 * posted, or once a queue message with the Claim next button counts it.
 */
describe('a storm of 600 missed calls in 60 s to one channel', () => {
  const calls = Array.from({ length: 600 }, (_, i) => ({ id: `call-${i}`, at: T + i * 100 }));
  const pacer = new WindowPacer([{ windowMs: 1000, max: 1 }]);
  const updates = new TokenBucket(
    DEFAULT_SENDER_OPTIONS.updateBurst,
    DEFAULT_SENDER_OPTIONS.updatesPerMinute,
  );
  const posts: { at: number; kind: string }[] = [];
  const updateTimes: number[] = [];
  const claimableAt = new Map<string, number>();
  const cardAt = new Map<string, number>();
  let queue: StormQueueState | null = null;
  let opened = 0;
  let closed = 0;
  let now = T;

  const waitingNow = () =>
    calls.filter((c) => c.at <= now && !cardAt.has(c.id)).map((c) => waitingAt(c.id, c.at));
  /** The queue message shows every call queued until `now`: they are claimable from there. */
  const countedNow = (at: number) => {
    for (const c of calls) if (c.at <= at && !claimableAt.has(c.id)) claimableAt.set(c.id, at);
  };

  for (let guard = 0; guard < 5000; guard++) {
    const waiting = waitingNow();
    const step = nextLaneStep(waiting, queue, now, DEFAULT_LANE_OPTIONS);
    if (step.kind === 'idle') {
      const next = calls.find((c) => c.at > now);
      if (!next) break;
      now = next.at;
      continue;
    }
    if (queue && step.kind === 'post_card' && queueNeedsCheck(queue, now)) {
      const latest = waiting.at(-1)?.queuedAt ?? 0;
      if (latest > queue.shownThrough && updates.take(now) === 0) {
        updateTimes.push(now);
        countedNow(now);
        queue = shownQueue(queue, view(waiting.length, latest), now);
      } else if (latest <= queue.shownThrough) {
        queue = shownQueue(queue, view(waiting.length, latest), now);
      }
    }
    if (step.kind === 'queue_close') {
      updateTimes.push(now);
      queue = null;
      closed++;
      continue;
    }
    const slot = pacer.book('C1', now);
    now = pacer.sendAt('C1', slot, slot);
    // Re-decide when the slot comes, as the lane job does.
    const fresh = waitingNow();
    const decided = nextLaneStep(fresh, queue, now, DEFAULT_LANE_OPTIONS);
    posts.push({ at: now, kind: decided.kind });
    if (decided.kind === 'post_card') {
      cardAt.set(decided.episodeId, now);
      if (!claimableAt.has(decided.episodeId)) claimableAt.set(decided.episodeId, now);
      if (queue) queue = cardPostedDuringQueue(queue);
    } else if (decided.kind === 'queue_open') {
      opened++;
      queue = openedQueue(`${now}`, view(fresh.length, fresh.at(-1)?.queuedAt ?? 0), now);
      countedNow(now);
    }
  }

  it('never posts twice within one second in the channel', () => {
    const gaps = posts.slice(1).map((p, i) => p.at - (posts[i] as { at: number }).at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });

  it('makes every call claimable within 10 seconds of its end', () => {
    const delays = calls.map((c) => (claimableAt.get(c.id) ?? Number.POSITIVE_INFINITY) - c.at);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
  });

  it('still posts a card for every call, nothing dropped, one post a second', () => {
    expect(cardAt.size).toBe(600);
    expect(posts.filter((p) => p.kind === 'post_card')).toHaveLength(600);
  });

  it('posts one queue message, keeps it within the Tier 3 budget, and closes it at the end', () => {
    expect(opened).toBe(1);
    expect(closed).toBe(1);
    expect(queue).toBeNull();
    // Never more than the bucket allows in any minute (burst + 45 a minute).
    for (const start of updateTimes) {
      const inMinute = updateTimes.filter((t) => t >= start && t < start + 60_000).length;
      expect(inMinute).toBeLessThanOrEqual(
        DEFAULT_SENDER_OPTIONS.updateBurst + DEFAULT_SENDER_OPTIONS.updatesPerMinute,
      );
    }
  });
});
