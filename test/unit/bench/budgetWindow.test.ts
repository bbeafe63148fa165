import { describe, expect, it } from 'vitest';
import { mostInAnyWindow } from '../../bench/scenarios/budget.js';

describe('the busiest sliding window of the budget bench', () => {
  it('counts the most times within any window, wherever it starts', () => {
    expect(mostInAnyWindow([0, 10, 20, 59_999, 60_000, 60_010, 119_000], 60_000)).toBe(4);
    expect(mostInAnyWindow([0, 60_000, 120_000], 60_000)).toBe(1);
    expect(mostInAnyWindow([], 60_000)).toBe(0);
  });
});
