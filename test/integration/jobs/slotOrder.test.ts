/**
 * A job taken while its vendor's slots were all busy never ran: it goes back due when it was, so the jobs of
 * its queue key still run oldest first. Sent back 40–80 ms later, it let the next thread line of the card go
 * first.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';

const kinds = await databaseKinds();

describe.each(kinds)('a vendor with every slot busy on $name', (kind) => {
  const { store: storeOf } = useStore(kind);

  it('keeps the thread lines of one key in order', async () => {
    const store = storeOf();
    const runner = new JobRunner({
      store,
      clock: systemClock,
      logger: memoryLogger().logger,
      metrics: new Metrics({ defaultMetrics: false }),
      concurrency: 8,
      vendorSlots: 1,
      pollIntervalMs: 5,
    });
    const sent: string[] = [];
    runner.register('slack.message', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      sent.push('message');
    });
    runner.register('slack.thread_post', async (payload) => {
      sent.push((payload as { line: string }).line);
    });
    const now = Date.now();
    const key = 'slack.thread:E1:C1';
    await store.enqueue(
      [
        { kind: 'slack.message', payload: {}, runAt: now - 10 },
        { kind: 'slack.thread_post', payload: { line: 'line 1' }, queueKey: key, runAt: now - 5 },
        { kind: 'slack.thread_post', payload: { line: 'line 2' }, queueKey: key, runAt: now - 4 },
      ],
      now,
    );
    runner.start();
    try {
      await expect.poll(() => sent.length, { timeout: 5_000, interval: 5 }).toBe(3);
    } finally {
      await runner.stop();
    }
    expect(sent).toEqual(['message', 'line 1', 'line 2']);
    const jobs = await store.jobs.list({});
    expect(jobs).toEqual([]);
  });
});
