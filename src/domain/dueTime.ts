/**
 * When a "call back later" comes due. The choices of `ringback.snooze` (`30m`, `1h`, `2h`, `tomorrow`, or an
 * ISO 8601 time) and the retry policy's `every` are read on the line's business calendar: "in 2 hours" at
 * 17:30 on a line that closes at 18:00 means 90 minutes into the next opening, not 19:30 when nobody is
 * there. An explicit time is the agent's promise to the caller, so it is kept as given (only refused when
 * it is past or absurdly far). Pure: the caller passes the instant and the calendar.
 */
import { DateTime } from 'luxon';
import type { LineConfig } from '../config/routing.js';
import type { BusinessCalendar } from './businessHours.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The preset choices of `ringback.snooze`, in the order a picker offers them. */
export const SNOOZE_PRESETS = ['30m', '1h', '2h', 'tomorrow'] as const;
export type SnoozePreset = (typeof SNOOZE_PRESETS)[number];

const PRESET_MS: Record<Exclude<SnoozePreset, 'tomorrow'>, number> = {
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
};

/** Further ahead than this, an explicit time is a typo (a wrong year), not a promise to a caller. */
export const MAX_SNOOZE_AHEAD_MS = 31 * DAY;

/** Lines open around the clock have no opening to call "the morning": this local time stands in for it. */
export const DEFAULT_MORNING = { hour: 9, minute: 0 } as const;

export type DueTime =
  | { ok: true; dueAt: number }
  | { ok: false; reason: 'unknown_choice' | 'in_past' | 'too_far' | 'never_opens'; message: string };

export interface DueTimeContext {
  now: number;
  /** The line's business calendar (its zone, weekly hours and holidays). */
  calendar: BusinessCalendar;
  /** False for lines without `businessHours`: `tomorrow` is then 09:00 local on the next non-holiday. */
  hasBusinessHours: boolean;
}

/**
 * Whether the line keeps opening hours (even empty ones): only then is the end of a count at a closing moved
 * to the next opening, and "tomorrow" its next opening. Its calendar alone cannot say: a line open around
 * the clock has one too, for its holidays. One rule for snoozes and retries, so they never disagree.
 */
export function hasBusinessHours(line: Pick<LineConfig, 'businessHours'> | null | undefined): boolean {
  return line?.businessHours !== undefined;
}

function isPreset(choice: string): choice is SnoozePreset {
  return (SNOOZE_PRESETS as readonly string[]).includes(choice);
}

/**
 * When something set `ms` of open time after `from` comes due; null when the line never opens again. A
 * count that ends exactly at a closing (17:30 + 30 min on a line closing at 18:00) is due at the next
 * opening instead: at 18:00 the line is closed, and the reminder would ring as everyone leaves. Lines
 * without business hours count wall-clock time, unchanged.
 */
export function afterBusinessTime(
  calendar: BusinessCalendar,
  from: number,
  ms: number,
  hasBusinessHours: boolean,
): number | null {
  const due = calendar.add(from, ms);
  if (due === null || !hasBusinessHours || calendar.isOpenAt(due)) return due;
  return calendar.nextOpening(due);
}

/**
 * The line's next business morning: the first opening on a later local day than the shift running now (or
 * than today, when the line is closed), or DEFAULT_MORNING on a later day the line is open through. Friday
 * evening → Monday's opening; the eve of a holiday → the day after it; on a 22:00-06:00 line, at 23:00 or at
 * 01:00 → the next 22:00, never the midnight inside tonight's shift; on a line open Monday 00:00 to Friday
 * 24:00, Tuesday at 10:00 → Wednesday 09:00. Null when the line never opens again.
 */
export function nextBusinessMorning(context: DueTimeContext): number | null {
  const { calendar, now } = context;
  const local = (at: number) => DateTime.fromMillis(at, { zone: calendar.zone });
  const today = local(now).startOf('day');
  if (!context.hasBusinessHours) {
    // Open around the clock: the first day at DEFAULT_MORNING that is not a holiday.
    for (let day = 1; day <= 800; day++) {
      const morning = today.plus({ days: day }).set(DEFAULT_MORNING).toMillis();
      if (calendar.isOpenAt(morning)) return morning;
    }
    return null;
  }
  const shiftDay = local(calendar.stretchStart(now) ?? now).startOf('day');
  for (let offset = 1; offset <= 800; offset++) {
    // startOf again, here and for the day's end: where the clocks go forward at midnight (America/Santiago,
    // Africa/Cairo) a day starts at 01:00, and whole days from it would keep the 01:00, so the day's window
    // would lose its first hour to the day before (an opening at 00:00 counted a day late).
    const day = shiftDay.plus({ days: offset }).startOf('day');
    const midnight = day.toMillis();
    const morning = day.set(DEFAULT_MORNING).toMillis();
    // A day the line is open through (it opened on an earlier day) has its morning at DEFAULT_MORNING.
    const openAtMorning = day > today && calendar.isOpenAt(morning);
    const candidates = calendar
      .openingsBetween(midnight, day.plus({ days: 1 }).startOf('day').toMillis())
      .filter((opening) => opening > now && !(openAtMorning && opening === midnight));
    if (openAtMorning) candidates.push(morning);
    if (candidates.length > 0) return Math.min(...candidates);
  }
  return null;
}

/** An explicit ISO 8601 time; without an offset it is read in the line's zone (what the agent meant). */
function parseExplicit(choice: string, zone: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(choice)) return null;
  const parsed = DateTime.fromISO(choice, { zone });
  return parsed.isValid ? parsed.toMillis() : null;
}

/** When a snooze chosen at `context.now` comes due, or why that choice cannot be used. */
export function dueTimeFor(choice: string, context: DueTimeContext): DueTime {
  const { calendar, now } = context;
  const trimmed = choice.trim();
  if (isPreset(trimmed)) {
    const dueAt =
      trimmed === 'tomorrow'
        ? nextBusinessMorning(context)
        : afterBusinessTime(calendar, now, PRESET_MS[trimmed], context.hasBusinessHours);
    return dueAt === null
      ? { ok: false, reason: 'never_opens', message: 'This line never opens again, so it cannot come due.' }
      : { ok: true, dueAt };
  }
  const explicit = parseExplicit(trimmed, calendar.zone);
  if (explicit === null) {
    return {
      ok: false,
      reason: 'unknown_choice',
      message: `Choose 30m, 1h, 2h, tomorrow, or a time like 2026-11-20T17:00 (got "${trimmed.slice(0, 40)}").`,
    };
  }
  if (explicit <= now) {
    return { ok: false, reason: 'in_past', message: 'That time has already passed: choose a later one.' };
  }
  if (explicit - now > MAX_SNOOZE_AHEAD_MS) {
    return {
      ok: false,
      reason: 'too_far',
      message: `That time is more than ${Math.round(MAX_SNOOZE_AHEAD_MS / DAY)} days away: choose a nearer one.`,
    };
  }
  return { ok: true, dueAt: explicit };
}

/** "at 17:00" the same local day as `now`, "on Mon 23 Nov 09:00" another day, in the given zone. */
export function dueWords(dueAt: number, now: number, timezone: string): string {
  const due = DateTime.fromMillis(dueAt, { zone: timezone });
  return due.hasSame(DateTime.fromMillis(now, { zone: timezone }), 'day')
    ? `at ${due.toFormat('HH:mm')}`
    : `on ${due.toFormat('ccc d LLL HH:mm')}`;
}
