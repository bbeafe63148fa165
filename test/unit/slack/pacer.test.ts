import { describe, expect, it } from 'vitest';
import { Bookings, Pacing, TokenBucket, WindowPacer } from '../../../src/chat/pacing.js';
import { RetryAfter } from '../../../src/jobs/errors.js';

/** Slack's limit for posts: one message per second per channel. */
class ChannelPacer extends WindowPacer {
  constructor(intervalMs: number) {
    super([{ windowMs: intervalMs, max: 1 }]);
  }
}

const T = 1_000_000;

describe('channel pacer', () => {
  describe('when many posts ask for the same channel at once', () => {
    it('gives each its own slot, one interval apart, in the order asked', () => {
      const pacer = new ChannelPacer(1000);
      // What the runner's 8 concurrent jobs do: all book at the same instant.
      const slots = Array.from({ length: 8 }, () => pacer.book('C1', T));
      expect(slots).toEqual([T, T + 1000, T + 2000, T + 3000, T + 4000, T + 5000, T + 6000, T + 7000]);
    });

    it('paces each channel on its own', () => {
      const pacer = new ChannelPacer(1000);
      expect(pacer.book('C1', T)).toBe(T);
      expect(pacer.book('C2', T)).toBe(T);
      expect(pacer.book('C1', T)).toBe(T + 1000);
    });
  });

  describe('when a booking is given back', () => {
    it('lets the next post take the freed slot', () => {
      const pacer = new ChannelPacer(1000);
      pacer.book('C1', T);
      const second = pacer.book('C1', T);
      pacer.book('C1', T);
      pacer.cancel('C1', second);
      expect(pacer.book('C1', T)).toBe(T + 1000);
    });
  });

  describe('when a job runs late', () => {
    it('still keeps sends one interval apart', () => {
      const pacer = new ChannelPacer(1000);
      const first = pacer.book('C1', T);
      const second = pacer.book('C1', T);
      // The first job only got going 400 ms after its slot; the second is on time.
      expect(pacer.sendAt('C1', T + 400, first)).toBe(T + 400);
      expect(pacer.sendAt('C1', T + 1000, second)).toBe(T + 1400);
    });

    it('books the next slot after the last send', () => {
      const pacer = new ChannelPacer(1000);
      pacer.sendAt('C1', T, pacer.book('C1', T));
      expect(pacer.book('C1', T + 200)).toBe(T + 1000);
      expect(pacer.book('C1', T + 5000)).toBe(T + 5000);
    });
  });

  describe('when Slack says to wait', () => {
    it('holds the channel until then', () => {
      const pacer = new ChannelPacer(1000);
      pacer.pauseUntil('C1', T + 30_000);
      expect(pacer.book('C1', T)).toBe(T + 30_000);
      expect(pacer.book('C2', T)).toBe(T);
    });
  });

  it('reports how far ahead a channel is booked', () => {
    const pacer = new ChannelPacer(1000);
    expect(pacer.backlogMs('C1', T)).toBe(0);
    for (let i = 0; i < 5; i++) pacer.book('C1', T);
    expect(pacer.backlogMs('C1', T)).toBe(4000);
    expect(pacer.backlogMs('C1', T + 10_000)).toBe(0);
  });
});

describe('token bucket', () => {
  it('allows a burst, then one token per refill period', () => {
    const bucket = new TokenBucket(3, 60);
    expect([bucket.take(T), bucket.take(T), bucket.take(T)]).toEqual([0, 0, 0]);
    expect(bucket.take(T)).toBe(1000);
    expect(bucket.take(T + 500)).toBe(500);
    expect(bucket.take(T + 1000)).toBe(0);
  });

  it('never holds more than its capacity', () => {
    const bucket = new TokenBucket(2, 60);
    bucket.take(T);
    const later = T + 60 * 60_000;
    expect([bucket.take(later), bucket.take(later)]).toEqual([0, 0]);
    expect(bucket.take(later)).toBeGreaterThan(0);
  });

  describe('when several jobs want a token at once', () => {
    it('queues them one refill apart instead of letting them race for the same token', () => {
      const bucket = new TokenBucket(1, 60);
      expect(bucket.reserve(T, 1500)).toEqual({ booked: true, waitMs: 0 });
      expect(bucket.reserve(T, 1500)).toEqual({ booked: true, waitMs: 1000 });
      // The third would wait 2 s: more than the job may hold its runner slot, so it is sent back.
      expect(bucket.reserve(T, 1500)).toEqual({ booked: false, retryInMs: 2000 });
      // Coming back when told, it finds its token.
      expect(bucket.reserve(T + 2000, 1500)).toEqual({ booked: true, waitMs: 0 });
    });
  });
});

describe('bookings', () => {
  it('forget jobs that never came back and free their slots', () => {
    const pacer = new ChannelPacer(1000);
    const bookings = new Bookings();
    bookings.set(1, 'C1', pacer.book('C1', T));
    bookings.set(2, 'C1', pacer.book('C1', T + 100_000));
    bookings.prune(T + 50_000, pacer);
    expect(bookings.get(1)).toBeUndefined();
    expect(bookings.get(2)).toEqual({ key: 'C1', slot: T + 100_000 });
    expect(bookings.size).toBe(1);
  });
});

describe('workspace tiers drawn from the cluster’s budget as well', () => {
  function clusterOf(grants: number) {
    let left = grants;
    const taken: string[] = [];
    const budgets = {
      clusterWide: true,
      budget: (name: string) => ({
        take: async () => {
          taken.push(name);
          return left-- > 0 ? 0 : 7_000;
        },
        pause: async () => {},
      }),
      close: async () => {},
    };
    return { budgets, taken };
  }

  it('sends while the cluster has tokens and then sends the job back for as long as the cluster says', async () => {
    const { budgets, taken } = clusterOf(2);
    const pacing = new Pacing(
      { windows: [], buckets: { 'chat.update': { burst: 10, perMinute: 50 } } },
      { maxInlineWaitMs: 0, now: () => 0, cluster: { budgets, prefix: 'slack' } },
    );
    await pacing.forJob(1).token('chat.update');
    await pacing.forJob(2).token('chat.update');
    const third = await pacing
      .forJob(3)
      .token('chat.update')
      .catch((error: unknown) => error);
    expect(third).toBeInstanceOf(RetryAfter);
    expect((third as RetryAfter).delayMs).toBe(7_000);
    expect(taken).toEqual(['slack:chat.update', 'slack:chat.update', 'slack:chat.update']);
    // The refused token went back: the local bucket still holds 10 − 2.
    expect(pacing.bucket('chat.update').take(0)).toBe(0);
    let local = 1;
    while (pacing.bucket('chat.update').take(0) === 0) local++;
    expect(local).toBe(8);
  });
});
