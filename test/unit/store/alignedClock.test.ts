import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { CLOCK_ALIGN_MIN_MS, DatabaseAlignedClock } from '../../../src/store/alignedClock.js';
import type { Store } from '../../../src/store/store.js';

const T = Date.UTC(2026, 11, 7, 9, 0);
const serverAt = (now: number | null) => ({ databaseNow: async () => now }) as unknown as Store;

describe('a replica clock that follows the database’s', () => {
  it('measures how far ahead the local clock is and runs on the database’s time once told to follow', async () => {
    const clock = new DatabaseAlignedClock(new ManualClock(T + 4_000));
    const gap = await clock.measureGap(serverAt(T));
    expect(gap).toBe(4_000);
    clock.follow(gap as number);
    expect(clock.now()).toBe(T);
  });

  it('does not step for a gap within measurement noise', async () => {
    const clock = new DatabaseAlignedClock(new ManualClock(T + CLOCK_ALIGN_MIN_MS));
    clock.follow((await clock.measureGap(serverAt(T))) as number);
    expect(clock.now()).toBe(T + CLOCK_ALIGN_MIN_MS);
  });

  it('goes back to the local clock once the host’s clock is fixed', async () => {
    const local = new ManualClock(T - 3_000);
    const clock = new DatabaseAlignedClock(local);
    clock.follow((await clock.measureGap(serverAt(T))) as number);
    expect(clock.now()).toBe(T);
    local.set(T + 60_000);
    clock.follow((await clock.measureGap(serverAt(T + 60_000))) as number);
    expect(clock.offsetMs).toBe(0);
  });

  it('has nothing to measure on SQLite', async () => {
    const clock = new DatabaseAlignedClock(new ManualClock(T));
    expect(await clock.measureGap(serverAt(null))).toBeNull();
    expect(clock.now()).toBe(T);
  });
});
