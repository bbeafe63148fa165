import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import type { CallEvent } from '../../../src/domain/callEvent.js';
import { buildDetails, type CallRecord, isMissed, mergeCall } from '../../../src/domain/callRecord.js';
import { DETAILS_CALLS_KEPT, emptyDetails } from '../../../src/domain/details.js';
import { normalizeAircallCall, normalizeAircallInsight } from '../../../src/providers/aircall/normalize.js';
import { aircallCallSchema, aircallInsightSchema } from '../../../src/providers/aircall/schema.js';
import { callEvent, fixtures, shuffled, T0 } from '../../integration/ingest/support.js';

const routing = parseRouting('lines: [{ name: Support FR, match: "*", country: FR }]', 'test');

function aircallEvents(folder: string): CallEvent[] {
  return fixtures('aircall', folder).flatMap(({ body }) => {
    const event = body.event as string;
    const timestamp = body.timestamp as number;
    if (event.startsWith('call.'))
      return [normalizeAircallCall(event, timestamp, aircallCallSchema.parse(body.data), routing)];
    const insight = normalizeAircallInsight(event, timestamp, aircallInsightSchema.parse(body.data));
    return insight ? [insight] : [];
  });
}

function fold(events: CallEvent[]): CallRecord {
  let record: CallRecord | null = null;
  for (const event of events) record = mergeCall(record, event);
  if (!record) throw new Error('no events');
  return record;
}

/** The record without its bookkeeping, which legitimately depends on arrival order. */
function facts(record: CallRecord) {
  const { events: _events, stamps: _stamps, ...rest } = record;
  return rest;
}

describe('mergeCall', () => {
  describe.each(['missed-call', 'answered-call', 'voicemail', 'callback-request'])(
    'the %s sequence',
    (folder) => {
      it('merges to the same call whatever the delivery order', () => {
        const events = aircallEvents(folder).filter(
          (e) => e.providerCallId === aircallEvents(folder)[0]?.providerCallId,
        );
        const inOrder = facts(fold(events));
        for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
          expect(facts(fold(shuffled([...events, ...events], seed)))).toEqual(inOrder);
        }
      });
    },
  );

  it('decides the miss only once the call has ended', () => {
    const events = aircallEvents('missed-call');
    expect(isMissed(fold(events.slice(0, 5)))).toBe(false); // up to call.hungup: data not final yet
    expect(isMissed(fold(events))).toBe(true);
  });

  it('never misses a call that any delivery saw answered', () => {
    const answered = callEvent({ answered: true, ended: false, occurredAt: T0 });
    const endedLate = callEvent({ answered: false, ended: true, occurredAt: T0 - 1 });
    expect(mergeCall(mergeCall(null, endedLate), answered).answered).toBe(true);
    expect(mergeCall(mergeCall(null, answered), endedLate).answered).toBe(true);
  });

  it('keeps the strongest result of each leg', () => {
    const ringing = callEvent({
      legs: [{ agentName: 'Ben', agentEmail: null, result: 'ringing', at: T0 + 1000 }],
    });
    const declined = callEvent({
      legs: [{ agentName: 'Ben', agentEmail: null, result: 'declined', at: T0 + 5000 }],
    });
    expect(mergeCall(mergeCall(null, declined), ringing).legs).toEqual([
      { agentName: 'Ben', agentEmail: null, result: 'declined', at: T0 + 1000 },
    ]);
  });

  it('keeps the direction of the call when a transcript arrives first', () => {
    const transcript = callEvent({
      direction: 'inbound',
      startedAt: null,
      transcript: 'hi',
      occurredAt: T0 + 9000,
    });
    const outbound = callEvent({ direction: 'outbound', occurredAt: T0 });
    expect(mergeCall(mergeCall(null, transcript), outbound).direction).toBe('outbound');
  });
});

describe('buildDetails', () => {
  it('describes the calls of an episode for the card', () => {
    const record = fold(aircallEvents('voicemail'));
    const details = buildDetails(
      emptyDetails(),
      [{ key: 'aircall:1873200303', record }],
      routing.lines[0] ?? null,
    );
    expect(details).toMatchObject({
      lineNumber: '01 76 36 06 95',
      callerCountry: 'GB',
      calls: [{ key: 'aircall:1873200303', reason: 'agents_did_not_answer', waitedSeconds: 95 }],
      rang: ['Ana Lopez'],
      voicemail: { url: 'https://assets.aircall.io/calls/1873200303/voicemail' },
      summary: 'Tom from Acme reports that order 4411 never arrived and asks for a call back.',
    });
    expect(details.transcript).toBe(
      'Caller: Hi, this is Tom from Acme, my order 4411 never arrived.\nCaller: Please call me back on this number. Thanks.',
    );
  });

  it('keeps what others wrote (the Zendesk requester)', () => {
    const previous = { ...emptyDetails(), requester: { id: 7, name: 'Marie Dupont' } };
    const details = buildDetails(previous, [{ key: 'k', record: fold([callEvent()]) }], null);
    expect(details.requester).toEqual({ id: 7, name: 'Marie Dupont' });
  });

  it('lists only the newest calls of an episode that keeps ringing, oldest of them first', () => {
    const calls = Array.from({ length: DETAILS_CALLS_KEPT + 20 }, (_, i) => ({
      key: `k${i}`,
      record: fold([
        callEvent({ providerCallId: `c${i}`, startedAt: T0 + i * 60_000, endedAt: T0 + i * 60_000 + 5_000 }),
      ]),
    }));
    const details = buildDetails(emptyDetails(), shuffled(calls, 7), null);
    expect(details.calls).toHaveLength(DETAILS_CALLS_KEPT);
    expect(details.calls[0]?.key).toBe('k20');
    expect(details.calls.at(-1)?.key).toBe(`k${DETAILS_CALLS_KEPT + 19}`);
  });

  it('flags a call missed outside opening hours', () => {
    const record = fold([callEvent({ missedReason: 'out_of_opening_hours' })]);
    expect(buildDetails(emptyDetails(), [{ key: 'k', record }], null).outOfHours).toBe(true);
  });
});
