import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../../src/domain/businessHours.js';
import { nextStepDueAt, reminderDueAt, sendableAt, stepDueAt } from '../../../src/domain/escalation.js';
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

describe('when a step that came due may go out', () => {
  it('is now while the line is open', () => {
    expect(show(sendableAt(weekdays, local('2026-11-19T17:59')))).toBe('Thu 17:59');
  });

  it('is the next opening while it is closed: evening, lunch break, weekend', () => {
    expect(show(sendableAt(weekdays, local('2026-11-19T21:00')))).toBe('Fri 09:00');
    expect(show(sendableAt(weekdays, local('2026-11-19T18:00')))).toBe('Fri 09:00');
    expect(show(sendableAt(split, local('2026-11-19T12:45')))).toBe('Thu 13:30');
    expect(show(sendableAt(weekdays, local('2026-11-21T10:00')))).toBe('Mon 09:00');
  });

  it('waits out a holiday on a line without business hours', () => {
    const holiday = calendar(null, ['2026-12-25']);
    expect(show(sendableAt(holiday, local('2026-12-25T10:00')))).toBe('Sat 00:00');
    expect(show(sendableAt(calendar(null), local('2026-12-25T03:00')))).toBe('Fri 03:00');
  });
});

describe('when the next step is due after one went out', () => {
  const missedAt = local('2026-11-19T10:00');

  it('is its own due time when the step before went out on time', () => {
    const sent = { sentAt: local('2026-11-19T10:15'), after: 15 * MINUTE };
    expect(show(nextStepDueAt(weekdays, missedAt, step(30 * MINUTE), true, sent))).toBe('Thu 10:30');
  });

  it('keeps the gap between the steps when the one before went out late, instead of following at once', () => {
    const sent = { sentAt: local('2026-11-19T12:00'), after: 15 * MINUTE };
    expect(show(nextStepDueAt(weekdays, missedAt, step(30 * MINUTE), true, sent))).toBe('Thu 12:15');
  });

  it('counts that gap in open time: a late step at 17:50 is followed the next morning', () => {
    const sent = { sentAt: local('2026-11-19T17:50'), after: 15 * MINUTE };
    expect(show(nextStepDueAt(weekdays, missedAt, step(45 * MINUTE), true, sent))).toBe('Fri 09:20');
  });

  it('follows a late reminder by the whole `after` of the first resolve step', () => {
    const sent = { sentAt: local('2026-11-20T09:00'), after: 0 };
    const anchor = local('2026-11-19T17:40');
    expect(show(nextStepDueAt(weekdays, anchor, step(30 * MINUTE), true, sent))).toBe('Fri 09:30');
  });

  it('catches up after downtime at the opening: step 1 at 09:00, then 09:15, then 09:30', () => {
    const missed = local('2026-11-19T17:30');
    // Step 1 (15m) was due at 17:45 and goes out at the opening; steps 2 and 3 keep their 15-minute gaps.
    const second = nextStepDueAt(weekdays, missed, step(30 * MINUTE), true, {
      sentAt: local('2026-11-20T09:00'),
      after: 15 * MINUTE,
    });
    expect(show(second)).toBe('Fri 09:15');
    const third = nextStepDueAt(weekdays, missed, step(45 * MINUTE), true, {
      sentAt: second ?? 0,
      after: 30 * MINUTE,
    });
    expect(show(third)).toBe('Fri 09:30');
  });
});
