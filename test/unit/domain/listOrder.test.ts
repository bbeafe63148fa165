import { describe, expect, it } from 'vitest';
import { workListOrder } from '../../../src/domain/listOrder.js';
import type { Episode } from '../../../src/domain/types.js';

type Ranked = Pick<Episode, 'id' | 'priority' | 'callbackRequested' | 'missedAt' | 'state'>;

function call(id: string, missedAt: number, extra: Partial<Ranked> = {}): Ranked {
  return { id, missedAt, priority: 'normal', callbackRequested: false, state: 'open', ...extra };
}

describe('the work list order', () => {
  it('puts high priority first, then callback requests, then the oldest', () => {
    const calls = [
      call('plain-old', 1_000),
      call('plain-new', 9_000),
      call('callback-new', 8_000, { callbackRequested: true }),
      call('high-new', 7_000, { priority: 'high' }),
      call('callback-old', 2_000, { callbackRequested: true }),
      call('high-old', 3_000, { priority: 'high', callbackRequested: true }),
    ];
    expect([...calls].sort(workListOrder).map((c) => c.id)).toEqual([
      'high-old',
      'high-new',
      'callback-old',
      'callback-new',
      'plain-old',
      'plain-new',
    ]);
  });

  it('puts resolved calls last whatever their priority', () => {
    const calls = [call('done-high', 1, { priority: 'high', state: 'resolved' }), call('open', 5)];
    expect([...calls].sort(workListOrder).map((c) => c.id)).toEqual(['open', 'done-high']);
  });

  it('breaks a tie of rank and time by id so the order is stable across replicas', () => {
    const calls = [call('b', 5), call('a', 5)];
    expect([...calls].sort(workListOrder).map((c) => c.id)).toEqual(['a', 'b']);
  });
});
