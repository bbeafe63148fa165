import { describe, expect, it } from 'vitest';
import { Bookings, Pacing, type SharedSend, TokenBucket, WindowPacer } from '../../../src/chat/pacing.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import { POST_MARGIN_MS } from '../../../src/surfaces/slack/surface.js';

/** Slack's limit for posts: one message per second per channel. */
class ChannelPacer extends WindowPacer {
  constructor(intervalMs: number) {
    super([{ windowMs: intervalMs, max: 1 }]);
  }
}

const T = 1_000_000;

/**
 * Asks for a chat.update token for job `jobId`: null when it got one, or when to come back (the job was sent
 * back holding a booking).
 */
async function sentBack(pacing: Pacing, jobId: number): Promise<number | null> {
  try {
    await pacing.forJob(jobId).token('chat.update');
    return null;
  } catch (error) {
    if (error instanceof RetryAfter) return error.delayMs;
    throw error;
  }
}

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

describe('channel bucket (Slack: one post a second, short bursts)', () => {
  const bucketPacer = (marginMs = 0) => new WindowPacer([], 0, { burst: 3, intervalMs: 1000, marginMs });

  /** Sends `wantedAt` in order through the pacer the way the lane does (book, then send at the slot). */
  function sendAll(pacer: WindowPacer, wantedAt: readonly number[]): number[] {
    return wantedAt.map((wanted) => {
      const slot = pacer.book('C1', wanted);
      return pacer.sendAt('C1', slot, slot);
    });
  }

  /** Slack's side, as the fake Slack keeps it: a bucket of 3 refilled one a second; counts refusals. */
  function refusedBySlack(sentAt: readonly number[]): number {
    let tokens = 3;
    let last = sentAt[0] ?? 0;
    let refused = 0;
    for (const at of sentAt) {
      tokens = Math.min(3, tokens + (at - last) / 1000);
      last = at;
      if (tokens >= 1) tokens -= 1;
      else refused += 1;
    }
    return refused;
  }

  it('sends a burst at once, then one a second', () => {
    const pacer = bucketPacer();
    const slots = Array.from({ length: 5 }, () => pacer.book('C1', T));
    expect(slots).toEqual([T, T, T, T + 1000, T + 2000]);
  });

  it('catches up after one late post when fed at exactly its rate', () => {
    const pacer = bucketPacer();
    const wanted = Array.from({ length: 20 }, (_, i) => T + i * 1000);
    // The fifth post goes out 400 ms late (a slow Slack answer, a busy runner).
    const sent = wanted.map((at, i) => {
      const slot = pacer.book('C1', at);
      const late = i === 4 ? 400 : 0;
      return pacer.sendAt('C1', slot + late, slot);
    });
    expect(sent.filter((at, i) => at !== (wanted[i] as number) + (i === 4 ? 400 : 0))).toEqual([]);
  });

  it('delays every later post by as much under a window of three (what the bucket replaced)', () => {
    const pacer = new WindowPacer([{ windowMs: 3000, max: 3 }]);
    const wanted = Array.from({ length: 20 }, (_, i) => T + i * 1000);
    const sent = wanted.map((at, i) => {
      const slot = pacer.book('C1', at);
      return pacer.sendAt('C1', slot + (i === 4 ? 400 : 0), slot);
    });
    expect(sent.at(-1)).toBe((wanted.at(-1) as number) + 400);
  });

  it('never sends faster than Slack refills, over minutes of more calls than that', () => {
    const pacer = bucketPacer(50);
    // Ten calls a second for two minutes, well past the pacer's memory (three seconds).
    const wanted = Array.from({ length: 1200 }, (_, i) => T + i * 100);
    const sent = sendAll(pacer, wanted);
    expect(refusedBySlack(sent)).toBe(0);
    const lastSecond = sent.filter((at) => at > (sent.at(-1) as number) - 10_000).length;
    // The sustained rate is one a second: ten in the last ten seconds, give or take the margin.
    expect(lastSecond).toBeGreaterThanOrEqual(9);
    expect(lastSecond).toBeLessThanOrEqual(10);
  });

  it('is not refused when a post after a quiet spell reaches Slack 200 ms late and a burst follows', () => {
    // Slack's bucket stays full until the late post arrives; ours refilled from the moment it went out.
    const arrivals = (marginMs: number) => {
      const pacer = bucketPacer(marginMs);
      const late = pacer.sendAt('C1', pacer.book('C1', T), T) + 200;
      const burst = sendAll(
        pacer,
        Array.from({ length: 6 }, () => T + 500),
      );
      return [late, ...burst].sort((a, b) => a - b);
    };
    expect(refusedBySlack(arrivals(POST_MARGIN_MS))).toBe(0);
    // The margin the Slack surface had before (50 ms): the fourth post of the burst was a 429.
    expect(refusedBySlack(arrivals(50))).toBeGreaterThan(0);
  });

  describe('when a post reaches Slack later than the margin (a busy process) and a burst follows', () => {
    /** Ringback's pacing of Slack posts, on a clock that only moves when told to. */
    function slackPacing() {
      const clock = { now: T };
      const pacing = new Pacing(
        { windows: [], keyBucket: { burst: 3, intervalMs: 1000, marginMs: POST_MARGIN_MS } },
        {
          maxInlineWaitMs: 10_000,
          now: () => clock.now,
          sleep: async (ms) => {
            clock.now += ms;
          },
        },
      );
      return { clock, pacing };
    }

    /** Slack receives the post `lateMs` after it went out and answers at once. */
    const post =
      (clock: { now: number }, arrivals: number[], lateMs = 0) =>
      async () => {
        clock.now += lateMs;
        arrivals.push(clock.now);
      };

    it('counts the late post from its answer, so Slack refuses none of a job’s posts', async () => {
      const { clock, pacing } = slackPacing();
      const arrivals: number[] = [];
      await pacing.forJob(1).send('C1', post(clock, arrivals, 400));
      for (let job = 2; job <= 6; job++) await pacing.forJob(job).send('C1', post(clock, arrivals));
      expect(arrivals).toHaveLength(6);
      expect(refusedBySlack(arrivals)).toBe(0);
    });

    it('counts the late post from its answer, so Slack refuses none of a lane’s posts', async () => {
      const { clock, pacing } = slackPacing();
      const arrivals: number[] = [];
      for (let i = 0; i < 6; i++) {
        // The lane's way: book, record the send, wait for it, then post through slotTaken.
        const at = await pacing.sendAt('C1', pacing.pacer.book('C1', clock.now));
        clock.now = Math.max(clock.now, at);
        await pacing.slotTaken(at).send('C1', post(clock, arrivals, i === 0 ? 400 : 0));
      }
      expect(refusedBySlack(arrivals)).toBe(0);
    });

    it('keeps the recorded time of a post answered within the margin', async () => {
      const { clock, pacing } = slackPacing();
      await pacing.forJob(1).send('C1', post(clock, [], 200));
      expect(pacing.pacer.recentSends('C1', clock.now, 'me')).toEqual([{ at: T, by: 'me' }]);
    });
  });

  it('still sends when the margin is longer than the interval: one post per interval', () => {
    const pacer = new WindowPacer([], 0, { burst: 3, intervalMs: 50, marginMs: 250 });
    const slots = Array.from({ length: 4 }, () => pacer.book('C1', T));
    expect(slots).toEqual([T, T + 50, T + 100, T + 150]);
  });

  it('remembers a drained bucket when its sends leave the window it keeps', () => {
    const pacer = bucketPacer();
    // Drain it: three at once, then one a second for ten seconds.
    sendAll(
      pacer,
      Array.from({ length: 13 }, () => T),
    );
    // Right after the last send the bucket is empty: the next post waits a whole second.
    expect(pacer.book('C1', T + 10_000)).toBe(T + 11_000);
  });

  it('is full again after a quiet spell', () => {
    const pacer = bucketPacer();
    sendAll(
      pacer,
      Array.from({ length: 13 }, () => T),
    );
    const later = T + 60_000;
    expect([pacer.book('C1', later), pacer.book('C1', later), pacer.book('C1', later)]).toEqual([
      later,
      later,
      later,
    ]);
    expect(pacer.book('C1', later)).toBe(later + 1000);
  });
});

describe('a channel whose lane moves between replicas', () => {
  const bucketLimit = { burst: 3, intervalMs: 1000, marginMs: 0 };
  const bucketTable = { windows: [], keyBucket: bucketLimit };

  /** The shared record (the cursors table in production), in memory. */
  function sharedRecord() {
    const rows = new Map<string, SharedSend[]>();
    const pauses = new Map<string, number>();
    return {
      rows,
      recent: async (key: string) => rows.get(key) ?? [],
      pausedUntil: async (key: string) => pauses.get(key) ?? null,
      pause: async (key: string, until: number) => {
        pauses.set(key, Math.max(pauses.get(key) ?? 0, until));
      },
      exclusive: async <T>(
        key: string,
        decide: (recent: SharedSend[]) => { result: T; sends: SharedSend[] },
      ) => {
        const { result, sends } = decide(rows.get(key) ?? []);
        rows.set(key, sends);
        return result;
      },
    };
  }

  it('counts the sends another replica made before booking its own', () => {
    const pacer = new WindowPacer([], 0, bucketLimit);
    // The other replica emptied the channel's bucket just now.
    pacer.learn(
      'C1',
      [T, T, T].map((at) => ({ at, by: 'other' })),
      T,
    );
    expect(pacer.book('C1', T)).toBe(T + 1000);
  });

  it('ignores sends too old to count', () => {
    const pacer = new WindowPacer([], 0, bucketLimit);
    pacer.sendAt('C1', T, pacer.book('C1', T));
    pacer.learn('C1', [{ at: T - 60_000, by: 'other' }], T);
    expect(pacer.recentSends('C1', T, 'me')).toEqual([{ at: T, by: 'me' }]);
    expect([pacer.book('C1', T), pacer.book('C1', T), pacer.book('C1', T)]).toEqual([T, T, T + 1000]);
  });

  it('holds every replica back from a channel one of them was told to pause (a 429’s Retry-After)', async () => {
    const clock = { now: T };
    const shared = sharedRecord();
    const replica = () =>
      new Pacing(bucketTable, { maxInlineWaitMs: 1_000, now: () => clock.now, sharedSends: shared });
    const [first, second] = [replica(), replica()];
    await expect(
      first.forJob(1).send('C1', async () => {
        throw new RetryAfter(30_000, 'ratelimited');
      }),
    ).rejects.toBeInstanceOf(RetryAfter);
    clock.now += 500;
    let sent = false;
    const other = await second
      .forJob(2)
      .send('C1', async () => {
        sent = true;
      })
      .catch((error: unknown) => error);
    expect(sent).toBe(false);
    expect(other).toBeInstanceOf(RetryAfter);
    expect((other as RetryAfter).delayMs).toBeGreaterThan(25_000);
  });

  it('never lets two replicas taking turns on a channel exceed Slack’s bucket between them', async () => {
    const clock = { now: T };
    const shared = sharedRecord();
    const replica = () =>
      new Pacing(bucketTable, {
        maxInlineWaitMs: 10_000,
        now: () => clock.now,
        sleep: async (ms) => {
          clock.now += ms;
        },
        sharedSends: shared,
      });
    const replicas = [replica(), replica()];
    const sentAt: number[] = [];
    // Twelve posts wanted at once, each taken by whichever replica holds the lane at that moment.
    for (let i = 0; i < 12; i++) {
      await (replicas[i % 2] as Pacing).forJob(i).send('C1', async () => {
        sentAt.push(clock.now);
      });
    }
    let tokens = 3;
    let last = T;
    const refused = sentAt.filter((at) => {
      tokens = Math.min(3, tokens + (at - last) / 1000);
      last = at;
      if (tokens < 1 - 1e-9) return true;
      tokens -= 1;
      return false;
    });
    expect(refused).toEqual([]);
    expect(sentAt.slice(0, 4)).toEqual([T, T, T, T + 1000]);
    expect(shared.rows.get('C1')?.length).toBeGreaterThan(0);
  });

  it('tells the other replicas when a post was answered late, so the one taking over counts it from then', async () => {
    const clock = { now: T };
    const shared = sharedRecord();
    const replica = new Pacing(bucketTable, {
      maxInlineWaitMs: 10_000,
      now: () => clock.now,
      sharedSends: shared,
    });
    await replica.forJob(1).send('C1', async () => {
      clock.now += 400;
    });
    expect(shared.rows.get('C1')?.map((send) => send.at)).toEqual([T + 400]);
  });

  it('without the shared record, the second replica bursts into an empty bucket (what this prevents)', async () => {
    const clock = { now: T };
    const replicas = [0, 1].map(
      () => new Pacing(bucketTable, { maxInlineWaitMs: 10_000, now: () => clock.now }),
    );
    const sentAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      await (replicas[i % 2] as Pacing).forJob(i).send('C1', async () => {
        sentAt.push(clock.now);
      });
    }
    expect(sentAt.filter((at) => at === T).length).toBeGreaterThan(3);
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

  it('gives the storm lane a token without waiting only when the cluster has one too', async () => {
    const { budgets, taken } = clusterOf(1);
    const pacing = new Pacing(
      { windows: [], buckets: { 'chat.update': { burst: 10, perMinute: 50 } } },
      { maxInlineWaitMs: 0, now: () => 0, cluster: { budgets, prefix: 'slack' } },
    );
    expect(await pacing.tryPriorityToken('chat.update')).toBe(0);
    // Another replica spent the tier: nothing is taken here either.
    expect(await pacing.tryPriorityToken('chat.update')).toBe(7_000);
    expect(taken).toEqual(['slack:chat.update', 'slack:chat.update']);
    let local = 0;
    while (pacing.bucket('chat.update').take(0) === 0) local++;
    expect(local).toBe(9);
  });
});

describe('jobs waiting for a workspace-wide token', () => {
  /** chat.update at one a second with no burst; jobs may wait 1.5 s in place. */
  function updatesPacing(clock: { now: number }) {
    return new Pacing(
      { windows: [], buckets: { 'chat.update': { burst: 1, perMinute: 60 } } },
      {
        maxInlineWaitMs: 1_500,
        now: () => clock.now,
        sleep: async (ms) => {
          clock.now += ms;
        },
      },
    );
  }

  it('are each told to come back at their own token, not all at the next one', async () => {
    const clock = { now: T };
    const pacing = updatesPacing(clock);
    // Job 1 takes the free token, job 2 waits a second in place; the others are booked one a second behind.
    const delays = [];
    for (let job = 1; job <= 6; job++) {
      clock.now = T;
      delays.push(await sentBack(pacing, job));
    }
    expect(delays).toEqual([null, null, 1_250, 2_250, 3_250, 4_250]);
  });

  it('get their booked token when they come back, without being sent back again', async () => {
    const clock = { now: T };
    const pacing = updatesPacing(clock);
    await sentBack(pacing, 1);
    for (let job = 2; job <= 6; job++) {
      clock.now = T;
      await sentBack(pacing, job);
    }
    // Job 6 comes back first (as told, 4.25 s later), then the others: each waits at most 0.75 s in place.
    const started = T + 4_250;
    for (const job of [6, 3, 4, 5]) {
      clock.now = started;
      expect(await sentBack(pacing, job)).toBeNull();
      expect(clock.now - started).toBeLessThanOrEqual(750);
    }
  });

  it('give a token back when their job never returns', async () => {
    const clock = { now: T };
    const pacing = updatesPacing(clock);
    // A backlog of 100 updates: job k's token is due at T + (k − 1) s.
    for (let job = 1; job <= 100; job++) {
      clock.now = T;
      await sentBack(pacing, job);
    }
    // Job 3 (due at T + 2 s) never came back; a minute later its token goes to the queue: a new job is
    // booked at T + 99 s, the 100th token, not T + 100 s.
    clock.now = T + 63_000;
    expect(await sentBack(pacing, 101)).toBe(99_000 - 63_000 - 750);
  });
});

describe('a bucket with a share kept for priority sends (the storm queue message)', () => {
  const table = {
    windows: [],
    buckets: { 'chat.update': { burst: 10, perMinute: 45, priority: { burst: 2, perMinute: 15 } } },
  };

  it('gives a priority send a token within seconds however far ahead the other sends booked the bucket', async () => {
    const clock = { now: T };
    const pacing = new Pacing(table, { maxInlineWaitMs: 0, now: () => clock.now });
    // A hundred card updates: the first ones take the tokens free now, the rest are booked minutes ahead.
    for (let job = 1; job <= 100; job++) await sentBack(pacing, job);
    expect(await sentBack(pacing, 101)).toBeGreaterThan(2 * 60_000);

    // The share lent one token to the card updates while nothing of priority waited; it kept the other.
    expect(await pacing.tryPriorityToken('chat.update')).toBe(0);
    const wait = await pacing.tryPriorityToken('chat.update');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(4_000);
    clock.now += wait;
    expect(await pacing.tryPriorityToken('chat.update')).toBe(0);
  });

  it('never gives more than the whole bucket, however the two kinds of sends come', async () => {
    const clock = { now: T };
    const pacing = new Pacing(table, { maxInlineWaitMs: 0, now: () => clock.now });
    const granted: number[] = [];
    const comeBack = new Map<number, number>();
    let nextJob = 1;
    for (clock.now = T; clock.now < T + 5 * 60_000; clock.now += 100) {
      const jobs = [...comeBack].filter(([, at]) => at <= clock.now).map(([job]) => job);
      // Card updates come in bursts (a claim storm) with quiet spells between them.
      const burst = Math.floor((clock.now - T) / 20_000) % 3 === 0 ? 3 : 0;
      for (let i = 0; i < burst; i++) jobs.push(nextJob++);
      for (const job of jobs) {
        const delay = await sentBack(pacing, job);
        if (delay === null) {
          comeBack.delete(job);
          granted.push(clock.now);
        } else comeBack.set(job, clock.now + delay);
      }
      if ((clock.now - T) % 1_000 === 0 && (await pacing.tryPriorityToken('chat.update')) === 0)
        granted.push(clock.now);
    }
    expect(granted.length).toBeGreaterThan(200);
    // Every span [a, b] holds at most burst + rate × (b − a) sends: what the bucket allows.
    for (let first = 0; first < granted.length; first++) {
      for (let last = first; last < granted.length; last++) {
        const span = (granted[last] as number) - (granted[first] as number);
        expect(last - first + 1).toBeLessThanOrEqual(10 + (45 * span) / 60_000 + 1e-6);
      }
    }
  });
});
