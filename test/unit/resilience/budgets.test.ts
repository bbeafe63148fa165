import { describe, expect, it } from 'vitest';
import {
  LocalBudget,
  localBudgets,
  pointsPerWindow,
  WINDOWS_PER_MINUTE,
} from '../../../src/resilience/budgets.js';

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('a budget shared through fixed windows', () => {
  it('never lets a sliding minute hold more than the limit, whatever the limit', () => {
    for (let perMinute = 1; perMinute <= 2_000; perMinute++) {
      const worstMinute = pointsPerWindow(perMinute) * (WINDOWS_PER_MINUTE + 1);
      // A limit below the number of windows still allows one request per window: the smallest useful budget.
      if (perMinute >= WINDOWS_PER_MINUTE + 1) expect(worstMinute).toBeLessThanOrEqual(perMinute);
    }
  });

  it('keeps most of the limit for steady traffic (4/5 of a 700-a-minute Zendesk plan)', () => {
    expect(pointsPerWindow(700) * WINDOWS_PER_MINUTE).toBe(560);
  });
});

describe('the in-process budget (SQLite, one process)', () => {
  it('grants the limit within a minute, then says when the oldest request leaves the window', async () => {
    const clock = manualClock();
    const budget = new LocalBudget(clock, 3);
    expect(await budget.take()).toBe(0);
    clock.advance(10_000);
    expect(await budget.take()).toBe(0);
    expect(await budget.take()).toBe(0);
    expect(await budget.take()).toBe(50_000);
    clock.advance(50_000);
    expect(await budget.take()).toBe(0);
  });

  it('holds every request back while the vendor asked to wait', async () => {
    const clock = manualClock();
    const budget = new LocalBudget(clock, 100);
    await budget.pause(5_000);
    expect(await budget.take()).toBe(5_000);
    clock.advance(5_000);
    expect(await budget.take()).toBe(0);
  });

  it('keeps the later end when a shorter pause follows a longer one', async () => {
    const clock = manualClock();
    const budget = new LocalBudget(clock, 100);
    await budget.pause(60_000);
    await budget.pause(2_000);
    expect(await budget.take()).toBe(60_000);
  });

  it('gives the same budget to every client that names it', async () => {
    const clock = manualClock();
    const source = localBudgets(clock);
    const a = source.budget('zendesk:acme', 2);
    const b = source.budget('zendesk:acme', 2);
    expect([await a.take(), await b.take()]).toEqual([0, 0]);
    expect(await a.take()).toBeGreaterThan(0);
    expect(await source.budget('zendesk:other', 2).take()).toBe(0);
  });
});
