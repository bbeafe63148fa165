import { describe, expect, it } from 'vitest';
import { WindowPacer } from '../../../src/chat/pacing.js';
import { TEAMS_CONVERSATION_LIMITS, TEAMS_PACING_MARGIN_MS } from '../../../src/surfaces/teams/surface.js';

/** Teams' limit table in the shared pacer. */
class ConversationPacer extends WindowPacer {
  constructor(limits = TEAMS_CONVERSATION_LIMITS, marginMs = TEAMS_PACING_MARGIN_MS) {
    super(limits, marginMs);
  }

  nextSlot(key: string, now: number): number {
    const slot = this.book(key, now);
    this.cancel(key, slot);
    return slot;
  }

  record(key: string, at: number): void {
    this.sendAt(key, at, at);
  }
}

/** Books `count` sends at `now` the way the sender does, returning the slot times. */
function book(pacer: ConversationPacer, key: string, count: number, now = 0): number[] {
  const slots: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = pacer.nextSlot(key, now);
    pacer.record(key, at);
    slots.push(at);
  }
  return slots;
}

/** The most sends of `slots` inside any window of `windowMs`. */
function densest(slots: number[], windowMs: number): number {
  return Math.max(...slots.map((start) => slots.filter((t) => t >= start && t < start + windowMs).length));
}

describe('the conversation pacer', () => {
  it('sends a short burst at once', () => {
    expect(book(new ConversationPacer(TEAMS_CONVERSATION_LIMITS, 0), 'c', 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps a long burst within every Teams window, with the margin', () => {
    const slots = book(new ConversationPacer(), 'c', 200);
    for (const { windowMs, max } of TEAMS_CONVERSATION_LIMITS) {
      expect(densest(slots, windowMs + 250)).toBeLessThanOrEqual(max);
    }
  });

  it('paces each conversation on its own', () => {
    const pacer = new ConversationPacer(TEAMS_CONVERSATION_LIMITS, 0);
    book(pacer, 'a', 8);
    expect(pacer.nextSlot('b', 0)).toBe(0);
    expect(pacer.nextSlot('a', 0)).toBeGreaterThanOrEqual(1_000);
  });

  describe('after a 429', () => {
    it('sends nothing to that conversation before Retry-After has passed', () => {
      const pacer = new ConversationPacer(TEAMS_CONVERSATION_LIMITS, 0);
      pacer.pauseUntil('c', 3_000);
      expect(pacer.nextSlot('c', 1_000)).toBe(3_000);
      expect(pacer.nextSlot('c', 4_000)).toBe(4_000);
    });
  });
});
