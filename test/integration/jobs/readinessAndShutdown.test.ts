/**
 * /readyz tells the load balancer the truth: 503 when the database does not answer within a second, or
 * when work has been due for a minute and the runner finished nothing meanwhile. On stop, the runner takes
 * no new job before the stop hooks run, and a hook that hangs cannot block shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { vendorPolicies } from '../../../src/resilience/vendorPolicy.js';
import { createRingback, type Ringback } from '../../../src/ringback.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(options: Parameters<typeof startRingback>[1] = {}): Promise<StartedRingback> {
  const database = sqliteDatabase();
  cleanups.push(() => database.drop());
  const ringback = await startRingback(testConfig({ database }), { adapters: [], ...options });
  cleanups.push(() => ringback.stop());
  return ringback;
}

describe('/readyz', () => {
  it('answers ready when the database answers and nothing is stuck', async () => {
    const ringback = await started();
    const answer = await fetch(`${ringback.baseUrl}/readyz`);
    expect(answer.status).toBe(200);
  });

  it('answers 503 within about a second when the database does not answer', async () => {
    const ringback = await started();
    ringback.store.ping = () => new Promise<void>(() => undefined);
    const begun = Date.now();
    const answer = await fetch(`${ringback.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'database_unreachable' });
    expect(Date.now() - begun).toBeLessThan(2_500);
  });

  it('answers 503 when jobs have been due for a minute and the runner finished none', async () => {
    const clock = new ManualClock(Date.now());
    const ringback = await started({ clock, runner: { concurrency: 1 } });
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanups.push(async () => release());
    ringback.runner.register('test.stuck', () => stuck);
    await ringback.store.enqueue(
      [
        { kind: 'test.stuck', payload: 1 },
        { kind: 'test.stuck', payload: 2 },
      ],
      clock.now(),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${ringback.baseUrl}/readyz`)).status).toBe(200);
    clock.advance(61_000);
    const answer = await fetch(`${ringback.baseUrl}/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'runner_stalled' });
  });
});

describe('/readyz while a vendor is down', () => {
  it('stays ready when the only old due jobs wait for a vendor whose breaker is open', async () => {
    const clock = new ManualClock(Date.now());
    const ringback = await started({
      clock,
      vendors: { zendesk: { timeoutMs: 50, failuresToOpen: 1, halfOpenAfterMs: 600_000 } },
    });
    ringback.runner.register('zendesk.ticket.assign', async () => undefined);
    await expect(
      vendorPolicies.get('zendesk').request('probe', () => new Promise<never>(() => undefined)),
    ).rejects.toThrow(/no answer/);
    await ringback.store.enqueue([{ kind: 'zendesk.ticket.assign', payload: {} }], clock.now());
    clock.advance(61_000);
    const answer = await fetch(`${ringback.baseUrl}/readyz`);
    expect(answer.status).toBe(200);
    const [job] = await ringback.store.jobs.list({ kind: 'zendesk.ticket.assign' });
    expect(job?.status).toBe('pending');
  });
});

describe('stopping', () => {
  it('stops taking jobs before the stop hooks run, and goes on past a hook that hangs', async () => {
    const database = sqliteDatabase();
    cleanups.push(() => database.drop());
    let ringback: Ringback | null = null;
    const seen: { takingDuringHook?: boolean } = {};
    const hanging: RegisterAdapter = async (ctx) => {
      ctx.onStop(() => {
        seen.takingDuringHook = ctx.runner.isTaking;
        return new Promise<void>(() => undefined);
      });
    };
    const { logger, lines } = memoryLogger();
    ringback = await createRingback(testConfig({ database }), {
      logger,
      port: 0,
      host: '127.0.0.1',
      adapters: [hanging],
      stopHookTimeoutMs: 300,
      runner: { pollIntervalMs: 20 },
    });
    await ringback.start();
    expect(ringback.runner.isTaking).toBe(true);
    const begun = Date.now();
    await ringback.stop();
    expect(Date.now() - begun).toBeLessThan(2_000);
    expect(seen.takingDuringHook).toBe(false);
    expect(lines().some((line) => line.includes('stop hook took longer than 300 ms'))).toBe(true);
  });
});
