import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type BusinessHours } from '../../../src/domain/businessHours.js';
import {
  emptySchedule,
  parseDayKey,
  parseTimeRanges,
  type WeeklySchedule,
} from '../../../src/domain/schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Builds a schedule the way the routing file does: `{ 'mon-fri': '09:00-18:00' }`. */
function schedule(entries: Record<string, string>): WeeklySchedule {
  const weekly = emptySchedule();
  for (const [key, value] of Object.entries(entries)) {
    const days = parseDayKey(key);
    const intervals = parseTimeRanges(value);
    if (typeof days === 'string' || typeof intervals === 'string') throw new Error(`bad schedule ${key}`);
    for (const day of days) weekly[day].push(...intervals);
  }
  return weekly;
}

function calendar(zone: string, entries: Record<string, string> | null, holidays: string[] = []) {
  const hours: BusinessHours = { zone, schedule: entries ? schedule(entries) : null, holidays };
  return new BusinessCalendar(hours);
}

/** An instant from a local wall-clock time, e.g. local('Europe/Paris', '2026-11-19T17:59'). */
function local(zone: string, text: string): number {
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) throw new Error(`bad time ${text}`);
  return dt.toMillis();
}

function show(ms: number | null, zone: string): string | null {
  return ms === null ? null : DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");
}

const PARIS = 'Europe/Paris';
const NEW_YORK = 'America/New_York';
const office = { 'mon-fri': '09:00-18:00' };

describe('business hours', () => {
  describe('without a schedule', () => {
    const wall = calendar(PARIS, null);

    it('counts wall-clock time, DST nights included', () => {
      const from = local(PARIS, '2026-03-28T12:00');
      const to = local(PARIS, '2026-03-29T12:00');
      expect(wall.alwaysOpen).toBe(true);
      expect(wall.elapsed(from, to)).toBe(23 * HOUR);
      expect(wall.add(from, 23 * HOUR)).toBe(to);
      expect(wall.isOpenAt(from)).toBe(true);
      expect(wall.nextOpening(from)).toBe(from);
    });

    it('still closes on its holidays', () => {
      const withHoliday = calendar(PARIS, null, ['2026-12-25']);
      const eve = local(PARIS, '2026-12-24T23:00');
      expect(withHoliday.isOpenAt(local(PARIS, '2026-12-25T10:00'))).toBe(false);
      expect(withHoliday.elapsed(eve, local(PARIS, '2026-12-26T01:00'))).toBe(2 * HOUR);
      expect(show(withHoliday.add(eve, 90 * MINUTE), PARIS)).toBe('2026-12-26T00:30 +01:00');
    });
  });

  describe('an office open Monday to Friday 09:00-18:00 in Paris', () => {
    const hours = calendar(PARIS, office);

    it('is open from the opening minute and closed from the closing minute', () => {
      expect(hours.isOpenAt(local(PARIS, '2026-11-19T08:59'))).toBe(false);
      expect(hours.isOpenAt(local(PARIS, '2026-11-19T09:00'))).toBe(true);
      expect(hours.isOpenAt(local(PARIS, '2026-11-19T17:59'))).toBe(true);
      expect(hours.isOpenAt(local(PARIS, '2026-11-19T18:00'))).toBe(false);
      expect(hours.isOpenAt(local(PARIS, '2026-11-21T12:00'))).toBe(false);
    });

    describe('a call missed at 17:59 with a 15-minute SLA', () => {
      it('is due 14 minutes after the next opening', () => {
        const missed = local(PARIS, '2026-11-19T17:59');
        expect(show(hours.add(missed, 15 * MINUTE), PARIS)).toBe('2026-11-20T09:14 +01:00');
      });

      it('on a Friday is due on Monday at 09:14', () => {
        const missed = local(PARIS, '2026-11-20T17:59');
        const due = hours.add(missed, 15 * MINUTE);
        expect(show(due, PARIS)).toBe('2026-11-23T09:14 +01:00');
        expect(hours.elapsed(missed, due ?? 0)).toBe(15 * MINUTE);
      });
    });

    it('ends a count that fills the day exactly at the closing time', () => {
      const due = hours.add(local(PARIS, '2026-11-19T17:45'), 15 * MINUTE);
      expect(show(due, PARIS)).toBe('2026-11-19T18:00 +01:00');
    });

    it('counts nothing over a weekend and only open hours across days', () => {
      expect(hours.elapsed(local(PARIS, '2026-11-20T18:00'), local(PARIS, '2026-11-23T09:00'))).toBe(0);
      expect(hours.elapsed(local(PARIS, '2026-11-19T17:00'), local(PARIS, '2026-11-20T10:00'))).toBe(
        2 * HOUR,
      );
      expect(hours.elapsed(local(PARIS, '2026-11-16T00:00'), local(PARIS, '2026-11-23T00:00'))).toBe(
        45 * HOUR,
      );
    });

    it('answers zero for an empty or backwards interval', () => {
      const at = local(PARIS, '2026-11-19T10:00');
      expect(hours.elapsed(at, at)).toBe(0);
      expect(hours.elapsed(at + HOUR, at)).toBe(0);
      expect(hours.add(at, 0)).toBe(at);
    });

    it('finds the next opening after a weekend, and the instant itself when open', () => {
      expect(show(hours.nextOpening(local(PARIS, '2026-11-21T12:00')), PARIS)).toBe(
        '2026-11-23T09:00 +01:00',
      );
      const open = local(PARIS, '2026-11-19T11:11');
      expect(hours.nextOpening(open)).toBe(open);
    });

    it('finds when it last closed before an opening', () => {
      const monday = local(PARIS, '2026-11-23T09:00');
      expect(show(hours.previousClosing(monday), PARIS)).toBe('2026-11-20T18:00 +01:00');
    });
  });

  describe('across DST changes', () => {
    it('spring forward in Paris: a Friday-evening call is due at the local time on Monday', () => {
      const hours = calendar(PARIS, office);
      const missed = local(PARIS, '2026-03-27T17:30');
      const due = hours.add(missed, HOUR);
      expect(show(due, PARIS)).toBe('2026-03-30T09:30 +02:00');
      // 64 local hours, but only 63 real ones: the clocks skipped one on Sunday.
      expect((due ?? 0) - missed).toBe(63 * HOUR);
      expect(hours.elapsed(missed, due ?? 0)).toBe(HOUR);
    });

    it('fall back in Paris: the same call spans 65 real hours', () => {
      const hours = calendar(PARIS, office);
      const missed = local(PARIS, '2026-10-23T17:30');
      const due = hours.add(missed, HOUR);
      expect(show(due, PARIS)).toBe('2026-10-26T09:30 +01:00');
      expect((due ?? 0) - missed).toBe(65 * HOUR);
    });

    it('spring forward in New York: opening hours stay local', () => {
      const hours = calendar(NEW_YORK, { 'mon-fri': '09:00-17:00' });
      const missed = local(NEW_YORK, '2026-03-06T16:30');
      const due = hours.add(missed, HOUR);
      expect(show(due, NEW_YORK)).toBe('2026-03-09T09:30 -04:00');
      expect(new Date(due ?? 0).toISOString()).toBe('2026-03-09T13:30:00.000Z');
    });

    it('fall back in New York: opening hours stay local', () => {
      const hours = calendar(NEW_YORK, { 'mon-fri': '09:00-17:00' });
      const due = hours.add(local(NEW_YORK, '2026-10-30T16:30'), HOUR);
      expect(new Date(due ?? 0).toISOString()).toBe('2026-11-02T14:30:00.000Z');
    });

    it('a round-the-clock day lasts 23 hours in spring and 25 in autumn', () => {
      const always = calendar(PARIS, { 'mon-sun': '00:00-24:00' });
      expect(always.elapsed(local(PARIS, '2026-03-29T00:00'), local(PARIS, '2026-03-30T00:00'))).toBe(
        23 * HOUR,
      );
      expect(always.elapsed(local(PARIS, '2026-10-25T00:00'), local(PARIS, '2026-10-26T00:00'))).toBe(
        25 * HOUR,
      );
      const nyAlways = calendar(NEW_YORK, { 'mon-sun': '00:00-24:00' });
      expect(nyAlways.elapsed(local(NEW_YORK, '2026-03-08T00:00'), local(NEW_YORK, '2026-03-09T00:00'))).toBe(
        23 * HOUR,
      );
      expect(nyAlways.elapsed(local(NEW_YORK, '2026-11-01T00:00'), local(NEW_YORK, '2026-11-02T00:00'))).toBe(
        25 * HOUR,
      );
    });

    it('an overnight shift is 7 real hours on the spring night and 9 on the autumn night', () => {
      const nights = calendar(PARIS, { 'mon-sun': '22:00-06:00' });
      const spring = local(PARIS, '2026-03-28T22:00');
      expect(nights.elapsed(spring, local(PARIS, '2026-03-29T06:00'))).toBe(7 * HOUR);
      const autumn = local(PARIS, '2026-10-24T22:00');
      expect(nights.elapsed(autumn, local(PARIS, '2026-10-25T06:00'))).toBe(9 * HOUR);
      const nyNights = calendar(NEW_YORK, { 'mon-sun': '22:00-06:00' });
      expect(nyNights.elapsed(local(NEW_YORK, '2026-03-07T22:00'), local(NEW_YORK, '2026-03-08T06:00'))).toBe(
        7 * HOUR,
      );
      expect(nyNights.elapsed(local(NEW_YORK, '2026-10-31T22:00'), local(NEW_YORK, '2026-11-01T06:00'))).toBe(
        9 * HOUR,
      );
    });

    it('an opening inside the skipped hour opens when the clocks resume', () => {
      const early = calendar(PARIS, { sun: '02:30-04:00' });
      const day = local(PARIS, '2026-03-29T00:00');
      expect(show(early.nextOpening(day), PARIS)).toBe('2026-03-29T03:30 +02:00');
      expect(early.elapsed(day, day + DAY)).toBe(30 * MINUTE);
    });
  });

  describe('holidays', () => {
    const hours = calendar(PARIS, office, ['2026-12-25']);

    it('closes the whole day: a call on Christmas Eve at 17:55 is due on Monday', () => {
      const due = hours.add(local(PARIS, '2026-12-24T17:55'), 15 * MINUTE);
      expect(show(due, PARIS)).toBe('2026-12-28T09:10 +01:00');
      expect(hours.isOpenAt(local(PARIS, '2026-12-25T10:00'))).toBe(false);
    });

    it('lets an overnight shift that began the evening before run into the holiday morning', () => {
      const nights = calendar(PARIS, { 'mon-sun': '22:00-06:00' }, ['2026-12-25']);
      expect(nights.isOpenAt(local(PARIS, '2026-12-25T03:00'))).toBe(true);
      expect(nights.isOpenAt(local(PARIS, '2026-12-25T23:00'))).toBe(false);
    });
  });

  describe('an overnight schedule (night desk, Monday to Friday 22:00-06:00)', () => {
    const nights = calendar(PARIS, { 'mon-fri': '22:00-06:00' });

    it('is open after midnight on the shift that started the day before', () => {
      expect(nights.isOpenAt(local(PARIS, '2026-11-17T03:00'))).toBe(true);
      expect(nights.isOpenAt(local(PARIS, '2026-11-17T06:00'))).toBe(false);
      // Friday's shift runs into Saturday morning; none starts on Saturday.
      expect(nights.isOpenAt(local(PARIS, '2026-11-21T05:59'))).toBe(true);
      expect(nights.isOpenAt(local(PARIS, '2026-11-21T23:00'))).toBe(false);
    });

    it('counts a missed call across the morning close into the next night', () => {
      const missed = local(PARIS, '2026-11-17T05:55');
      expect(show(nights.add(missed, 15 * MINUTE), PARIS)).toBe('2026-11-17T22:10 +01:00');
    });

    it('carries a Saturday-morning call to Monday night', () => {
      expect(show(nights.nextOpening(local(PARIS, '2026-11-21T07:00')), PARIS)).toBe(
        '2026-11-23T22:00 +01:00',
      );
    });
  });

  describe('stretches and openings (what "tomorrow morning" is built on)', () => {
    const nights = calendar(PARIS, { 'mon-fri': '22:00-06:00' });
    const weekdays = calendar(PARIS, { 'mon-fri': '00:00-24:00' });

    it('dates an open moment after midnight to the shift that began the evening before', () => {
      expect(show(nights.stretchStart(local(PARIS, '2026-11-17T03:00')), PARIS)).toBe(
        '2026-11-16T22:00 +01:00',
      );
      expect(nights.stretchStart(local(PARIS, '2026-11-17T12:00'))).toBeNull();
    });

    it('follows days that meet end to start back to where the line really opened', () => {
      expect(show(weekdays.stretchStart(local(PARIS, '2026-11-19T10:00')), PARIS)).toBe(
        '2026-11-16T00:00 +01:00',
      );
    });

    it('counts only starts after a closed moment as openings', () => {
      const week = [local(PARIS, '2026-11-16T00:00'), local(PARIS, '2026-11-23T00:00')] as const;
      expect(weekdays.openingsBetween(...week).map((at) => show(at, PARIS))).toEqual([
        '2026-11-16T00:00 +01:00',
      ]);
      expect(nights.openingsBetween(...week)).toHaveLength(5);
    });
  });

  describe('a split day with a lunch break', () => {
    const split = calendar(PARIS, { 'mon-fri': '09:00-12:00, 14:00-18:00' });

    it('skips the break', () => {
      const due = split.add(local(PARIS, '2026-11-19T11:50'), 30 * MINUTE);
      expect(show(due, PARIS)).toBe('2026-11-19T14:20 +01:00');
      expect(split.isOpenAt(local(PARIS, '2026-11-19T13:00'))).toBe(false);
    });
  });

  describe('overlapping intervals', () => {
    const overlapping = calendar(PARIS, { 'mon-fri': '09:00-18:00', wed: '17:00-20:00' });

    it('count the overlap once', () => {
      const wednesday = local(PARIS, '2026-11-18T00:00');
      expect(overlapping.elapsed(wednesday, wednesday + DAY)).toBe(11 * HOUR);
    });
  });

  describe('a schedule that never opens', () => {
    const never = calendar(PARIS, { 'mon-sun': 'closed' });

    it('never reaches a due time nor an opening', () => {
      const at = local(PARIS, '2026-11-19T10:00');
      expect(never.add(at, MINUTE)).toBeNull();
      expect(never.nextOpening(at)).toBeNull();
      expect(never.elapsed(at, at + 30 * DAY)).toBe(0);
    });
  });
});

/** A small deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * An independent reading of the schedule: an instant is open when its local wall-clock minute falls
 * in an interval of its local day, or in the after-midnight part of an overnight interval of the day
 * before (and the interval's starting day is not a holiday).
 */
function openByWallClock(zone: string, weekly: WeeklySchedule, holidays: string[], at: number): boolean {
  const t = DateTime.fromMillis(at, { zone });
  const minute = t.hour * 60 + t.minute;
  const today = t.startOf('day');
  const yesterday = today.minus({ days: 1 });
  const opens = (day: DateTime, m: number) =>
    !holidays.includes(day.toISODate() ?? '') &&
    weekly[day.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7].some((i) => i.startMinute <= m && m < i.endMinute);
  return opens(today, minute) || opens(yesterday, minute + 1440);
}

describe('business-hours arithmetic, property checks', () => {
  const cases: { name: string; zone: string; entries: Record<string, string>; holidays: string[] }[] = [
    { name: 'Paris office', zone: PARIS, entries: office, holidays: ['2026-03-30', '2026-10-26'] },
    { name: 'New York office', zone: NEW_YORK, entries: { 'mon-fri': '09:00-17:00' }, holidays: [] },
    {
      name: 'Paris night desk',
      zone: PARIS,
      entries: { 'mon-sun': '22:00-06:00' },
      holidays: ['2026-10-24'],
    },
    {
      name: 'New York split week',
      zone: NEW_YORK,
      entries: { 'mon-fri': '08:00-12:00, 13:00-19:30', sat: '10:00-14:00' },
      holidays: ['2026-11-02'],
    },
  ];
  // Weeks around each DST change of 2026 in both zones, plus an ordinary one.
  const starts = ['2026-03-05', '2026-03-26', '2026-10-22', '2026-10-29', '2026-11-16'].map((d) =>
    Date.parse(`${d}T00:00:00Z`),
  );

  describe.each(cases)('$name', ({ zone, entries, holidays }) => {
    const hours = calendar(zone, entries, holidays);
    const weekly = schedule(entries);
    const next = random(zone.length * 7919 + Object.keys(entries).length);
    const instants = Array.from({ length: 60 }, (_, i) => {
      const base = starts[i % starts.length] ?? 0;
      return base + Math.floor(next() * 6 * DAY);
    });

    it('elapsed(a, add(a, d)) equals d, and the due instant is the earliest such', () => {
      for (const a of instants) {
        const d = 1 + Math.floor(next() * 3 * DAY);
        const due = hours.add(a, d);
        expect(due).not.toBeNull();
        expect(hours.elapsed(a, due ?? a)).toBe(d);
        expect(hours.elapsed(a, (due ?? a) - 1)).toBe(d - 1);
      }
    });

    it('elapsed is additive and never exceeds wall-clock time', () => {
      for (const a of instants) {
        const b = a + Math.floor(next() * 2 * DAY);
        const c = b + Math.floor(next() * 2 * DAY);
        expect(hours.elapsed(a, b) + hours.elapsed(b, c)).toBe(hours.elapsed(a, c));
        expect(hours.elapsed(a, c)).toBeLessThanOrEqual(c - a);
      }
    });

    it('add is monotone and composes: add(add(a, x), y) equals add(a, x + y)', () => {
      for (const a of instants) {
        const x = 1 + Math.floor(next() * DAY);
        const y = 1 + Math.floor(next() * DAY);
        const first = hours.add(a, x) ?? a;
        expect(hours.add(first, y)).toBe(hours.add(a, x + y));
        expect(hours.add(a, x + y) ?? 0).toBeGreaterThan(first);
      }
    });

    it('the next opening is open and nothing open lies before it', () => {
      for (const a of instants) {
        const opening = hours.nextOpening(a);
        expect(opening).not.toBeNull();
        expect(hours.isOpenAt(opening ?? a)).toBe(true);
        expect(hours.elapsed(a, opening ?? a)).toBe(0);
      }
    });

    it('agrees minute by minute with a plain wall-clock reading of the schedule', () => {
      for (const a of instants.slice(0, 12)) {
        const start = Math.floor(a / MINUTE) * MINUTE;
        let openMinutes = 0;
        for (let t = start; t < start + 2 * DAY; t += MINUTE) {
          const open = openByWallClock(zone, weekly, holidays, t);
          expect(hours.isOpenAt(t), new Date(t).toISOString()).toBe(open);
          if (open) openMinutes++;
        }
        expect(hours.elapsed(start, start + 2 * DAY)).toBe(openMinutes * MINUTE);
      }
    });
  });
});
