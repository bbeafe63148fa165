import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import {
  backoffDelay,
  JobRunner,
  PermanentFailure,
  RetryAfter,
  UNKNOWN_KIND_GRACE_MS,
} from '../../../src/jobs/runner.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('backoffDelay', () => {
  it('doubles per attempt within half-jitter and stops at the cap', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('JobRunner', () => {
  let database: TestDatabase;
  let store: Store;
  let runner: JobRunner;
  let log: ReturnType<typeof memoryLogger>;
  let metrics: Metrics;

  beforeEach(async () => {
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
    log = memoryLogger();
    metrics = new Metrics({ defaultMetrics: false });
    runner = new JobRunner({
      store,
      clock: systemClock,
      logger: log.logger,
      metrics,
      pollIntervalMs: 20,
      baseBackoffMs: 10,
      maxBackoffMs: 40,
      concurrency: 4,
    });
  });

  afterEach(async () => {
    await runner.stop();
    await store.close();
    await database.drop();
  });

  it('starts a job queued in this process at once, without waiting for the poll', async () => {
    const slowPoll = new JobRunner({
      store,
      clock: systemClock,
      logger: log.logger,
      metrics,
      pollIntervalMs: 60_000,
    });
    const seen: unknown[] = [];
    slowPoll.register('greet', async (payload) => {
      seen.push(payload);
    });
    slowPoll.start();
    await new Promise((r) => setTimeout(r, 50));
    await store.transaction((repos) =>
      repos.enqueue([{ kind: 'greet', payload: { hello: 'world' } }], Date.now()),
    );
    await until(() => seen.length === 1, 2000);
    expect(seen).toEqual([{ hello: 'world' }]);
    await slowPoll.stop();
  });

  /** A runner that polls once a minute, running one kind `later` and remembering when it ran. */
  function pollingOnceAMinute() {
    const slowPoll = new JobRunner({
      store,
      clock: systemClock,
      logger: log.logger,
      metrics,
      pollIntervalMs: 60_000,
    });
    let ranAt = 0;
    slowPoll.register('later', async () => {
      ranAt = Date.now();
    });
    return { slowPoll, ranAt: () => ranAt };
  }

  it('runs a job that came due while its take was slow at once, not at the next poll', async () => {
    const { slowPoll, ranAt } = pollingOnceAMinute();
    const dueAt = Date.now() + 200;
    await store.enqueue([{ kind: 'later', payload: null, runAt: dueAt }], Date.now());
    // The first take answers only after the job is due (a busy machine): it found nothing due when it looked.
    const take = store.jobs.take.bind(store.jobs);
    let takes = 0;
    store.jobs.take = async (...args: Parameters<typeof take>) => {
      const jobs = await take(...args);
      if (++takes === 1) await new Promise((resolve) => setTimeout(resolve, 400));
      return jobs;
    };
    slowPoll.start();
    await until(() => ranAt() > 0, 5_000);
    expect(ranAt() - dueAt).toBeLessThan(2_000);
    await slowPoll.stop();
  });

  it('runs a job queued for a moment later at that moment, not at the next poll', async () => {
    const { slowPoll, ranAt } = pollingOnceAMinute();
    // Queued before the runner starts, for 300 ms on: the first take finds nothing due, then it sleeps.
    const dueAt = Date.now() + 300;
    await store.enqueue([{ kind: 'later', payload: null, runAt: dueAt }], Date.now());
    slowPoll.start();
    await until(() => ranAt() > 0, 5_000);
    expect(ranAt()).toBeGreaterThanOrEqual(dueAt);
    // Within seconds of being due, although the runner polls once a minute.
    expect(ranAt() - dueAt).toBeLessThan(5_000);
    await slowPoll.stop();
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    let calls = 0;
    runner.register('flaky', async () => {
      calls++;
      if (calls < 3) throw new Error('remote said 503');
    });
    runner.start();
    await store.enqueue([{ kind: 'flaky', payload: null }], Date.now());
    await until(async () => (await store.jobs.list()).length === 0);
    expect(calls).toBe(3);
    expect(log.lines().filter((l) => l.includes('will retry'))).toHaveLength(2);
  });

  it('parks a job that keeps failing as dead, names it in the log, and counts it', async () => {
    runner.register('doomed', async () => {
      throw new Error('always broken');
    });
    runner.start();
    await store.enqueue([{ kind: 'doomed', payload: null, maxAttempts: 3 }], Date.now());
    await until(async () => (await store.jobs.countByStatus()).dead === 1);
    const [dead] = await store.jobs.list({ status: 'dead' });
    expect(dead).toMatchObject({ attempts: 3, lastError: 'Error: always broken' });
    expect(log.lines().some((l) => l.includes(`job ${dead!.id} (doomed) is dead after 3 attempts`))).toBe(
      true,
    );
    expect((await metrics.jobs.get()).values.find((v) => v.labels.result === 'dead')?.value).toBe(1);
  });

  it('kills a job at once on a permanent failure', async () => {
    let calls = 0;
    runner.register('bad-input', async () => {
      calls++;
      throw new PermanentFailure('payload is not a call');
    });
    runner.start();
    await store.enqueue([{ kind: 'bad-input', payload: null }], Date.now());
    await until(async () => (await store.jobs.countByStatus()).dead === 1);
    expect(calls).toBe(1);
  });

  it('leaves a fresh job of a kind it does not know to a replica that knows it (a rolling deploy)', async () => {
    runner.start();
    await store.enqueue([{ kind: 'newer-version-kind', payload: null }], Date.now());
    await until(async () => (await store.jobs.list())[0]?.lastError?.includes('left for a replica') === true);
    const [job] = await store.jobs.list();
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
    expect(job?.runAt).toBeGreaterThan(Date.now() + 5_000);
  });

  it('sends a job of an unknown kind to the dead letters once it is an hour old, rather than looping', async () => {
    runner.start();
    await store.enqueue(
      [{ kind: 'nobody-handles-this', payload: null }],
      Date.now() - UNKNOWN_KIND_GRACE_MS - 1,
    );
    await until(async () => (await store.jobs.countByStatus()).dead === 1);
    expect((await store.jobs.list({ status: 'dead' }))[0]?.lastError).toContain('no handler');
  });

  it('waits as long as the remote side asks on RetryAfter, without counting a failure', async () => {
    const times: number[] = [];
    runner.register('paced', async () => {
      times.push(Date.now());
      if (times.length === 1) throw new RetryAfter(300, '429 from Slack');
    });
    runner.start();
    await store.enqueue([{ kind: 'paced', payload: null, maxAttempts: 1 }], Date.now());
    await until(async () => (await store.jobs.list()).length === 0);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290);
  });

  it('runs no more jobs at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    runner.register('busy', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
    });
    runner.start();
    await store.enqueue(
      Array.from({ length: 20 }, (_, i) => ({ kind: 'busy', payload: i })),
      Date.now(),
    );
    await until(async () => (await store.jobs.list()).length === 0);
    expect(peak).toBe(4);
  });

  it('on stop, takes no new job but lets the running one finish', async () => {
    let release: () => void = () => undefined;
    const finished: number[] = [];
    runner.register('long', async (payload) => {
      if (payload === 1) await new Promise<void>((r) => (release = r));
      finished.push(payload as number);
    });
    runner.start();
    await store.enqueue([{ kind: 'long', payload: 1 }], Date.now());
    await until(async () => (await store.jobs.countByStatus()).running === 1);
    const stopping = runner.stop();
    await store.enqueue([{ kind: 'long', payload: 2 }], Date.now());
    release();
    await stopping;
    expect(finished).toEqual([1]);
    expect(await store.jobs.countByStatus()).toEqual({ pending: 1, running: 0, dead: 0 });
  });

  describe('while a backlog waits (minTakeWhileBacklogged)', () => {
    /**
     * A runner of 8 slots that waits for 4 free under a backlog, running `gate` jobs that each finish when
     * released (in the order they started); it records the limit of every take.
     */
    function gatedRunner(maxTakeHoldMs: number) {
      const gated = new JobRunner({
        store,
        clock: systemClock,
        logger: log.logger,
        metrics,
        pollIntervalMs: 20,
        concurrency: 8,
        minTakeWhileBacklogged: 4,
        maxTakeHoldMs,
      });
      const gates: Array<() => void> = [];
      const started: number[] = [];
      gated.register('gate', async (payload) => {
        started.push(payload as number);
        await new Promise<void>((resolve) => gates.push(resolve));
      });
      const limits: number[] = [];
      const take = store.jobs.take.bind(store.jobs);
      store.jobs.take = async (...args: Parameters<typeof take>) => {
        limits.push(args[1]);
        return take(...args);
      };
      const release = async (count: number) => {
        for (let i = 0; i < count; i++) {
          gates.shift()?.();
          // Each finished job wakes the loop: give it the chance to take for the one slot.
          await new Promise((r) => setTimeout(r, 30));
        }
      };
      return { gated, started, limits, release, gates };
    }

    const backlog = (count: number, from = 0) =>
      store.enqueue(
        Array.from({ length: count }, (_, i) => ({ kind: 'gate', payload: from + i })),
        Date.now(),
      );

    it('takes again only once enough slots are free, not for each slot that frees', async () => {
      const { gated, started, limits, release } = gatedRunner(60_000);
      await backlog(40);
      gated.start();
      await until(() => started.length === 8);
      expect(limits).toEqual([8]);

      await release(3);
      // Three slots free and 32 jobs due: no take yet.
      expect(limits).toEqual([8]);
      expect(started).toHaveLength(8);

      await release(1);
      await until(() => started.length === 12);
      expect(limits).toEqual([8, 4]);
      await gated.stopTaking();
      await release(12);
      await gated.stop();
    });

    it('takes for fewer slots once a free slot has waited maxTakeHoldMs', async () => {
      const { gated, started, limits, release } = gatedRunner(150);
      await backlog(40);
      gated.start();
      await until(() => started.length === 8);
      const freedAt = Date.now();
      await release(1);
      await until(() => started.length === 9, 3_000);
      expect(Date.now() - freedAt).toBeGreaterThanOrEqual(140);
      expect(limits).toEqual([8, 1]);
      await gated.stopTaking();
      await release(9);
      await gated.stop();
    });

    it('holds nothing back without a backlog: a job queued with one slot free starts at once', async () => {
      const { gated, started, limits, release } = gatedRunner(60_000);
      // Fewer jobs than slots: the take did not fill them, so no backlog.
      await backlog(7);
      gated.start();
      await until(() => started.length === 7);
      expect(limits[0]).toBe(8);
      const queuedAt = Date.now();
      await backlog(1, 100);
      await until(() => started.length === 8, 3_000);
      expect(Date.now() - queuedAt).toBeLessThan(1_000);
      expect(started.at(-1)).toBe(100);
      await gated.stopTaking();
      await release(8);
      await gated.stop();
    });
  });
});
