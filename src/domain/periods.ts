/** Summary windows (`today`, `week`, `2026-11-02..2026-11-08`) computed in the team's time zone. */
import { DateTime } from 'luxon';

export interface TimeWindow {
  /** Inclusive start, epoch ms. */
  start: number;
  /** Exclusive end, epoch ms. */
  end: number;
  /** How people call it: "today", "week of 16 Nov", "2026-11-02 to 2026-11-08". */
  label: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The first instant of `day`'s date. Where the clocks go back at midnight (America/Havana 2026-11-01) 00:00
 * comes twice and luxon may give the second: the hour between would then belong to no day at all.
 */
export function firstInstantOf(day: DateTime): DateTime {
  const start = day.startOf('day');
  const justBefore = start.minus({ milliseconds: 1 });
  // Dates compared as text: luxon's hasSame reads the end of a day with two midnights from the second one.
  return justBefore.toISODate() === start.toISODate() ? justBefore.startOf('day') : start;
}

/**
 * The first instant of the day after `day`'s. Not `plus({ days: 1 })` alone: where the clocks go forward at
 * midnight (America/Santiago, Africa/Cairo, Asia/Beirut, America/Havana) a day starts at 01:00, and the day
 * after it at 01:00 would take the first hour of that day.
 */
const dayAfter = (day: DateTime): DateTime => firstInstantOf(day.plus({ days: 1 }));

/**
 * Parses a period word in `zone`, relative to `now`. Weeks start on Monday. Returns an error text for
 * anything else, so a slash command can answer with it. Every window runs from the first instant of its
 * first day (01:00 on a day whose midnight is skipped, the first of two midnights on a day that has two) to
 * the first instant of the day after its last, so consecutive windows meet.
 */
export function parsePeriod(text: string, now: number, zone: string): TimeWindow | { error: string } {
  const today = firstInstantOf(DateTime.fromMillis(now, { zone }));
  const word = text.trim().toLowerCase() || 'today';
  const window = (from: DateTime, to: DateTime, label: string): TimeWindow => ({
    start: from.toMillis(),
    end: to.toMillis(),
    label,
  });
  switch (word) {
    case 'today':
      return window(today, dayAfter(today), 'today');
    case 'yesterday':
      return window(firstInstantOf(today.minus({ days: 1 })), today, 'yesterday');
    case 'week': {
      const monday = firstInstantOf(today.startOf('week'));
      return window(monday, firstInstantOf(monday.plus({ weeks: 1 })), `week of ${monday.toFormat('d LLL')}`);
    }
    case 'month': {
      const first = firstInstantOf(today.startOf('month'));
      return window(first, firstInstantOf(first.plus({ months: 1 })), today.toFormat('LLLL yyyy'));
    }
  }
  const [first, second, ...rest] = word.split('..');
  if (rest.length === 0 && first && DATE.test(first) && (second === undefined || DATE.test(second))) {
    const from = DateTime.fromISO(first, { zone });
    const to = DateTime.fromISO(second ?? first, { zone });
    if (!from.isValid || !to.isValid) return { error: `"${text}" is not a real date` };
    if (to < from) return { error: `"${text}" ends before it starts` };
    return window(firstInstantOf(from), dayAfter(to), second ? `${first} to ${second}` : first);
  }
  return {
    error: `expected today, yesterday, week, month, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, got "${text}"`,
  };
}
