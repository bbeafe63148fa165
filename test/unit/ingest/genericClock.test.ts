import { describe, expect, it } from 'vitest';
import { mergeCall } from '../../../src/domain/callRecord.js';
import { normalizeGenericCall, SENDER_CLOCK_ALLOWANCE_MS } from '../../../src/providers/generic/normalize.js';
import { genericCallSchema } from '../../../src/providers/generic/schema.js';
import { fixture, testRouting } from '../../integration/ingest/support.js';

const routing = testRouting();
/** When Ringback received the delivery: 41 s after the fixture's call ended. */
const RECEIVED = Date.parse('2026-11-20T17:06:22Z');
const MINUTE = 60_000;

const normalized = (overrides: Record<string, unknown>, receivedAt = RECEIVED) => {
  const aheads: number[] = [];
  const call = genericCallSchema.parse({ ...fixture('generic', 'twilio-missed.json').body, ...overrides });
  const event = normalizeGenericCall(call, receivedAt, routing, undefined, (ms) => aheads.push(ms));
  return { event, aheads };
};

describe('a generic delivery dated after Ringback received it (a sender with a wrong clock)', () => {
  it('takes times a few minutes ahead as they are: clocks drift, and the allowance covers it', () => {
    const { event, aheads } = normalized({
      startedAt: '2026-11-20T17:10:00Z',
      endedAt: '2026-11-20T17:10:41Z',
    });
    expect(event.startedAt).toBe(Date.parse('2026-11-20T17:10:00Z'));
    expect(event.endedAt).toBe(Date.parse('2026-11-20T17:10:41Z'));
    expect(aheads).toEqual([]);
  });

  it('brings a call dated in 2099 back to when it was received, and says by how much it was ahead', () => {
    const { event, aheads } = normalized({
      startedAt: '2099-01-01T00:00:00Z',
      endedAt: '2099-01-01T00:00:41Z',
      legs: [{ agent: 'Ana Lopez', result: 'missed', at: '2099-01-01T00:00:04Z' }],
      occurredAt: '2099-01-01T00:00:41Z',
    });
    expect(event).toMatchObject({
      ended: true,
      answered: false,
      startedAt: RECEIVED,
      endedAt: RECEIVED,
      // It only orders this sender's updates of the call against each other (see the next test).
      occurredAt: Date.parse('2099-01-01T00:00:41Z'),
      legs: [{ agentName: 'Ana Lopez', at: RECEIVED }],
    });
    expect(aheads).toEqual([Date.parse('2099-01-01T00:00:41Z') - RECEIVED]);
  });

  it('lets the later update of a call win when only one of two from a clock 6 minutes fast was received promptly', () => {
    const T0 = Date.parse('2026-11-20T17:00:00Z');
    const iso = (t: number) => new Date(t).toISOString();
    // Built at T0 (the sender's clock says T0 + 6 min), retried, received at T0 + 2 min: 4 min ahead, kept.
    const first = normalized(
      {
        startedAt: iso(T0 + 5 * MINUTE),
        endedAt: iso(T0 + 6 * MINUTE),
        occurredAt: iso(T0 + 6 * MINUTE),
        missedReason: 'no-answer',
      },
      T0 + 2 * MINUTE,
    );
    // Built a minute later, received at once: 6 min ahead, so its call times are capped at its receipt.
    const second = normalized(
      {
        startedAt: iso(T0 + 5 * MINUTE),
        endedAt: iso(T0 + 7 * MINUTE),
        occurredAt: iso(T0 + 7 * MINUTE),
        missedReason: 'abandoned_in_queue',
      },
      T0 + MINUTE,
    );
    expect(second.aheads).toHaveLength(1);
    const merged = mergeCall(mergeCall(null, first.event), second.event);
    expect(merged.missedReason).toBe('abandoned_in_queue');
    expect(merged.endedAt).toBe(T0 + MINUTE);
  });

  it('keeps the order of the times when only some were ahead: no call ends before it started', () => {
    const { event, aheads } = normalized({
      provider: 'ringcentral',
      answered: true,
      // Within the allowance on its own, but the delivery's clock is wrong: every time after the receipt goes.
      startedAt: new Date(RECEIVED + 3 * MINUTE).toISOString(),
      answeredAt: new Date(RECEIVED + 4 * MINUTE).toISOString(),
      endedAt: '2099-01-01T00:00:00Z',
    });
    expect(aheads).toHaveLength(1);
    expect(event.startedAt).toBe(RECEIVED);
    expect(event.answeredAt).toBe(RECEIVED);
    expect(event.endedAt).toBe(RECEIVED);
  });

  it('leaves the times already past when it brings the others back', () => {
    const { event } = normalized({
      startedAt: '2026-11-20T17:05:00Z',
      endedAt: new Date(RECEIVED + SENDER_CLOCK_ALLOWANCE_MS + 1).toISOString(),
    });
    expect(event.startedAt).toBe(Date.parse('2026-11-20T17:05:00Z'));
    expect(event.endedAt).toBe(RECEIVED);
    expect(event.legs.map((leg) => leg.at)).toEqual([
      Date.parse('2026-11-20T17:05:04Z'),
      Date.parse('2026-11-20T17:05:20Z'),
    ]);
  });

  it('counts from the receipt stored with the delivery, so a retry of its job gives the same times', () => {
    const overrides = { startedAt: '2099-01-01T00:00:00Z', endedAt: '2099-01-01T00:00:41Z' };
    expect(normalized(overrides).event).toEqual(normalized(overrides).event);
  });

  it('ignores an answeredAt of a call that was not answered', () => {
    const { event, aheads } = normalized({ answeredAt: '2099-01-01T00:00:00Z' });
    expect(aheads).toEqual([]);
    expect(event.startedAt).toBe(Date.parse('2026-11-20T17:05:00Z'));
    expect(event.answeredAt).toBeNull();
  });

  it('keeps times long past as they are (a delivery may come late, or a sender send its backlog)', () => {
    const { event, aheads } = normalized({
      startedAt: '1970-01-01T00:00:00Z',
      endedAt: '1970-01-01T00:00:41Z',
    });
    expect(aheads).toEqual([]);
    expect(event.startedAt).toBe(0);
  });
});
