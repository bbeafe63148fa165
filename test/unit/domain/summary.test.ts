import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { providerActor } from '../../../src/domain/callRecord.js';
import { parsePeriod } from '../../../src/domain/periods.js';
import { percentile, type SlaTargets, summarize } from '../../../src/domain/summary.js';
import type { Episode } from '../../../src/domain/types.js';
import { actor, ana, ben, episode } from '../../helpers/episodes.js';

const PARIS = 'Europe/Paris';
const at = (iso: string) => DateTime.fromISO(iso, { zone: PARIS }).toMillis();
const MIN = 60_000;

describe('parsePeriod', () => {
  const now = at('2026-11-21T10:00');

  it('reads today in the team zone, not UTC', () => {
    expect(parsePeriod('today', now, PARIS)).toMatchObject({
      start: at('2026-11-21T00:00'),
      end: at('2026-11-22T00:00'),
      label: 'today',
    });
  });

  it('starts the week on Monday and spans the month', () => {
    expect(parsePeriod('week', now, PARIS)).toMatchObject({
      start: at('2026-11-16T00:00'),
      end: at('2026-11-23T00:00'),
    });
    expect(parsePeriod('month', now, PARIS)).toMatchObject({
      start: at('2026-11-01T00:00'),
      end: at('2026-12-01T00:00'),
    });
  });

  it('reads a date and a range, inclusive', () => {
    expect(parsePeriod('2026-11-02..2026-11-08', now, PARIS)).toMatchObject({
      start: at('2026-11-02T00:00'),
      end: at('2026-11-09T00:00'),
    });
    expect(parsePeriod('yesterday', now, PARIS)).toMatchObject({
      start: at('2026-11-20T00:00'),
      end: at('2026-11-21T00:00'),
    });
  });

  it('makes the day of a DST change 23 or 25 hours long', () => {
    const spring = parsePeriod('2026-03-29', now, PARIS);
    const autumn = parsePeriod('2026-10-25', now, PARIS);
    expect('end' in spring && spring.end - spring.start).toBe(23 * 60 * MIN);
    expect('end' in autumn && autumn.end - autumn.start).toBe(25 * 60 * MIN);
  });

  describe('where the clocks go forward at midnight', () => {
    // The day starts at 01:00, and its window ends at the next midnight, not at 01:00 of the next day.
    const local = (zone: string) => (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
    const santiago = local('America/Santiago');

    it('gives the day its 23 hours in America/Santiago (2026-09-06)', () => {
      const day = { start: santiago('2026-09-06T01:00'), end: santiago('2026-09-07T00:00') };
      expect(day.end - day.start).toBe(23 * 60 * MIN);
      expect(parsePeriod('2026-09-06', now, 'America/Santiago')).toMatchObject(day);
      expect(parsePeriod('today', santiago('2026-09-06T15:00'), 'America/Santiago')).toMatchObject(day);
      expect(parsePeriod('yesterday', santiago('2026-09-07T15:00'), 'America/Santiago')).toMatchObject(day);
      expect(parsePeriod('2026-09-01..2026-09-06', now, 'America/Santiago')).toMatchObject({
        start: santiago('2026-09-01T00:00'),
        end: santiago('2026-09-07T00:00'),
      });
      expect(parsePeriod('2026-09-06..2026-09-08', now, 'America/Santiago')).toMatchObject({
        start: santiago('2026-09-06T01:00'),
        end: santiago('2026-09-09T00:00'),
      });
      expect(parsePeriod('2026-09-05', now, 'America/Santiago')).toMatchObject({
        start: santiago('2026-09-05T00:00'),
        end: santiago('2026-09-06T01:00'),
      });
    });

    it('gives the day its 23 hours in Africa/Cairo (2026-04-24)', () => {
      const cairo = local('Africa/Cairo');
      expect(parsePeriod('2026-04-24', now, 'Africa/Cairo')).toMatchObject({
        start: cairo('2026-04-24T01:00'),
        end: cairo('2026-04-25T00:00'),
      });
      expect(parsePeriod('2026-04-20..2026-04-24', now, 'Africa/Cairo')).toMatchObject({
        start: cairo('2026-04-20T00:00'),
        end: cairo('2026-04-25T00:00'),
      });
    });

    it('ends a week or a month starting on such a day at midnight', () => {
      const tehran = local('Asia/Tehran');
      expect(parsePeriod('week', tehran('2021-03-24T12:00'), 'Asia/Tehran')).toMatchObject({
        start: tehran('2021-03-22T01:00'),
        end: tehran('2021-03-29T00:00'),
      });
      const asuncion = local('America/Asuncion');
      expect(parsePeriod('month', asuncion('2023-10-15T12:00'), 'America/Asuncion')).toMatchObject({
        start: asuncion('2023-10-01T01:00'),
        end: asuncion('2023-11-01T00:00'),
      });
    });
  });

  describe('where the clocks go back at midnight, so 00:00 comes twice', () => {
    // America/Havana 2026-11-01: 01:00 (-04:00) goes back to 00:00 (-05:00). The day starts at the first
    // midnight, 04:00Z, where the day before ends: no hour belongs to no window.
    const havana = 'America/Havana';
    const firstMidnight = Date.parse('2026-11-01T04:00:00Z');
    const inTheRepeatedHour = Date.parse('2026-11-01T04:30:00Z'); // 00:30, the first time
    const secondTime = Date.parse('2026-11-01T05:30:00Z'); // 00:30 again

    it('starts the day at the first midnight and ends the day before there', () => {
      const day = { start: firstMidnight, end: Date.parse('2026-11-02T05:00:00Z') };
      expect(day.end - day.start).toBe(25 * 60 * MIN);
      expect(parsePeriod('2026-11-01', now, havana)).toMatchObject(day);
      expect(parsePeriod('2026-10-31', now, havana)).toMatchObject({ end: firstMidnight });
      expect(parsePeriod('today', secondTime, havana)).toMatchObject(day);
      expect(parsePeriod('yesterday', Date.parse('2026-11-02T15:00:00Z'), havana)).toMatchObject(day);
    });

    it('counts a call in the repeated hour in its day, its month and its week', () => {
      for (const text of ['2026-11-01', 'today', 'week', 'month']) {
        const window = parsePeriod(text, secondTime, havana);
        if ('error' in window) throw new Error(window.error);
        expect(window.start, text).toBeLessThanOrEqual(inTheRepeatedHour);
        expect(window.end, text).toBeGreaterThan(inTheRepeatedHour);
      }
      const october = parsePeriod('month', Date.parse('2026-10-15T15:00:00Z'), havana);
      expect(october).toMatchObject({ end: firstMidnight });
    });
  });

  it.each(['fortnight', '2026-02-30', '2026-11-08..2026-11-02', '2026-11-01..', 'a..b..c'])(
    'explains %j',
    (text) => {
      expect(parsePeriod(text, now, PARIS)).toHaveProperty('error');
    },
  );
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('summarize', () => {
  const day = parsePeriod('2026-11-20', at('2026-11-21T10:00'), PARIS);
  if ('error' in day) throw new Error(day.error);
  const t = (hhmm: string) => at(`2026-11-20T${hhmm}`);
  /** The day's summary of these episodes alone, read at 18:00, nothing open. */
  const summarizeDay = (dayEpisodes: Episode[], slaFor: () => SlaTargets = () => ({})) =>
    summarize({ episodes: dayEpisodes, openNow: [], window: day, now: t('18:00'), slaFor });

  const episodes: Episode[] = [
    // Ana claims after 5 min, calls after 10, reached.
    episode({
      id: 'a',
      caller: { number: '+33100000001', name: null },
      missedAt: t('09:00'),
      callCount: 2,
      state: 'resolved',
      claimedBy: ana,
      claimedAt: t('09:05'),
      firstAttemptAt: t('09:10'),
      attempts: 1,
      outcome: 'reached',
      resolvedBy: ana,
      resolvedAt: t('09:12'),
    }),
    // Ben claims after 20 min (breaches a 15 min SLA), voicemail.
    episode({
      id: 'b',
      line: 'Sales',
      caller: { number: '+33100000002', name: null },
      missedAt: t('10:00'),
      state: 'resolved',
      claimedBy: ben,
      claimedAt: t('10:20'),
      firstAttemptAt: t('10:30'),
      attempts: 2,
      outcome: 'voicemail',
      resolvedBy: ben,
      resolvedAt: t('10:31'),
    }),
    // The caller got through by themselves.
    episode({
      id: 'c',
      caller: { number: '+33100000001', name: null },
      missedAt: t('11:00'),
      state: 'resolved',
      outcome: 'reached',
      autoResolved: true,
      resolvedAt: t('11:30'),
      resolvedBy: actor('Chloé', 'aircall'),
    }),
    // Still open, withheld number.
    episode({ id: 'd', caller: { number: null, name: null }, missedAt: t('17:00') }),
    // Outside the window.
    episode({ id: 'e', caller: { number: '+33100000009', name: null }, missedAt: at('2026-11-19T17:00') }),
  ];

  const summary = summarize({
    episodes,
    openNow: episodes.filter((e) => e.state !== 'resolved'),
    window: day,
    now: t('18:00'),
    slaFor: (line) =>
      line === 'Sales' ? { claimWithin: 15 * MIN } : { claimWithin: 15 * MIN, resolveWithin: 120 * MIN },
  });

  it('counts missed calls, episodes and unique callers in the window only', () => {
    expect(summary.totals).toMatchObject({ missedCalls: 5, episodes: 4, uniqueCallers: 3 });
  });

  it('counts returned calls in calls, like the missed calls they are set against', () => {
    // a's two calls and b's one were returned by a call back; c's caller got through alone, d waits.
    expect(summary.totals.returnedCalls).toBe(3);
    expect(summary.lines.Sales?.returnedCalls).toBe(1);
  });

  it('counts claimed, called back, resolved by outcome and auto-resolved', () => {
    expect(summary.totals).toMatchObject({
      claimed: 2,
      calledBack: 2,
      resolved: 3,
      autoResolved: 1,
      byOutcome: { reached: 2, voicemail: 1, no_answer: 0, wrong_number: 0, not_needed: 0 },
    });
  });

  it('gives median and p90 of time to claim and to first call back', () => {
    expect(summary.totals.timeToClaim).toEqual({ count: 2, medianMs: 5 * MIN, p90Ms: 20 * MIN });
    expect(summary.totals.timeToFirstCallback).toEqual({ count: 2, medianMs: 10 * MIN, p90Ms: 30 * MIN });
  });

  it('counts SLA breaches, including calls still unclaimed now', () => {
    // b claimed after 20 min; c resolved (not claimed) after 30 min; d unclaimed for 60 min at 18:00.
    expect(summary.totals.slaBreaches.claim).toBe(3);
    // d has been open 60 min out of 120: not yet a resolve breach.
    expect(summary.totals.slaBreaches.resolve).toBe(0);
  });

  it('splits per line', () => {
    expect(Object.keys(summary.lines)).toEqual(['Sales', 'Support FR']);
    expect(summary.lines.Sales).toMatchObject({ episodes: 1, byOutcome: { voicemail: 1 } });
  });

  it('splits per agent, most resolved first', () => {
    expect(summary.agents.map((a) => [a.name, a.claimed, a.calledBack, a.resolved])).toEqual([
      ['Ana', 1, 1, 1],
      ['Ben', 1, 1, 1],
      ['Chloé', 0, 0, 1],
    ]);
  });

  it('credits an agent whose own call back resolved the call automatically, and never the provider itself', () => {
    const both = summarizeDay([
      // Ana claims and calls back from Aircall; her answered call resolves the card.
      episode({
        id: 'own',
        caller: { number: '+33100000003', name: null },
        missedAt: t('12:00'),
        state: 'resolved',
        claimedBy: ana,
        claimedAt: t('12:02'),
        firstAttemptAt: t('12:05'),
        attempts: 1,
        outcome: 'reached',
        autoResolved: true,
        resolvedBy: {
          id: 'aircall:ana@example.com',
          name: 'Ana Lopez',
          email: 'ana@example.com',
          surface: 'aircall',
        },
        resolvedAt: t('12:06'),
      }),
      // Aircall says its own automated callback got through.
      episode({
        id: 'provider',
        caller: { number: '+33100000004', name: null },
        missedAt: t('13:00'),
        state: 'resolved',
        outcome: 'reached',
        autoResolved: true,
        resolvedBy: providerActor('aircall'),
        resolvedAt: t('13:30'),
      }),
    ]);
    expect(both.totals).toMatchObject({ claimed: 1, calledBack: 1, resolved: 2, autoResolved: 2 });
    expect(both.agents.map((a) => [a.name, a.claimed, a.calledBack, a.resolved, a.reached])).toEqual([
      ['Ana', 1, 1, 1, 1],
    ]);
  });

  it('measures the claim from the first claim, and credits each agent with their own part of a handed-over call', () => {
    const handedOver = summarizeDay(
      [
        // Ana claims after 2 min and calls back after 5; at +5 h a manager hands the call to Ben, who resolves.
        episode({
          id: 'handed',
          caller: { number: '+33100000005', name: null },
          missedAt: t('09:00'),
          state: 'resolved',
          claimedBy: ben,
          claimedAt: t('14:00'),
          firstClaimedAt: t('09:02'),
          firstAttemptAt: t('09:05'),
          attempts: 1,
          outcome: 'voicemail',
          resolvedBy: ben,
          resolvedAt: t('14:10'),
        }),
      ],
      () => ({ claimWithin: 15 * MIN }),
    );
    expect(handedOver.totals.timeToClaim).toEqual({ count: 1, medianMs: 2 * MIN, p90Ms: 2 * MIN });
    expect(handedOver.totals.slaBreaches.claim).toBe(0);
    const [benFigures] = handedOver.agents;
    expect(benFigures).toMatchObject({ name: 'Ben', claimed: 1, calledBack: 0, resolved: 1 });
    expect(benFigures?.timeToClaim.count).toBe(0);
  });

  it('times a handed-over call’s call back from when it was handed over, not from the miss', () => {
    const handedOver = summarizeDay([
      // Ana claims at once and does nothing; at 12:00 the call is handed to Ben, who calls back 5 min later.
      episode({
        id: 'handed-late',
        caller: { number: '+33100000006', name: null },
        missedAt: t('09:00'),
        state: 'resolved',
        claimedBy: ben,
        claimedAt: t('12:00'),
        firstClaimedAt: t('09:01'),
        firstAttemptAt: t('12:05'),
        attempts: 1,
        outcome: 'reached',
        resolvedBy: ben,
        resolvedAt: t('12:06'),
      }),
    ]);
    const [benFigures] = handedOver.agents;
    expect(benFigures).toMatchObject({ name: 'Ben', calledBack: 1 });
    expect(benFigures?.timeToFirstCallback).toEqual({ count: 1, medianMs: 5 * MIN, p90Ms: 5 * MIN });
    // The team's figure still counts from the miss: the caller waited three hours.
    expect(handedOver.totals.timeToFirstCallback.medianMs).toBe(3 * 60 * MIN + 5 * MIN);
  });

  it('credits a call back to each agent who logged a try, before and after a hand-over', () => {
    const summary = summarizeDay([
      // Ana claims and tries at 09:05 (no answer); the call is handed to Ben at 12:00, who reaches the caller.
      episode({
        id: 'tried-by-both',
        caller: { number: '+33100000007', name: null },
        missedAt: t('09:00'),
        state: 'resolved',
        claimedBy: ben,
        claimedAt: t('12:00'),
        firstClaimedAt: t('09:02'),
        firstAttemptAt: t('09:04'),
        lastAttemptAt: t('12:05'),
        attempts: 2,
        attemptLog: [
          { at: t('09:05'), by: ana, result: 'no_answer' },
          { at: t('12:06'), by: ben, result: 'reached' },
        ],
        outcome: 'reached',
        resolvedBy: ben,
        resolvedAt: t('12:06'),
      }),
    ]);
    const byName = Object.fromEntries(summary.agents.map((agent) => [agent.name, agent]));
    expect(byName.Ana).toMatchObject({ claimed: 0, calledBack: 1, resolved: 0 });
    expect(byName.Ben).toMatchObject({ claimed: 1, calledBack: 1, resolved: 1, reached: 1 });
    expect(summary.totals.calledBack).toBe(1);
  });

  it('shows everything open now, whenever missed, with the oldest', () => {
    expect(summary.openNow).toEqual({
      count: 2,
      oldest: { id: 'e', line: 'Support FR', missedAt: at('2026-11-19T17:00'), callerNumber: '+33100000009' },
    });
  });

  it('measures with the given clock function (business time)', () => {
    const halved = summarize({
      episodes,
      openNow: [],
      window: day,
      now: t('18:00'),
      slaFor: () => ({}),
      elapsed: (_line, from, to) => (to - from) / 2,
    });
    expect(halved.totals.timeToClaim.medianMs).toBe(2.5 * MIN);
  });
});
