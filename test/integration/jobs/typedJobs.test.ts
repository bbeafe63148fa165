/**
 * The runner with typed kinds and queue keys, as replicas run it: two runners on two connections to one
 * database (a SQLite file, a PostgreSQL database) run the jobs of one queue key one at a time and in order,
 * different keys side by side; a keyed job that outlives its lease keeps its key by renewing it; a job that
 * completes is deleted while its dedupe key still holds; a payload its kind's schema refuses is dead at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../../../src/domain/clock.js';
import { defineJob, jobOf } from '../../../src/jobs/registry.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';

const kinds = await databaseKinds();

const channelPost = defineJob(
  'test.channel_post',
  z.object({ channel: z.string().min(1), n: z.number().int(), holdMs: z.number().default(20) }),
  { queueKey: ({ channel }) => `chat:${channel}` },
);

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(kinds)('typed, keyed jobs on $name', (kind) => {
  const { store: storeOf, database: databaseOf } = useStore(kind);
  const stores: Store[] = [];
  const runners: JobRunner[] = [];

  beforeEach(() => {
    if (!kind.skipReason) stores.push(storeOf());
  });

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    // The first store belongs to useStore, which closes it.
    for (const replica of stores.splice(0).slice(1)) await replica.close();
  });

  function replica(name: string, options: { leaseMs?: number; concurrency?: number } = {}) {
    let store = stores[0] as Store;
    if (runners.length > 0) {
      store = new Store(openDatabase(databaseOf().target, { onConnectionError: () => undefined }));
      stores.push(store);
    }
    const log = memoryLogger();
    const runner = new JobRunner({
      store,
      clock: systemClock,
      logger: log.logger,
      metrics: new Metrics({ defaultMetrics: false }),
      workerId: name,
      pollIntervalMs: 10,
      concurrency: options.concurrency ?? 4,
      leaseMs: options.leaseMs ?? 5_000,
      baseBackoffMs: 10,
      maxBackoffMs: 20,
    });
    runners.push(runner);
    return { runner, store, log };
  }

  it('runs one key at a time and in order across two replicas, different keys side by side', async () => {
    const running = new Map<string, string>();
    const ran: { channel: string; n: number; by: string }[] = [];
    let overlaps = 0;
    let peak = 0;
    // Two slots each for four keys: neither replica can hold every key at once.
    const replicas = [replica('one', { concurrency: 2 }), replica('two', { concurrency: 2 })];
    for (const { runner } of replicas) {
      runner.handle(channelPost, async ({ channel, n, holdMs }) => {
        if (running.has(channel)) overlaps++;
        running.set(channel, runner.workerId);
        peak = Math.max(peak, running.size);
        ran.push({ channel, n, by: runner.workerId });
        await new Promise((r) => setTimeout(r, holdMs));
        running.delete(channel);
      });
    }
    const jobs = [];
    for (let n = 1; n <= 6; n++)
      for (const channel of ['C1', 'C2', 'C3', 'C4']) jobs.push(jobOf(channelPost, { channel, n }));
    await stores[0]!.enqueue(jobs, Date.now());
    for (const { runner } of replicas) runner.start();

    await until(() => ran.length === jobs.length);
    expect(overlaps).toBe(0);
    expect(peak).toBeGreaterThan(1);
    for (const channel of ['C1', 'C2', 'C3', 'C4']) {
      expect(ran.filter((r) => r.channel === channel).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    // Both replicas took part, and every completed job is gone from the table.
    expect(new Set(ran.map((r) => r.by))).toEqual(new Set(['one', 'two']));
    await until(async () => (await stores[0]!.jobs.list()).length === 0);
  });

  it('keeps the key of a job that outlives its lease: the other replica waits for it', async () => {
    const started: string[] = [];
    let release: () => void = () => undefined;
    const first = replica('slow', { leaseMs: 300 });
    const second = replica('eager', { leaseMs: 300 });
    for (const { runner } of [first, second]) {
      runner.handle(channelPost, async ({ n }) => {
        started.push(`${n}@${runner.workerId}`);
        if (n === 1) await new Promise<void>((r) => (release = r));
      });
    }
    await stores[0]!.enqueue(
      [jobOf(channelPost, { channel: 'C1', n: 1 }), jobOf(channelPost, { channel: 'C1', n: 2 })],
      Date.now(),
    );
    first.runner.start();
    await until(() => started.length === 1);
    second.runner.start();
    // Five leases long: without renewal the key would have been handed over.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(started).toEqual(['1@slow']);
    release();
    await until(() => started.length === 2);
    expect(started[1]).toMatch(/^2@/);
  });

  it('deletes a completed job and still refuses its dedupe key', async () => {
    const { runner, store } = replica('only');
    let runs = 0;
    runner.handle(channelPost, async () => {
      runs++;
    });
    const once = () =>
      store.enqueue([jobOf(channelPost, { channel: 'C1', n: 1 }, { dedupeKey: 'once' })], Date.now());
    expect(await once()).toBe(1);
    runner.start();
    await until(() => runs === 1);
    await until(async () => (await store.jobs.list()).length === 0);
    expect(await once()).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(1);
  });

  it('kills a job whose stored payload its kind refuses, with the schema’s message', async () => {
    const { runner, store, log } = replica('only');
    let runs = 0;
    runner.handle(channelPost, async () => {
      runs++;
    });
    // An older version queued it in another shape: it never reaches the handler.
    await store.enqueue([{ kind: channelPost.name, payload: { channel: 'C1', n: 'one' } }], Date.now());
    runner.start();
    await until(async () => (await store.jobs.countByStatus()).dead === 1);
    const [dead] = await store.jobs.list({ status: 'dead' });
    expect(dead?.attempts).toBe(1);
    expect(dead?.lastError).toMatch(/^PermanentFailure: test\.channel_post job \d+: invalid payload/);
    expect(dead?.lastError).toContain('expected number');
    expect(runs).toBe(0);
    expect(log.lines().some((line) => line.includes('is dead after 1 attempts'))).toBe(true);
  });
});
