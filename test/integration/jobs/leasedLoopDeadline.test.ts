/**
 * Poller rounds have a deadline: a round stuck on a hung request is abandoned (its signal aborted), the
 * loop goes on without ever running two rounds at once, and stopping never waits for the stuck round.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { LeasedLoop } from '../../../src/zendesk/leasedLoop.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LeasedLoop round deadline', () => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('abandons a stuck round at its deadline, runs no other meanwhile, and resumes once it settles', async () => {
    const log = memoryLogger();
    const signals: AbortSignal[] = [];
    let running = 0;
    let overlapped = false;
    let release: () => void = () => undefined;
    const loop = new LeasedLoop({
      name: 'test.poller',
      store,
      clock: systemClock,
      logger: log.logger,
      intervalMs: 20,
      roundDeadlineMs: 150,
      round: async (signal) => {
        signals.push(signal);
        running++;
        if (running > 1) overlapped = true;
        try {
          // The first round hangs (a request that never answers), and ignores its signal.
          if (signals.length === 1) await new Promise<void>((resolve) => (release = resolve));
          return false;
        } finally {
          running--;
        }
      },
    });
    loop.start();
    await until(() => signals[0]?.aborted === true);
    expect(log.lines().some((line) => line.includes('did not finish within 150 ms'))).toBe(true);
    // Still stuck: no second round may start beside it.
    await new Promise((r) => setTimeout(r, 200));
    expect(signals).toHaveLength(1);
    release();
    await until(() => signals.length >= 3);
    expect(overlapped).toBe(false);
    await loop.stop();
  });

  it('stops at once even while a round hangs', async () => {
    const loop = new LeasedLoop({
      name: 'test.hung',
      store,
      clock: systemClock,
      logger: memoryLogger().logger,
      intervalMs: 20,
      round: () => new Promise<boolean>(() => undefined),
    });
    loop.start();
    await new Promise((r) => setTimeout(r, 100));
    const begun = Date.now();
    await loop.stop();
    expect(Date.now() - begun).toBeLessThan(1_000);
  });
});
