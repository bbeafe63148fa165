/** Due-time arithmetic of "call back later": business hours, evenings, weekends, holidays, DST. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { lineNamed } from '../../../src/app/routing.js';
import { lineCalendar } from '../../../src/app/sla.js';
import { parseRouting } from '../../../src/config/load.js';
import {
  type DueTimeContext,
  dueTimeFor,
  dueWords,
  hasBusinessHours,
  MAX_SNOOZE_AHEAD_MS,
} from '../../../src/domain/dueTime.js';

const PARIS = 'Europe/Paris';
const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Always
    match: { genericLine: always }
    holidays: [2026-12-25]
  - name: Never
    match: { genericLine: never }
    businessHours: {}
  - name: Night
    match: { genericLine: night }
    businessHours: { mon-sun: "22:00-06:00" }
  - name: Late
    match: { genericLine: late }
    businessHours: { mon-sun: "06:00-02:00" }
  - name: Weekdays
    match: { genericLine: weekdays }
    businessHours: { mon-fri: "00:00-24:00" }
  - name: Weekdays Santiago
    match: { genericLine: weekdays-scl }
    timezone: America/Santiago
    businessHours: { mon-fri: "00:00-24:00" }
  - name: Nights Santiago
    match: { genericLine: nights-scl }
    timezone: America/Santiago
    businessHours: { mon-fri: "00:00-08:00" }
  - name: Week Cairo
    match: { genericLine: week-cai }
    timezone: Africa/Cairo
    businessHours: { sun-thu: "00:00-24:00" }
  - name: Nights Cairo
    match: { genericLine: nights-cai }
    timezone: Africa/Cairo
    businessHours: { mon-sun: "00:00-08:00" }
  - name: Office
    match: "*"
    businessHours: { mon-fri: "09:00-18:00" }
    holidays: [2026-12-25]
`,
  'due time test',
);

function paris(text: string): number {
  return DateTime.fromISO(text, { zone: PARIS }).toMillis();
}

function at(line: string, local: string): DueTimeContext {
  return {
    now: paris(local),
    calendar: lineCalendar(routing, line),
    hasBusinessHours: hasBusinessHours(lineNamed(routing, line)),
  };
}

/** The due time as local wall-clock text with its offset, so DST shows. */
function due(choice: string, context: DueTimeContext): string {
  const result = dueTimeFor(choice, context);
  if (!result.ok) return `refused: ${result.reason}`;
  return DateTime.fromMillis(result.dueAt, { zone: PARIS }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');
}

describe('hasBusinessHours', () => {
  it('counts a line as keeping business hours when it sets them, even empty, and not when it only lists holidays', () => {
    expect(hasBusinessHours(lineNamed(routing, 'Office'))).toBe(true);
    expect(hasBusinessHours(lineNamed(routing, 'Never'))).toBe(true);
    expect(hasBusinessHours(lineNamed(routing, 'Always'))).toBe(false);
    expect(hasBusinessHours(lineNamed(routing, 'No such line'))).toBe(false);
  });
});

describe('presets in business time', () => {
  it('counts 30 minutes on an open afternoon as 30 minutes', () => {
    expect(due('30m', at('Office', '2026-11-24T10:00'))).toBe('Tue 2026-11-24 10:30 +01:00');
  });

  it('carries an evening snooze over the night: 1 h at 17:30 is 30 min today and 30 min tomorrow', () => {
    expect(due('1h', at('Office', '2026-11-24T17:30'))).toBe('Wed 2026-11-25 09:30 +01:00');
  });

  it('carries a Friday evening snooze over the weekend', () => {
    expect(due('2h', at('Office', '2026-11-27T17:00'))).toBe('Mon 2026-11-30 10:00 +01:00');
  });

  it('counts from the next opening when snoozed at night', () => {
    expect(due('30m', at('Office', '2026-11-24T22:00'))).toBe('Wed 2026-11-25 09:30 +01:00');
  });

  it('skips a holiday', () => {
    expect(due('1h', at('Office', '2026-12-24T17:30'))).toBe('Mon 2026-12-28 09:30 +01:00');
  });

  it('keeps business hours across the autumn DST change (9 business hours stay 9)', () => {
    expect(due('1h', at('Office', '2026-10-23T17:30'))).toBe('Mon 2026-10-26 09:30 +01:00');
    expect(due('2h', at('Office', '2026-10-23T17:00'))).toBe('Mon 2026-10-26 10:00 +01:00');
  });

  it('is due at the next opening, not at the closing, when the count ends exactly as the line closes', () => {
    expect(due('30m', at('Office', '2026-12-02T17:30'))).toBe('Thu 2026-12-03 09:00 +01:00');
    expect(due('2h', at('Office', '2026-11-27T16:00'))).toBe('Mon 2026-11-30 09:00 +01:00');
  });

  it('counts real time on a line open around the clock, over the spring DST gap', () => {
    // 01:30 + 2 h of real time crosses the skipped hour: 04:30 summer time.
    expect(due('2h', at('Always', '2026-03-29T01:30'))).toBe('Sun 2026-03-29 04:30 +02:00');
  });
});

describe('tomorrow = the next business morning', () => {
  it('is the next day at opening on a weekday', () => {
    expect(due('tomorrow', at('Office', '2026-11-24T15:00'))).toBe('Wed 2026-11-25 09:00 +01:00');
  });

  it('is the next day even before today’s opening', () => {
    expect(due('tomorrow', at('Office', '2026-11-24T07:00'))).toBe('Wed 2026-11-25 09:00 +01:00');
  });

  it('is Monday from a Friday or a Saturday', () => {
    expect(due('tomorrow', at('Office', '2026-11-27T16:00'))).toBe('Mon 2026-11-30 09:00 +01:00');
    expect(due('tomorrow', at('Office', '2026-11-28T11:00'))).toBe('Mon 2026-11-30 09:00 +01:00');
  });

  it('skips a holiday after the evening before it', () => {
    expect(due('tomorrow', at('Office', '2026-12-24T18:30'))).toBe('Mon 2026-12-28 09:00 +01:00');
  });

  it('is on the right side of the DST change', () => {
    expect(due('tomorrow', at('Office', '2026-03-27T12:00'))).toBe('Mon 2026-03-30 09:00 +02:00');
    expect(due('tomorrow', at('Office', '2026-10-24T12:00'))).toBe('Mon 2026-10-26 09:00 +01:00');
  });

  it('is 09:00 on a line without hours, skipping its holidays, in summer time after the change', () => {
    expect(due('tomorrow', at('Always', '2026-03-28T20:00'))).toBe('Sun 2026-03-29 09:00 +02:00');
    expect(due('tomorrow', at('Always', '2026-12-24T20:00'))).toBe('Sat 2026-12-26 09:00 +01:00');
  });

  it('is the next night shift on an overnight line, never the midnight inside tonight’s shift', () => {
    expect(due('tomorrow', at('Night', '2026-11-24T23:00'))).toBe('Wed 2026-11-25 22:00 +01:00');
    // 01:00 belongs to the shift that began on Tuesday evening: tomorrow is the next one, that evening.
    expect(due('tomorrow', at('Night', '2026-11-25T01:00'))).toBe('Wed 2026-11-25 22:00 +01:00');
    // Closed, before tonight's shift: tonight is today, so tomorrow's shift.
    expect(due('tomorrow', at('Night', '2026-11-24T20:00'))).toBe('Wed 2026-11-25 22:00 +01:00');
  });

  it('is the next opening on a line that closes after midnight', () => {
    expect(due('tomorrow', at('Late', '2026-11-24T20:00'))).toBe('Wed 2026-11-25 06:00 +01:00');
    expect(due('tomorrow', at('Late', '2026-11-25T01:00'))).toBe('Wed 2026-11-25 06:00 +01:00');
  });

  it('is 09:00 on a day a line is open through, and its real opening after a weekend', () => {
    expect(due('tomorrow', at('Weekdays', '2026-11-24T10:00'))).toBe('Wed 2026-11-25 09:00 +01:00');
    expect(due('tomorrow', at('Weekdays', '2026-11-27T15:00'))).toBe('Mon 2026-11-30 09:00 +01:00');
  });

  describe('where the clocks go forward at midnight, so a day starts at 01:00', () => {
    /** `local` and the due time in the line's own zone. */
    function dueIn(line: string, zone: string, local: string): string {
      const calendar = lineCalendar(routing, line);
      const now = DateTime.fromISO(local, { zone }).toMillis();
      const result = dueTimeFor('tomorrow', { now, calendar, hasBusinessHours: true });
      if (!result.ok) return `refused: ${result.reason}`;
      return DateTime.fromMillis(result.dueAt, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');
    }

    it('is 09:00 on the Monday after a weekend over America/Santiago 2026-09-06 on a line open through', () => {
      const zone = 'America/Santiago';
      expect(dueIn('Weekdays Santiago', zone, '2026-09-04T15:00')).toBe('Mon 2026-09-07 09:00 -03:00');
      expect(dueIn('Weekdays Santiago', zone, '2026-09-05T11:00')).toBe('Mon 2026-09-07 09:00 -03:00');
      expect(dueIn('Weekdays Santiago', zone, '2026-09-06T11:00')).toBe('Mon 2026-09-07 09:00 -03:00');
    });

    it('is the opening at midnight the day after 2026-09-06 in America/Santiago, not a day later', () => {
      const zone = 'America/Santiago';
      expect(dueIn('Nights Santiago', zone, '2026-09-06T11:00')).toBe('Mon 2026-09-07 00:00 -03:00');
      expect(dueIn('Nights Santiago', zone, '2026-09-07T03:00')).toBe('Tue 2026-09-08 00:00 -03:00');
    });

    it('is the next opening after Africa/Cairo 2026-04-24, at 09:00 on a day open through', () => {
      const zone = 'Africa/Cairo';
      expect(dueIn('Week Cairo', zone, '2026-04-23T15:00')).toBe('Sun 2026-04-26 09:00 +03:00');
      expect(dueIn('Week Cairo', zone, '2026-04-24T15:00')).toBe('Sun 2026-04-26 09:00 +03:00');
      expect(dueIn('Nights Cairo', zone, '2026-04-24T15:00')).toBe('Sat 2026-04-25 00:00 +03:00');
      expect(dueIn('Nights Cairo', zone, '2026-04-24T05:00')).toBe('Sat 2026-04-25 00:00 +03:00');
    });
  });

  it('is refused on a line that never opens', () => {
    expect(due('tomorrow', at('Never', '2026-11-24T10:00'))).toBe('refused: never_opens');
    expect(due('30m', at('Never', '2026-11-24T10:00'))).toBe('refused: never_opens');
  });
});

describe('an explicit time', () => {
  it('is read in the line’s zone without an offset, and kept even outside business hours', () => {
    expect(due('2026-11-24T19:15', at('Office', '2026-11-24T10:00'))).toBe('Tue 2026-11-24 19:15 +01:00');
  });

  it('honours an offset', () => {
    expect(due('2026-11-24T17:00:00Z', at('Office', '2026-11-24T10:00'))).toBe('Tue 2026-11-24 18:00 +01:00');
  });

  it('refuses a past time, a time too far ahead and text that is no time', () => {
    expect(due('2026-11-24T09:59', at('Office', '2026-11-24T10:00'))).toBe('refused: in_past');
    const far = DateTime.fromMillis(paris('2026-11-24T10:00') + MAX_SNOOZE_AHEAD_MS + 60_000, {
      zone: PARIS,
    });
    expect(due(far.toFormat("yyyy-MM-dd'T'HH:mm"), at('Office', '2026-11-24T10:00'))).toBe(
      'refused: too_far',
    );
    expect(due('next week', at('Office', '2026-11-24T10:00'))).toBe('refused: unknown_choice');
    expect(due('2026-13-45T10:00', at('Office', '2026-11-24T10:00'))).toBe('refused: unknown_choice');
  });

  it('says why in words people can act on', () => {
    const result = dueTimeFor('<b>soon</b>', at('Office', '2026-11-24T10:00'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/Choose 30m, 1h, 2h, tomorrow, or a time/);
  });
});

describe('dueWords', () => {
  it('says the clock time the same day and the day otherwise', () => {
    expect(dueWords(paris('2026-11-24T17:00'), paris('2026-11-24T10:00'), PARIS)).toBe('at 17:00');
    expect(dueWords(paris('2026-11-25T09:00'), paris('2026-11-24T10:00'), PARIS)).toBe('on Wed 25 Nov 09:00');
  });
});
