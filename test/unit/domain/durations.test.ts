import { describe, expect, it } from 'vitest';
import { Durations, TimedDurations } from '../../../src/domain/durations.js';
import { percentile } from '../../../src/domain/summary.js';

describe('Durations', () => {
  it('sorts by number, not as text', () => {
    const durations = new Durations();
    for (const ms of [90_000, 100_000, 9_000, 1_000_000]) durations.push(ms);
    expect([...durations.sorted()]).toEqual([9_000, 90_000, 100_000, 1_000_000]);
  });

  it('keeps every value across many blocks, in order', () => {
    const durations = new Durations();
    const values = Array.from({ length: 100_000 }, (_, i) => (i * 7_919) % 100_003);
    for (const ms of values) durations.push(ms);
    const sorted = durations.sorted();
    expect(durations.count).toBe(100_000);
    const byNumber = [...values].sort((a, b) => a - b);
    expect([...sorted]).toEqual(byNumber);
    expect(percentile(sorted, 90)).toBe(percentile(byNumber, 90));
  });

  it('has nothing to sort when empty, and no percentile', () => {
    const durations = new Durations();
    expect(durations.count).toBe(0);
    expect(percentile(durations.sorted(), 90)).toBeNull();
  });

  it('leaves its values as they are when sorted, so figures can be read twice', () => {
    const durations = new Durations();
    for (const ms of [3, 1, 2]) durations.push(ms);
    durations.sorted();
    durations.push(0);
    expect([...durations.sorted()]).toEqual([0, 1, 2, 3]);
  });
});

describe('TimedDurations', () => {
  it('reads business time as wall-clock time while every pair is the same', () => {
    const timed = new TimedDurations();
    timed.push(60_000, 60_000);
    timed.push(120_000, 120_000);
    expect(timed.business).toBe(timed.wallClock);
    expect([...timed.business.sorted()]).toEqual([60_000, 120_000]);
  });

  it('keeps the two apart from the first pair that differs, with the pairs before it', () => {
    const timed = new TimedDurations();
    timed.push(60_000, 60_000);
    timed.push(3_600_000, 0); // missed after hours, claimed before opening
    timed.push(120_000, 120_000);
    expect([...timed.wallClock.sorted()]).toEqual([60_000, 120_000, 3_600_000]);
    expect([...timed.business.sorted()]).toEqual([0, 60_000, 120_000]);
  });
});
