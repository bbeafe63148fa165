import { describe, expect, it } from 'vitest';
import { WindowPacer } from '../../../src/chat/pacing.js';
import {
  DEFAULT_LANE_OPTIONS,
  type DigestState,
  headNeedsRefresh,
  listedInDigest,
  nextLaneStep,
  openedDigest,
  RECENT_IN_HEAD,
  type WaitingCard,
} from '../../../src/surfaces/slack/lane.js';

const T = 1_000_000;
const waitingAt = (id: string, queuedAt: number): WaitingCard => ({ episodeId: id, queuedAt });

describe('the lane', () => {
  describe('with nothing waiting', () => {
    it('is idle', () => {
      expect(nextLaneStep([], null, T)).toEqual({ kind: 'idle' });
    });
  });

  describe('when calls wait only briefly', () => {
    it('posts the oldest card first, without a digest', () => {
      const step = nextLaneStep([waitingAt('a', T - 500), waitingAt('b', T - 100)], null, T);
      expect(step).toEqual({ kind: 'post_card', episodeId: 'a' });
    });
  });

  describe('when a call has waited too long for its card', () => {
    const waiting = [waitingAt('a', T - 3000), waitingAt('b', T - 2500), waitingAt('c', T - 100)];

    it('opens a digest showing every overdue call', () => {
      expect(nextLaneStep(waiting, null, T)).toEqual({ kind: 'digest_open', episodeIds: ['a', 'b'] });
    });

    it('lists the overdue calls in the digest thread right after opening it', () => {
      const digest = openedDigest('111.000001', 3, ['line a', 'line b'], T);
      expect(nextLaneStep(waiting, digest, T + 1000)).toEqual({
        kind: 'digest_list',
        episodeIds: ['a', 'b'],
      });
    });

    it('gives the next slot to a card once they are listed', () => {
      const digest = listedInDigest(
        openedDigest('111.000001', 3, [], T),
        ['a', 'b'],
        ['line a', 'line b'],
        T + 1000,
      );
      expect(nextLaneStep(waiting, digest, T + 2000)).toEqual({ kind: 'post_card', episodeId: 'a' });
    });

    it('does not list a call twice', () => {
      const digest = listedInDigest(openedDigest('111.000001', 3, [], T), ['a', 'b'], [], T);
      const later = T + 10_000;
      expect(nextLaneStep(waiting, digest, later)).toEqual({ kind: 'digest_list', episodeIds: ['c'] });
    });
  });

  describe('when every waiting call has its card', () => {
    it('closes the digest', () => {
      const digest = openedDigest('111.000001', 3, [], T);
      expect(nextLaneStep([], digest, T + 5000)).toEqual({ kind: 'digest_close' });
    });
  });

  it('keeps only the latest calls on the digest message itself', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const digest = listedInDigest(openedDigest('1.1', 30, lines.slice(0, 20), T), [], lines.slice(20), T);
    expect(digest.recent).toHaveLength(RECENT_IN_HEAD);
    expect(digest.recent.at(-1)).toBe('line 29');
  });

  it('refreshes the count on the digest message at most every few seconds', () => {
    const digest: DigestState = openedDigest('1.1', 10, [], T);
    expect(headNeedsRefresh(digest, 10, T + 60_000)).toBe(false);
    expect(headNeedsRefresh(digest, 12, T + 1000)).toBe(false);
    expect(headNeedsRefresh(digest, 12, T + 3000)).toBe(true);
  });
});

/**
 * The storm, simulated with a virtual clock: 600 missed calls in 60 s to one channel, a lane that may post
 * once per second (the pacer), and the lane's own decisions. Deterministic: no timers, no network.
 */
describe('a storm of 600 missed calls in 60 s to one channel', () => {
  const calls = Array.from({ length: 600 }, (_, i) => ({ id: `call-${i}`, at: T + i * 100 }));
  const pacer = new WindowPacer([{ windowMs: 1000, max: 1 }]);
  const posts: { at: number; kind: string }[] = [];
  const visibleAt = new Map<string, number>();
  const cardAt = new Map<string, number>();
  const timesListed = new Map<string, number>();
  let digest: DigestState | null = null;
  let now = T;
  let closed = 0;
  for (let guard = 0; guard < 5000; guard++) {
    const waiting = calls.filter((c) => c.at <= now && !cardAt.has(c.id)).map((c) => waitingAt(c.id, c.at));
    const step = nextLaneStep(waiting, digest, now, DEFAULT_LANE_OPTIONS);
    if (step.kind === 'idle') {
      const next = calls.find((c) => c.at > now);
      if (!next) break;
      now = next.at;
      continue;
    }
    if (step.kind === 'digest_close') {
      digest = null;
      closed++;
      continue;
    }
    const slot = pacer.book('C1', now);
    now = pacer.sendAt('C1', slot, slot);
    // Re-decide when the slot comes, as the lane job does.
    const fresh = calls.filter((c) => c.at <= now && !cardAt.has(c.id)).map((c) => waitingAt(c.id, c.at));
    const decided = nextLaneStep(fresh, digest, now, DEFAULT_LANE_OPTIONS);
    posts.push({ at: now, kind: decided.kind });
    if (decided.kind === 'post_card') {
      cardAt.set(decided.episodeId, now);
      if (!visibleAt.has(decided.episodeId)) visibleAt.set(decided.episodeId, now);
    } else if (decided.kind === 'digest_open') {
      digest = openedDigest(`${now}`, fresh.length, [], now);
      for (const id of decided.episodeIds) if (!visibleAt.has(id)) visibleAt.set(id, now);
    } else if (decided.kind === 'digest_list' && digest) {
      digest = listedInDigest(digest, decided.episodeIds, [], now);
      for (const id of decided.episodeIds) {
        timesListed.set(id, (timesListed.get(id) ?? 0) + 1);
        if (!visibleAt.has(id)) visibleAt.set(id, now);
      }
    }
  }

  it('never posts twice within one second in the channel', () => {
    const gaps = posts.slice(1).map((p, i) => p.at - (posts[i] as { at: number }).at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
  });

  it('shows every call (card or digest) within 10 seconds', () => {
    const delays = calls.map((c) => (visibleAt.get(c.id) ?? Number.POSITIVE_INFINITY) - c.at);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
  });

  it('still posts a card for every call, nothing dropped', () => {
    expect(cardAt.size).toBe(600);
  });

  it('lists each call in the digest thread at most once, and closes the digest at the end', () => {
    expect(Math.max(...timesListed.values())).toBe(1);
    expect(closed).toBe(1);
    expect(digest).toBeNull();
  });
});
