/**
 * Group commit (src/store/turnBatch.ts): what is added in one turn is flushed together, each caller gets its
 * own answer, and no more flushes run at once than allowed (one on SQLite; more on PostgreSQL's batches).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { flushUrgentBatches, TurnBatch } from '../../../src/store/turnBatch.js';

/** A flush that records its batches and finishes only when told to. */
function heldFlush() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const flush = async (items: number[]) => {
    batches.push(items);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise<void>((resolve) => releases.push(resolve));
    running--;
    return items.map((n) => n * 10);
  };
  return {
    flush,
    batches,
    mostAtOnce: () => mostAtOnce,
    /** Lets every flush finish as it comes, until all these answers are in. */
    async releaseUntil(...answers: Promise<unknown>[]) {
      let settled = false;
      void Promise.allSettled(answers).then(() => {
        settled = true;
      });
      while (!settled) {
        await nextTurn();
        for (const release of releases.splice(0)) release();
      }
    },
  };
}

describe('TurnBatch', () => {
  it('flushes what one turn added together and answers each caller with its own item', async () => {
    const held = heldFlush();
    const batch = new TurnBatch(held.flush);
    const answers = Promise.all([1, 2, 3].map((n) => batch.add(n)));
    await held.releaseUntil(answers);

    expect(await answers).toEqual([10, 20, 30]);
    expect(held.batches).toEqual([[1, 2, 3]]);
  });

  it('runs one flush at a time by default: what came meanwhile waits, then goes together', async () => {
    const held = heldFlush();
    const batch = new TurnBatch(held.flush, 2);
    const first = Promise.all([1, 2, 3].map((n) => batch.add(n)));
    await nextTurn();
    const later = Promise.all([4, 5].map((n) => batch.add(n)));
    await held.releaseUntil(first, later);

    expect([...(await first), ...(await later)]).toEqual([10, 20, 30, 40, 50]);
    expect(held.batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(held.mostAtOnce()).toBe(1);
  });

  it('runs as many flushes at once as allowed, each at most maxItems', async () => {
    const held = heldFlush();
    const batch = new TurnBatch(held.flush, 2, 3);
    const answers = Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => batch.add(n)));
    await held.releaseUntil(answers);

    expect(await answers).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(held.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(held.mostAtOnce()).toBe(3);
  });

  it('rejects the callers of a failed flush only, and goes on with the next', async () => {
    let calls = 0;
    const batch = new TurnBatch(async (items: number[]) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return items;
    }, 1);
    const settled = await Promise.allSettled([batch.add(1), batch.add(2)]);

    expect(settled[0]).toMatchObject({ status: 'rejected', reason: new Error('disk full') });
    expect(settled[1]).toEqual({ status: 'fulfilled', value: 2 });
  });
  it('flushes an urgent batch before the work of a batch scheduled earlier in the same turn', async () => {
    const order: string[] = [];
    const jobs = new TurnBatch(async (items: string[]) => {
      order.push(`jobs ${items.join(',')}`);
      return items;
    });
    const deliveries = new TurnBatch(
      async (items: string[]) => {
        order.push(`deliveries ${items.join(',')}`);
        return items;
      },
      undefined,
      undefined,
      { urgent: true },
    );
    // The jobs' flush was scheduled first: its setImmediate runs first.
    const ingested = jobs.add('ingest');
    const answered = deliveries.add('webhook');
    await Promise.all([ingested, answered]);

    expect(order).toEqual(['deliveries webhook', 'jobs ingest']);
  });

  it('flushes waiting urgent batches when the job runner asks, before the end of the turn, once', async () => {
    const flushed: string[][] = [];
    const deliveries = new TurnBatch(
      async (items: string[]) => {
        flushed.push(items);
        return items;
      },
      undefined,
      undefined,
      { urgent: true },
    );
    const answered = deliveries.add('webhook');
    flushUrgentBatches();
    expect(flushed).toEqual([['webhook']]);
    await answered;
    // Nothing waits any more: its own end-of-turn flush and another call write nothing twice.
    flushUrgentBatches();
    await nextTurn();
    expect(flushed).toEqual([['webhook']]);
  });
});
