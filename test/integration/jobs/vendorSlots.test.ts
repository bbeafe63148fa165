/**
 * One vendor cannot occupy the runner: its jobs hold at most their share of the slots, and while its
 * breaker is open its jobs stay in the table (not taken, not counted as attempts) until it may be tried
 * again. The policy itself: a timeout on every request, a breaker that opens on outages only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { JobRunner, PermanentFailure } from '../../../src/jobs/runner.js';
import { Metrics } from '../../../src/observability/metrics.js';
import {
  VendorPolicies,
  VendorPolicy,
  VendorTimeout,
  VendorUnavailable,
  vendorOfJobKind,
} from '../../../src/resilience/vendorPolicy.js';
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

const never = () => new Promise<never>(() => undefined);

describe('VendorPolicy', () => {
  it('abandons a request that outlives the timeout, even one that ignores its signal', async () => {
    const policy = new VendorPolicy('zendesk', { timeoutMs: 100 });
    const started = Date.now();
    await expect(policy.request('tickets.show', never)).rejects.toBeInstanceOf(VendorTimeout);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('opens after consecutive outages, refuses at once while open, and closes when the vendor answers', async () => {
    const policy = new VendorPolicy('zendesk', { timeoutMs: 50, failuresToOpen: 2, halfOpenAfterMs: 300 });
    await expect(policy.request('a', never)).rejects.toBeInstanceOf(VendorTimeout);
    await expect(policy.request('b', never)).rejects.toBeInstanceOf(VendorTimeout);
    let sent = 0;
    const answer = async () => {
      sent++;
      return 'ok';
    };
    await expect(policy.request('c', answer)).rejects.toBeInstanceOf(VendorUnavailable);
    expect(sent).toBe(0);
    expect(policy.pausedForMs()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 350));
    expect(await policy.request('d', answer)).toBe('ok');
    expect(await policy.request('e', answer)).toBe('ok');
    expect(policy.pausedForMs()).toBe(0);
  });

  it('does not count a refusal (a 4xx, a permanent failure) as an outage', async () => {
    const policy = new VendorPolicy('aircall', { failuresToOpen: 2 });
    const refused = async () => {
      throw Object.assign(new Error('404'), { status: 404 });
    };
    for (let i = 0; i < 5; i++) await expect(policy.request('x', refused)).rejects.toThrow('404');
    await expect(
      policy.request('y', async () => {
        throw new PermanentFailure('bad');
      }),
    ).rejects.toBeInstanceOf(PermanentFailure);
    expect(await policy.request('z', async () => 'up')).toBe('up');
  });

  it('knows which vendor a job kind talks to', () => {
    expect(vendorOfJobKind('zendesk.ticket.ensure')).toBe('zendesk');
    expect(vendorOfJobKind('slack.post_card')).toBe('slack');
    expect(vendorOfJobKind('aircall.dial')).toBe('aircall');
    expect(vendorOfJobKind('aircall.event')).toBeNull();
    expect(vendorOfJobKind('escalation.step')).toBeNull();
  });
});

describe('JobRunner with vendor slots and breakers', () => {
  let database: TestDatabase;
  let store: Store;
  let runner: JobRunner | null = null;

  beforeEach(async () => {
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
  });

  afterEach(async () => {
    await runner?.stop();
    runner = null;
    await store.close();
    await database.drop();
  });

  function start(vendors: VendorPolicies, concurrency = 4): JobRunner {
    runner = new JobRunner({
      store,
      clock: systemClock,
      logger: memoryLogger().logger,
      metrics: new Metrics({ defaultMetrics: false }),
      pollIntervalMs: 20,
      baseBackoffMs: 10,
      maxBackoffMs: 40,
      concurrency,
      vendors,
    });
    return runner;
  }

  it('keeps slots free for Slack while every Zendesk job hangs', async () => {
    const r = start(new VendorPolicies());
    let zendeskStarted = 0;
    const slackDone: number[] = [];
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    r.register('zendesk.ticket.ensure', async () => {
      zendeskStarted++;
      await hung;
    });
    r.register('slack.post_card', async (_payload, job) => {
      slackDone.push(job.id);
    });
    const now = Date.now();
    await store.enqueue(
      Array.from({ length: 6 }, (_, i) => ({
        kind: 'zendesk.ticket.ensure',
        payload: { i },
        runAt: now - 1_000,
      })),
      now,
    );
    await store.enqueue([{ kind: 'slack.post_card', payload: {} }], now);
    r.start();
    try {
      await until(() => slackDone.length === 1, 3_000);
      expect(zendeskStarted).toBeLessThanOrEqual(2);
    } finally {
      release();
    }
  });

  it('leaves the jobs of a vendor whose breaker is open in the table, then runs them once it may try again', async () => {
    const vendors = new VendorPolicies({
      zendesk: { timeoutMs: 50, failuresToOpen: 1, halfOpenAfterMs: 600 },
    });
    await expect(vendors.get('zendesk').request('probe', never)).rejects.toBeInstanceOf(VendorTimeout);
    const r = start(vendors);
    const ran: number[] = [];
    r.register('zendesk.ticket.assign', async (_payload, job) => {
      ran.push(job.id);
    });
    await store.enqueue([{ kind: 'zendesk.ticket.assign', payload: {} }], Date.now());
    r.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [waiting] = await store.jobs.list({ kind: 'zendesk.ticket.assign' });
    expect(waiting?.status).toBe('pending');
    expect(waiting?.attempts).toBe(0);
    expect(ran).toEqual([]);
    await until(() => ran.length === 1, 3_000);
  });
});
