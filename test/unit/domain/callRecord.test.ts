import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import type { CallEvent, CallLeg } from '../../../src/domain/callEvent.js';
import {
  answersEpisode,
  answersLinkedEpisode,
  autoResolveBy,
  buildDetails,
  type CallRecord,
  callEndOf,
  callerNameOf,
  callKey,
  changedFields,
  isMissed,
  judgeUnansweredCall,
  mergeCall,
  openingEpisode,
  surfaceOf,
  withCallerNumber,
} from '../../../src/domain/callRecord.js';
import { emptyDetails } from '../../../src/domain/details.js';
import { normalizeAircallCall } from '../../../src/providers/aircall/normalize.js';
import { aircallCallSchema } from '../../../src/providers/aircall/schema.js';
import { callEvent, fixtures, shuffled, T0 } from '../../integration/ingest/support.js';

const routing = parseRouting(
  'lines: [{ name: Support FR, match: "*", country: FR, ignore: [short_abandoned] }]',
  'test',
);
const supportFr = routing.lines[0] ?? null;

function fold(events: readonly CallEvent[]): CallRecord {
  let record: CallRecord | null = null;
  for (const event of events) record = mergeCall(record, event);
  if (!record) throw new Error('no events');
  return record;
}

/** The record without its bookkeeping (event names, field stamps), which follows the arrival order. */
function facts(record: CallRecord) {
  const { events: _events, stamps: _stamps, ...rest } = record;
  return rest;
}

/** Every ordering of `items` (Heap's algorithm): 720 for six deliveries. */
function permutations<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  const a = [...items];
  const c = new Array<number>(a.length).fill(0);
  out.push([...a]);
  for (let i = 1; i < a.length; ) {
    if ((c[i] ?? 0) < i) {
      const j = i % 2 === 0 ? 0 : (c[i] ?? 0);
      [a[i], a[j]] = [a[j] as T, a[i] as T];
      out.push([...a]);
      c[i] = (c[i] ?? 0) + 1;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

const leg = (
  agentName: string,
  result: CallLeg['result'],
  at: number | null,
  agentEmail: string | null = null,
) => ({
  agentName,
  agentEmail,
  result,
  at,
});

/** One missed call as a provider delivers it: rings two agents, Ben declines, a voicemail, then enrichments. */
const missedCallDeliveries: CallEvent[] = [
  callEvent({
    eventName: 'created',
    ended: false,
    answered: null,
    endedAt: null,
    missedReason: null,
    occurredAt: T0,
  }),
  callEvent({
    eventName: 'ringing',
    ended: false,
    answered: null,
    endedAt: null,
    missedReason: null,
    legs: [leg('Ana Lopez', 'ringing', T0 + 1_000, 'ana@example.com')],
    occurredAt: T0 + 1_000,
  }),
  callEvent({
    eventName: 'ringing',
    ended: false,
    answered: null,
    endedAt: null,
    missedReason: null,
    legs: [leg('Ben Ode', 'ringing', T0 + 1_000)],
    occurredAt: T0 + 1_001,
  }),
  callEvent({
    eventName: 'declined',
    ended: false,
    answered: null,
    endedAt: null,
    missedReason: null,
    startedAt: T0 + 2_000, // a provider's own rounding of the start: the earliest must win
    legs: [leg('Ben Ode', 'declined', T0 + 4_000)],
    occurredAt: T0 + 4_000,
  }),
  callEvent({
    eventName: 'ended',
    legs: [leg('Ana Lopez', 'missed', T0 + 20_000, 'ana@example.com')],
    voicemail: { url: 'https://voicemail.example/1', durationSeconds: 12 },
    occurredAt: T0 + 30_000,
  }),
  callEvent({
    eventName: 'transcript',
    direction: 'outbound', // an enrichment guesses the direction: it must not win
    ended: false,
    answered: null,
    startedAt: null,
    endedAt: null,
    missedReason: null,
    externalNumber: null,
    externalNumberRaw: null,
    line: {},
    transcript: 'Please call me back.',
    occurredAt: T0 + 90_000,
  }),
];

function aircallCallEvents(folder: string): CallEvent[] {
  return fixtures('aircall', folder)
    .filter(({ body }) => (body.event as string).startsWith('call.'))
    .map(({ body }) =>
      normalizeAircallCall(
        body.event as string,
        body.timestamp as number,
        aircallCallSchema.parse(body.data),
        routing,
      ),
    );
}

describe('mergeCall converges whatever the delivery order', () => {
  const expected = facts(fold(missedCallDeliveries));

  it('gives the same call for every one of the 720 orders of six deliveries', () => {
    const orders = permutations(missedCallDeliveries);
    expect(orders).toHaveLength(720);
    const differing = orders.filter(
      (order) => JSON.stringify(facts(fold(order))) !== JSON.stringify(expected),
    );
    expect(differing).toEqual([]);
  });

  it('gives the same call when every delivery also comes twice, in shuffled orders', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(facts(fold(shuffled([...missedCallDeliveries, ...missedCallDeliveries], seed)))).toEqual(
        expected,
      );
    }
  });

  it('merges the deliveries into the call they describe', () => {
    expect(expected).toMatchObject({
      direction: 'inbound',
      ended: true,
      answered: false,
      startedAt: T0,
      endedAt: T0 + 30_000,
      missedReason: 'agents_did_not_answer',
      voicemail: { url: 'https://voicemail.example/1', durationSeconds: 12 },
      transcript: 'Please call me back.',
      externalNumber: '+33612345678',
      line: { aircallNumber: '+33 1 76 36 06 95' },
      occurredAt: T0 + 90_000,
    });
  });

  it('converges on the recorded Aircall missed call (every order of its call.* webhooks)', () => {
    const events = aircallCallEvents('missed-call');
    const inOrder = facts(fold(events));
    for (const order of permutations(events)) expect(facts(fold(order))).toEqual(inOrder);
    expect(isMissed(fold(events))).toBe(true);
  });

  it('keeps each event name once, in arrival order, for the logs', () => {
    const [created, ringing, , , ended] = missedCallDeliveries as [
      CallEvent,
      CallEvent,
      CallEvent,
      CallEvent,
      CallEvent,
    ];
    expect(fold([ended, created, ringing, created]).events).toEqual(['ended', 'created', 'ringing']);
  });
});

describe('mergeCall field by field', () => {
  it('keeps the earliest start and answer time, from whichever delivery had it', () => {
    const early = callEvent({ startedAt: T0, answeredAt: T0 + 5_000, occurredAt: T0 + 60_000 });
    const late = callEvent({ startedAt: T0 + 2_000, answeredAt: T0 + 7_000, occurredAt: T0 + 90_000 });
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      expect(fold(order)).toMatchObject({ startedAt: T0, answeredAt: T0 + 5_000 });
    }
  });

  it('takes conflicting values from the delivery that happened last, not the one that arrived last', () => {
    const first = callEvent({ externalName: 'Old name', missedReason: 'abandoned_in_queue', occurredAt: T0 });
    const second = callEvent({
      externalName: 'Marie Dupont',
      missedReason: 'no_available_agent',
      occurredAt: T0 + 1,
    });
    for (const order of [
      [first, second],
      [second, first],
    ]) {
      expect(fold(order)).toMatchObject({ externalName: 'Marie Dupont', missedReason: 'no_available_agent' });
    }
  });

  it('ends in the same value whatever the order when two deliveries of one instant disagree', () => {
    const a = callEvent({ externalName: 'Marie Dupont', occurredAt: T0 });
    const b = callEvent({ externalName: 'M. Dupont (VIP)', occurredAt: T0 });
    expect(fold([a, b]).externalName).toBe(fold([b, a]).externalName);
  });

  it('takes the number to call back from the delivery that happened last, not the one that arrived last', () => {
    const callback = (number: string) => ({
      requested: true,
      number,
      source: 'generic' as const,
      done: false,
      automaticCallbackOf: null,
    });
    const older = callEvent({ occurredAt: T0 + 30_000, callback: callback('+33611111111') });
    const newer = callEvent({ occurredAt: T0 + 90_000, callback: callback('+33622222222') });
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      expect(fold(order).callback).toMatchObject({ requested: true, number: '+33622222222' });
    }
  });

  it('never forgets a value because a later delivery lacks it', () => {
    const withName = callEvent({ externalName: 'Marie Dupont', zendeskTicketId: 42, occurredAt: T0 });
    const without = callEvent({ externalName: null, zendeskTicketId: null, occurredAt: T0 + 10 });
    expect(fold([withName, without])).toMatchObject({ externalName: 'Marie Dupont', zendeskTicketId: 42 });
  });

  it('lets `answered` and `ended` only ever become true', () => {
    const answered = callEvent({ answered: true, ended: true, occurredAt: T0 });
    const unanswered = callEvent({ answered: false, ended: false, occurredAt: T0 + 1_000 });
    expect(fold([answered, unanswered])).toMatchObject({ answered: true, ended: true });
    expect(fold([callEvent({ answered: null }), callEvent({ answered: null })]).answered).toBeNull();
  });

  it('merges the line keys of every delivery', () => {
    const aircall = callEvent({ line: { aircallNumber: '+33 1 76 36 06 95' } });
    const zendesk = callEvent({ line: { zendeskPhoneNumberId: '360' }, occurredAt: T0 + 60_000 });
    expect(fold([zendesk, aircall]).line).toEqual({
      aircallNumber: '+33 1 76 36 06 95',
      zendeskPhoneNumberId: '360',
    });
  });
});

describe('mergeCall legs', () => {
  it('keeps the strongest result of each agent: ringing < missed < declined < answered', () => {
    const results: CallLeg['result'][] = ['ringing', 'missed', 'declined', 'answered'];
    for (const [weaker, stronger] of [
      [0, 1],
      [1, 2],
      [2, 3],
      [0, 3],
    ] as const) {
      const a = callEvent({ legs: [leg('Ana', results[weaker] as CallLeg['result'], T0)] });
      const b = callEvent({ legs: [leg('Ana', results[stronger] as CallLeg['result'], T0)] });
      expect(fold([a, b]).legs.map((l) => l.result)).toEqual([results[stronger]]);
      expect(fold([b, a]).legs.map((l) => l.result)).toEqual([results[stronger]]);
    }
  });

  it('keeps the first time the agent rang, matching agents by email, else by name, in any case', () => {
    const ringing = callEvent({ legs: [leg('Ana', 'ringing', T0 + 1_000, 'ana@example.com')] });
    const byEmail = callEvent({ legs: [leg('Ana L.', 'declined', T0 + 5_000, 'ANA@example.com')] });
    expect(fold([byEmail, ringing]).legs).toEqual([leg('Ana L.', 'declined', T0 + 1_000, 'ANA@example.com')]);
    const benRinging = callEvent({ legs: [leg('Ben', 'ringing', T0 + 2_000)] });
    const benMissed = callEvent({ legs: [leg('ben', 'missed', T0 + 9_000)] });
    expect(fold([benMissed, benRinging]).legs).toEqual([leg('ben', 'missed', T0 + 2_000)]);
  });

  it('orders agents by ring time, agents rung together by name, unknown times last', () => {
    const event = callEvent({
      legs: [
        leg('Zoe', 'missed', null),
        leg('Ben', 'missed', T0 + 2_000),
        leg('Chloé', 'missed', T0),
        leg('Ana', 'missed', T0 + 2_000),
      ],
    });
    expect(mergeCall(null, event).legs.map((l) => l.agentName)).toEqual(['Chloé', 'Ana', 'Ben', 'Zoe']);
  });
});

describe('the direction of a call', () => {
  it('comes from the deliveries that know when the call started, not from enrichments', () => {
    const transcript = callEvent({
      direction: 'outbound',
      startedAt: null,
      transcript: 'hi',
      occurredAt: T0 + 9_000,
    });
    const call = callEvent({ direction: 'inbound', occurredAt: T0 });
    expect(fold([transcript, call]).direction).toBe('inbound');
    expect(fold([call, transcript]).direction).toBe('inbound');
  });
});

describe('withCallerNumber', () => {
  const local = (raw: string | null) =>
    mergeCall(null, callEvent({ externalNumber: null, externalNumberRaw: raw }));

  it('reads a local number in the line country', () => {
    expect(withCallerNumber(local('06 12 34 56 78'), 'FR').externalNumber).toBe('+33612345678');
  });

  it('leaves withheld callers without a number', () => {
    for (const raw of ['anonymous', 'Withheld', '+266696687', '', null]) {
      expect(withCallerNumber(local(raw), 'FR').externalNumber).toBeNull();
    }
  });

  it('keeps a number the provider already gave in E.164, and leaves the record it was given alone', () => {
    const record = mergeCall(
      null,
      callEvent({ externalNumber: '+442071838750', externalNumberRaw: '020 7183 8750' }),
    );
    expect(withCallerNumber(record, 'FR')).toBe(record);
    const unread = local('06 12 34 56 78');
    withCallerNumber(unread, 'FR');
    expect(unread.externalNumber).toBeNull();
  });
});

describe('missed or not', () => {
  const judged = (overrides: Partial<CallEvent>, line = supportFr) =>
    judgeUnansweredCall(mergeCall(null, callEvent(overrides)), line);

  it('misses a whole inbound call nobody answered on a routed line', () => {
    expect(judged({})).toEqual({ outcome: 'missed', line: supportFr });
    expect(isMissed(mergeCall(null, callEvent()))).toBe(true);
  });

  it('waits for the end of the call before deciding', () => {
    expect(judged({ ended: false })).toEqual({ outcome: 'recorded' });
    expect(judged({ answered: null })).toEqual({ outcome: 'recorded' });
    expect(isMissed(mergeCall(null, callEvent({ ended: false })))).toBe(false);
  });

  it('ignores outbound calls nobody picked up, calls on no line and reasons the line ignores', () => {
    expect(judged({ direction: 'outbound' })).toEqual({
      outcome: 'ignored',
      reason: 'outbound not answered',
    });
    expect(judged({}, null)).toEqual({ outcome: 'ignored', reason: 'no line' });
    expect(judged({ missedReason: 'short_abandoned' })).toEqual({
      outcome: 'ignored',
      reason: 'ignored reason short_abandoned',
    });
    expect(isMissed(mergeCall(null, callEvent({ direction: 'outbound' })))).toBe(false);
  });

  it('never misses a call any delivery saw answered', () => {
    const answered = callEvent({ answered: true, ended: false, occurredAt: T0 });
    const endedLate = callEvent({ answered: false, ended: true, occurredAt: T0 - 1 });
    expect(isMissed(fold([endedLate, answered]))).toBe(false);
    expect(isMissed(fold([answered, endedLate]))).toBe(false);
  });
});

describe('an answered call', () => {
  const callBack = mergeCall(
    null,
    callEvent({
      provider: 'aircall',
      providerCallId: '77',
      direction: 'outbound',
      answered: true,
      startedAt: T0 + 60_000,
      answeredAt: T0 + 65_000,
      agent: { name: 'Ana Lopez', email: 'Ana@Example.com' },
    }),
  );

  it('answers the episodes whose last missed call came before it started, never later ones', () => {
    expect(answersEpisode(callBack, { lastCallAt: T0 })).toBe(true);
    expect(answersEpisode(callBack, { lastCallAt: T0 + 60_000 })).toBe(false);
    expect(answersEpisode(callBack, { lastCallAt: T0 + 61_000 })).toBe(false);
  });

  it('answers the episode it is linked to unless the caller missed a call of it later (the call may be its own last)', () => {
    expect(answersLinkedEpisode(callBack, { lastCallAt: T0 })).toBe(true);
    expect(answersLinkedEpisode(callBack, { lastCallAt: T0 + 60_000 })).toBe(true);
    expect(answersLinkedEpisode(callBack, { lastCallAt: T0 + 61_000 })).toBe(false);
  });

  it('resolves them at the moment it was picked up, by its agent', () => {
    expect(autoResolveBy(callKey(callBack), callBack)).toEqual({
      type: 'auto_resolve',
      at: T0 + 65_000,
      providerCallKey: 'aircall:77',
      actor: {
        id: 'aircall:ana@example.com',
        name: 'Ana Lopez',
        email: 'Ana@Example.com',
        surface: 'aircall',
      },
    });
  });

  it('falls back to the start of the call and to no actor when the provider said neither', () => {
    const bare = mergeCall(null, callEvent({ answered: true, answeredAt: null, agent: null }));
    expect(autoResolveBy('k', bare)).toMatchObject({ at: T0, actor: null });
    const noEmail = mergeCall(null, callEvent({ answered: true, agent: { name: 'Ben', email: null } }));
    expect(autoResolveBy('k', noEmail).actor).toEqual({
      id: 'generic:test:Ben',
      name: 'Ben',
      email: null,
      surface: 'system',
    });
  });

  it('names the provider as the audit surface: Aircall and Zendesk by name, anything else as the system', () => {
    expect([surfaceOf('aircall'), surfaceOf('zendesk'), surfaceOf('generic:twilio')]).toEqual([
      'aircall',
      'zendesk',
      'system',
    ]);
  });
});

describe('buildDetails', () => {
  const first = {
    key: 'generic:test:1',
    record: fold([
      callEvent({
        providerCallId: '1',
        legs: [leg('Ben', 'missed', T0 + 1_000), leg('Ana', 'missed', T0 + 2_000)],
        voicemail: { url: 'https://vm/1', durationSeconds: 5 },
        transcript: 'first',
      }),
    ]),
  };
  const second = {
    key: 'generic:test:2',
    record: fold([
      callEvent({
        providerCallId: '2',
        startedAt: T0 + 600_000,
        endedAt: T0 + 612_000,
        legs: [leg('Chloé', 'declined', T0 + 601_000), leg('Ana', 'missed', T0 + 602_000)],
        voicemail: { url: 'https://vm/2', durationSeconds: 9 },
        missedReason: 'out_of_opening_hours',
      }),
    ]),
  };

  it('lists the calls oldest first whatever order they are given in', () => {
    const a = buildDetails(emptyDetails(), [second, first], supportFr);
    const b = buildDetails(emptyDetails(), [first, second], supportFr);
    expect(a).toEqual(b);
    expect(a.calls).toEqual([
      { key: 'generic:test:1', at: T0, reason: 'agents_did_not_answer', waitedSeconds: 30 },
      { key: 'generic:test:2', at: T0 + 600_000, reason: 'out_of_opening_hours', waitedSeconds: 12 },
    ]);
  });

  it('names every agent rung once, in ring order, and keeps the latest voicemail and transcript', () => {
    const details = buildDetails(emptyDetails(), [second, first], supportFr);
    expect(details.rang).toEqual(['Ben', 'Ana', 'Chloé']);
    expect(details.voicemail).toEqual({ url: 'https://vm/2', durationSeconds: 9, at: T0 + 612_000 });
    expect(details.transcript).toBe('first');
    expect(details.outOfHours).toBe(true);
  });

  it('formats the dialled line in its own country and reads the caller country from the number', () => {
    const details = buildDetails(emptyDetails(), [first], supportFr);
    expect(details).toMatchObject({ lineNumber: '01 76 36 06 95', callerCountry: 'FR' });
    expect(buildDetails(emptyDetails(), [first], null).lineNumber).toBe('+33 1 76 36 06 95');
  });

  it('keeps the caller country already known when the caller withheld the number', () => {
    const withheld = fold([callEvent({ externalNumber: null, externalNumberRaw: 'anonymous' })]);
    const previous = { ...emptyDetails(), callerCountry: 'BE', requester: { id: 7, name: 'Marie Dupont' } };
    const details = buildDetails(previous, [{ key: 'k', record: withheld }], supportFr);
    expect(details).toMatchObject({ callerCountry: 'BE', requester: { id: 7, name: 'Marie Dupont' } });
  });
});

describe('callerNameOf', () => {
  const call = (id: string, startedAt: number, ...names: (string | null)[]) => ({
    record: fold(
      names.map((externalName, i) =>
        callEvent({ providerCallId: id, startedAt, externalName, occurredAt: startedAt + 30_000 + i }),
      ),
    ),
  });

  it('reads the name a later delivery of the call brought', () => {
    expect(callerNameOf([call('1', T0, null)])).toBeNull();
    expect(callerNameOf([call('1', T0, null, 'Zoe Test')])).toBe('Zoe Test');
    // A still later delivery without a name does not take it away.
    expect(callerNameOf([call('1', T0, null, 'Zoe Test', null)])).toBe('Zoe Test');
  });

  it('takes the name of the latest call that has one, whatever order the calls are listed in', () => {
    const calls = [call('1', T0, 'Zoe'), call('2', T0 + 600_000, 'Zoe Test'), call('3', T0 + 900_000, null)];
    for (const order of permutations(calls)) expect(callerNameOf(order)).toBe('Zoe Test');
    const sameMoment = [call('1', T0, 'Zoe B'), call('2', T0, 'Zoe A')];
    for (const order of permutations(sameMoment)) expect(callerNameOf(order)).toBe('Zoe A');
  });

  it('keeps the real name an earlier call brought over a later call named only after its number', () => {
    const calls = [call('1', T0, 'Marie Dupont'), call('2', T0 + 600_000, 'Caller +33 6 12 34 56 78')];
    for (const order of permutations(calls)) expect(callerNameOf(order)).toBe('Marie Dupont');
  });

  it('names nobody when the calls only carry names made up for the number', () => {
    expect(
      callerNameOf([call('1', T0, 'Caller +33 6 12 34 56 78'), call('2', T0 + 1, 'Withheld number')]),
    ).toBeNull();
  });

  it('takes a name that only looks numbered, without the international number a made-up name carries', () => {
    expect(callerNameOf([call('1', T0, 'Caller 4')])).toBe('Caller 4');
  });
});

describe('changedFields', () => {
  it('names exactly the details that a new delivery changed', () => {
    const before = buildDetails(
      emptyDetails(),
      [{ key: 'k', record: fold(missedCallDeliveries.slice(0, 5)) }],
      supportFr,
    );
    const after = buildDetails(before, [{ key: 'k', record: fold(missedCallDeliveries) }], supportFr);
    expect(changedFields(before, after)).toEqual(['transcript']);
    expect(changedFields(after, after)).toEqual([]);
  });

  it('names a voicemail and a new call together', () => {
    const before = buildDetails(emptyDetails(), [{ key: 'k', record: fold([callEvent()]) }], supportFr);
    const record = fold([
      callEvent({ providerCallId: '2', startedAt: T0 + 1, voicemail: { url: 'u', durationSeconds: 3 } }),
    ]);
    const after = buildDetails(
      before,
      [
        { key: 'k', record: fold([callEvent()]) },
        { key: 'k2', record },
      ],
      supportFr,
    );
    expect(changedFields(before, after)).toEqual(['calls', 'voicemail']);
  });
});

describe('openingEpisode', () => {
  it('opens an episode from the first missed call, with the card details of that call', () => {
    const record = fold(missedCallDeliveries);
    const key = callKey(record);
    if (!supportFr) throw new Error('routing has no line');
    const { episode, details } = openingEpisode('ep-1', { key, record }, supportFr);
    expect(episode).toMatchObject({
      id: 'ep-1',
      line: 'Support FR',
      state: 'open',
      caller: { number: '+33612345678', name: null },
      callCount: 1,
      missedAt: T0,
      lastCallAt: T0,
    });
    expect(details).toEqual(buildDetails(emptyDetails(), [{ key, record }], supportFr));
    expect(details.rang).toEqual(['Ana Lopez', 'Ben Ode']);
  });

  it('opens without a caller name when the call is named only after its number, so a later call can name them', () => {
    const record = fold([callEvent({ externalName: 'Caller +33 6 12 34 56 78' })]);
    if (!supportFr) throw new Error('routing has no line');
    const { episode } = openingEpisode('ep-1', { key: callKey(record), record }, supportFr);
    expect(episode.caller.name).toBeNull();
  });
});

describe('callEndOf', () => {
  const record = (startedAt: number | null, endedAt: number | null) =>
    fold([callEvent({ startedAt, endedAt })]);

  it('is when the call ended', () => {
    expect(callEndOf(record(T0, T0 + 90_000))).toBe(T0 + 90_000);
  });

  it('is the call time when the provider gave no end, or one before the call came in', () => {
    expect(callEndOf(record(T0, null))).toBe(T0);
    expect(callEndOf(record(T0, T0 - 5_000))).toBe(T0);
  });
});
