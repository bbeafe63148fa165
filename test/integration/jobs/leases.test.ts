/**
 * Leases: a running job renews its lease, so a long job is never taken over while its worker lives; the
 * default lease is short, so a vanished worker's job moves on within seconds; and a job whose lease ran
 * out on every attempt is dead-lettered (counted and logged once) instead of being taken forever.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { DEFAULT_LEASE_MS, JobRunner } from '../../../src/jobs/runner.js';
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

describe('job leases', () => {
  let database: TestDatabase;
  let store: Store;
  const runners: JobRunner[] = [];

  beforeEach(async () => {
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
  });

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await store.close();
    await database.drop();
  });

  function runner(options: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
    const log = memoryLogger();
    const metrics = new Metrics({ defaultMetrics: false });
    const created = new JobRunner({
      store,
      clock: systemClock,
      logger: log.logger,
      metrics,
      pollIntervalMs: 20,
      baseBackoffMs: 10,
      maxBackoffMs: 40,
      ...options,
    });
    runners.push(created);
    return { runner: created, log, metrics };
  }

  it('keeps a long job with a live worker: no other worker takes it over while it runs', async () => {
    const runs: string[] = [];
    let finish: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const first = runner({ workerId: 'alive', leaseMs: 300 }).runner;
    const second = runner({ workerId: 'other', leaseMs: 300 }).runner;
    for (const r of [first, second]) {
      r.register('test.long', async () => {
        runs.push(r.workerId);
        await slow;
      });
    }
    first.start();
    await store.enqueue([{ kind: 'test.long', payload: {} }], Date.now());
    await until(() => runs.length === 1);
    second.start();
    // Five leases long: without renewal the other worker would have taken it several times.
    await new Promise((r) => setTimeout(r, 1_500));
    finish();
    await until(async () => (await store.jobs.list()).length === 0);
    expect(runs).toEqual(['alive']);
  });

  it('takes over the job of a vanished worker within 20 s with the default lease', async () => {
    expect(DEFAULT_LEASE_MS).toBeLessThanOrEqual(15_000);
    const clock = new ManualClock(Date.now());
    await store.enqueue([{ kind: 'test.orphan', payload: {} }], clock.now());
    // The worker that took it (with the default lease) was killed: nobody renews the lease.
    const [taken] = await store.jobs.take('vanished', 1, DEFAULT_LEASE_MS, clock.now());
    expect(taken).toBeDefined();
    const { runner: survivor } = runner({ workerId: 'survivor', clock });
    const ran: number[] = [];
    survivor.register('test.orphan', async (_payload, job) => {
      ran.push(job.id);
    });
    expect(await survivor.drain(5)).toBe(0);
    clock.advance(20_000);
    await survivor.drain(5);
    expect(ran).toEqual([taken?.id]);
  });

  it('dead-letters a job whose lease expired on every attempt, counts it and logs it once', async () => {
    const clock = new ManualClock(Date.now());
    await store.enqueue([{ kind: 'test.crasher', payload: {}, maxAttempts: 3 }], clock.now());
    // Three workers in a row took it and died before finishing.
    for (const worker of ['w1', 'w2', 'w3']) {
      const taken = await store.jobs.take(worker, 1, 1_000, clock.now());
      expect(taken).toHaveLength(1);
      clock.advance(2_000);
    }
    const { runner: next, log, metrics } = runner({ workerId: 'next', clock });
    let ran = 0;
    next.register('test.crasher', async () => {
      ran++;
    });
    await next.drain(3);
    clock.advance(2_000);
    await next.drain(3);
    expect(ran).toBe(0);
    const [job] = await store.jobs.list({ kind: 'test.crasher' });
    expect(job?.status).toBe('dead');
    expect(job?.attempts).toBe(3);
    expect(job?.lastError).toMatch(/lease expired/);
    const deadLines = log.lines().filter((line) => line.includes('its lease expired on all 3 attempts'));
    expect(deadLines).toHaveLength(1);
    expect(await metrics.registry.metrics()).toMatch(
      /ringback_jobs_total\{kind="test\.crasher",result="dead"\} 1/,
    );
  });
});
