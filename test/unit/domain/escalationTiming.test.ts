import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../../src/domain/businessHours.js';
import { reminderDueAt, stepDueAt } from '../../../src/domain/escalation.js';
import { emptySchedule, parseDayKey, parseTimeRanges } from '../../../src/domain/schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PARIS = 'Europe/Paris';
const local = (text: string) => DateTime.fromISO(text, { zone: PARIS }).toMillis();
const show = (ms: number | null) =>
  ms === null ? null : DateTime.fromMillis(ms, { zone: PARIS }).toFormat('ccc HH:mm');

function calendar(entries: Record<string, string> | null, holidays: string[] = []): BusinessCalendar {
  if (!entries) return new BusinessCalendar({ zone: PARIS, schedule: null, holidays });
  const weekly = emptySchedule();
  for (const [key, value] of Object.entries(entries)) {
    const days = parseDayKey(key);
    const intervals = parseTimeRanges(value);
    if (typeof days === 'string' || typeof intervals === 'string') throw new Error(`bad schedule ${key}`);
    for (const day of days) weekly[day].push(...intervals);
  }
  return new BusinessCalendar({ zone: PARIS, schedule: weekly, holidays });
}

// Thursday 19 November 2026 in Paris.
const weekdays = calendar({ 'mon-fri': '09:00-18:00' });
const split = calendar({ 'mon-fri': '09:00-12:30, 13:30-18:00' });
const step = (after: number) => ({ after, notify: '@here', to: 'thread' as const });

describe('when an escalation step is due', () => {
  it('counts open time from its anchor', () => {
    expect(show(stepDueAt(weekdays, local('2026-11-19T10:00'), step(15 * MINUTE), true))).toBe('Thu 10:15');
    expect(show(stepDueAt(weekdays, local('2026-11-19T17:59'), step(15 * MINUTE), true))).toBe('Fri 09:14');
  });

  it('is the next opening, not the closing instant, when the count ends exactly at a closing', () => {
    expect(show(stepDueAt(weekdays, local('2026-11-19T17:45'), step(15 * MINUTE), true))).toBe('Fri 09:00');
    // Friday's closing runs over the weekend.
    expect(show(stepDueAt(weekdays, local('2026-11-20T17:30'), step(30 * MINUTE), true))).toBe('Mon 09:00');
    // A lunch break is a closing too.
    expect(show(stepDueAt(split, local('2026-11-19T12:15'), step(15 * MINUTE), true))).toBe('Thu 13:30');
  });

  it('counts wall-clock time on a line without business hours, where midnight closes nothing', () => {
    const always = calendar(null);
    expect(show(stepDueAt(always, local('2026-11-19T23:45'), step(15 * MINUTE), false))).toBe('Fri 00:00');
  });
});

describe('when the claimer is reminded', () => {
  it('rings at the next opening when the resolve deadline falls exactly at a closing', () => {
    const missedAt = local('2026-11-19T16:00');
    const claimedAt = local('2026-11-19T16:05');
    expect(show(reminderDueAt(weekdays, { missedAt, claimedAt }, 2 * HOUR, true))).toBe('Fri 09:00');
  });

  it('rings at the next opening too for a full window after a late claim that ends at a closing', () => {
    const missedAt = local('2026-11-19T09:00');
    const claimedAt = local('2026-11-19T16:00');
    expect(show(reminderDueAt(weekdays, { missedAt, claimedAt }, 2 * HOUR, true))).toBe('Fri 09:00');
  });

  it('rings at the deadline itself when the line is open then', () => {
    const missedAt = local('2026-11-19T15:00');
    expect(show(reminderDueAt(weekdays, { missedAt, claimedAt: missedAt }, 2 * HOUR, true))).toBe(
      'Thu 17:00',
    );
  });
});
