/**
 * Business-time arithmetic over a weekly schedule, holidays and an IANA zone: how much open time lies
 * between two instants, when N open milliseconds have passed, whether the line is open, when it next
 * opens. Opening hours are local wall-clock times, so a 09:00-18:00 day stays 9 hours across DST
 * changes while an overnight 22:00-06:00 shift is 7 or 9 real hours on the nights the clocks move.
 * Pure: no I/O; the only state is a cache of each local day's opening spans.
 *
 * Conventions:
 * - An interval belongs to the local day it starts on; a holiday closes the intervals that start on it
 *   (an overnight shift that began the evening before still runs into the holiday morning).
 * - A local time that does not exist (the hour skipped in spring) moves forward past the gap.
 * - Without a schedule the line is open around the clock, apart from its holidays.
 */
import { DateTime } from 'luxon';
import type { OpeningInterval, Weekday, WeeklySchedule } from './schedule.js';

export interface BusinessHours {
  /** IANA zone the schedule and the holidays are written in. */
  zone: string;
  /** Weekly opening hours; null means open around the clock (only holidays close). */
  schedule: WeeklySchedule | null;
  /** Local dates (YYYY-MM-DD) closed all day. */
  holidays: readonly string[];
}

/** One absolute opening span, [start, end) in epoch ms. */
export interface Span {
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
/**
 * How far searches look before answering "never" (a schedule with no opening at all, or holidays
 * covering every open day). Two years covers any real holiday list.
 */
const SEARCH_DAYS = 800;
/** Spans of an earlier day can reach this many days later (an overnight interval ends by 48:00). */
const REACH_DAYS = 2;
const MAX_CACHED_DAYS = 5_000;
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_QUARTERS = 100_000;
const ALL_DAY: OpeningInterval[] = [{ startMinute: 0, endMinute: 1440 }];

export class BusinessCalendar {
  readonly zone: string;
  /** True when the calendar is plain wall-clock time (no schedule, no holidays). */
  readonly alwaysOpen: boolean;
  private readonly weekly: WeeklySchedule | null;
  private readonly holidays: ReadonlySet<string>;
  private readonly days = new Map<number, Span[]>();
  private readonly quarters = new Map<number, number>();

  constructor(hours: BusinessHours) {
    this.zone = hours.zone;
    this.weekly = hours.schedule;
    this.holidays = new Set(hours.holidays);
    this.alwaysOpen = hours.schedule === null && hours.holidays.length === 0;
  }

  /** Open time in [from, to), in ms; 0 when `to` is not after `from`. */
  elapsed(from: number, to: number): number {
    if (to <= from) return 0;
    if (this.alwaysOpen) return to - from;
    let total = 0;
    let cursor = from;
    const last = this.dayOf(to);
    for (let day = this.dayOf(from) - REACH_DAYS; day <= last; day++) {
      for (const span of this.spansOfDay(day)) {
        const start = Math.max(span.start, cursor);
        const end = Math.min(span.end, to);
        if (end > start) {
          total += end - start;
          cursor = end;
        }
      }
    }
    return total;
  }

  /**
   * The instant at which `ms` of open time have passed since `start` (a closing time when the count ends
   * exactly there); null when the calendar never opens again. `ms` ≤ 0 answers `start`.
   */
  add(start: number, ms: number): number | null {
    if (ms <= 0) return start;
    if (this.alwaysOpen) return start + ms;
    let remaining = ms;
    let cursor = start;
    const first = this.dayOf(start) - REACH_DAYS;
    let lastOpenDay = this.dayOf(start);
    for (let day = first; day - lastOpenDay <= SEARCH_DAYS; day++) {
      for (const span of this.spansOfDay(day)) {
        lastOpenDay = day;
        if (span.end <= cursor) continue;
        const from = Math.max(span.start, cursor);
        const available = span.end - from;
        if (available >= remaining) return from + remaining;
        remaining -= available;
        cursor = span.end;
      }
    }
    return null;
  }

  isOpenAt(at: number): boolean {
    if (this.alwaysOpen) return true;
    const today = this.dayOf(at);
    for (let day = today - REACH_DAYS; day <= today; day++) {
      if (this.spansOfDay(day).some((span) => span.start <= at && at < span.end)) return true;
    }
    return false;
  }

  /**
   * When the open stretch running at `at` began: the start of the span covering `at`, followed back through
   * spans that meet end to start (an overnight shift, 00:00-24:00 days), at most a week back. Null when the
   * line is closed at `at`; `at` itself on a calendar that is always open (it has no stretches).
   */
  stretchStart(at: number): number | null {
    if (this.alwaysOpen) return at;
    let start = this.spanCovering(at)?.start ?? null;
    if (start === null) return null;
    const limit = at - 7 * DAY_MS;
    while (start > limit) {
      const before = this.spanCovering(start - 1);
      if (!before) break;
      start = before.start;
    }
    return start;
  }

  /**
   * The instants in [from, to) at which the line opens after being closed: span starts that do not merely
   * continue an earlier span (a 00:00 start after a 24:00 end is no opening).
   */
  openingsBetween(from: number, to: number): number[] {
    if (this.alwaysOpen || to <= from) return [];
    const openings: number[] = [];
    for (let day = this.dayOf(from); day <= this.dayOf(to - 1); day++) {
      for (const span of this.spansOfDay(day)) {
        if (span.start >= from && span.start < to && !this.isOpenAt(span.start - 1)) {
          openings.push(span.start);
        }
      }
    }
    return openings;
  }

  /** The latest-starting span in which `at` lies, or null. */
  private spanCovering(at: number): Span | null {
    const today = this.dayOf(at);
    let found: Span | null = null;
    for (let day = today - REACH_DAYS; day <= today; day++) {
      for (const span of this.spansOfDay(day)) {
        if (span.start <= at && at < span.end && (!found || span.start > found.start)) found = span;
      }
    }
    return found;
  }

  /** The first instant at or after `at` when the line is open (`at` itself when open); null if never. */
  nextOpening(at: number): number | null {
    if (this.alwaysOpen) return at;
    const today = this.dayOf(at);
    for (let day = today - REACH_DAYS; day - today <= SEARCH_DAYS; day++) {
      // Spans come in start order, so the first one still running after `at` gives the earliest instant.
      const span = this.spansOfDay(day).find((s) => s.end > at);
      if (span) return Math.max(span.start, at);
    }
    return null;
  }

  /**
   * When the line last closed at or before `at`, for a line that is closed just before `at` (e.g. at an
   * opening): the end of the latest opening span that ends by `at`. Null when none within the search.
   */
  previousClosing(at: number): number | null {
    if (this.alwaysOpen) return null;
    const today = this.dayOf(at);
    let best: number | null = null;
    let foundOn: number | null = null;
    for (let day = today; today - day <= SEARCH_DAYS; day--) {
      // Spans that started up to REACH_DAYS earlier can still end later than the ones found so far.
      if (foundOn !== null && foundOn - day > REACH_DAYS) break;
      for (const span of this.spansOfDay(day)) {
        if (span.end <= at && (best === null || span.end > best)) {
          best = span.end;
          foundOn ??= day;
        }
      }
    }
    return best;
  }

  /** Local day number (days since 1970-01-01 in the calendar's zone) of an instant. */
  private dayOf(at: number): number {
    // Zone offsets and their changes fall on quarter hours, so the local day is constant within one.
    const quarter = Math.floor(at / QUARTER_HOUR_MS);
    const cached = this.quarters.get(quarter);
    if (cached !== undefined) return cached;
    const local = DateTime.fromMillis(at, { zone: this.zone });
    const day = Math.floor(Date.UTC(local.year, local.month - 1, local.day) / DAY_MS);
    if (this.quarters.size >= MAX_CACHED_QUARTERS) this.quarters.clear();
    this.quarters.set(quarter, day);
    return day;
  }

  /** The opening spans that start on a local day, in start order. */
  private spansOfDay(day: number): Span[] {
    const cached = this.days.get(day);
    if (cached) return cached;
    const spans = this.computeSpans(day);
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    this.days.set(day, spans);
    return spans;
  }

  private computeSpans(day: number): Span[] {
    const date = new Date(day * DAY_MS);
    if (this.holidays.has(date.toISOString().slice(0, 10))) return [];
    const weekday = (((date.getUTCDay() + 6) % 7) + 1) as Weekday;
    const intervals = this.weekly ? this.weekly[weekday] : ALL_DAY;
    if (intervals.length === 0) return [];
    const midnight = DateTime.fromObject(
      { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
      { zone: this.zone },
    );
    const spans: Span[] = [];
    for (const interval of intervals) {
      const start = localMinute(midnight, interval.startMinute);
      const end = localMinute(midnight, interval.endMinute);
      // An interval lying wholly inside a skipped hour has no real time.
      if (end > start) spans.push({ start, end });
    }
    return spans.sort((a, b) => a.start - b.start || a.end - b.end);
  }
}

/** The instant of a local wall-clock minute counted from a local midnight (≥ 1440 is a later day). */
function localMinute(midnight: DateTime, minute: number): number {
  const days = Math.floor(minute / 1440);
  const rest = minute - days * 1440;
  return midnight
    .plus({ days })
    .set({ hour: Math.floor(rest / 60), minute: rest % 60, second: 0, millisecond: 0 })
    .toMillis();
}

export function isOpenAt(calendar: BusinessCalendar, at: number): boolean {
  return calendar.isOpenAt(at);
}

/** The first open instant at or after `at`; null when the line never opens. */
export function nextOpening(calendar: BusinessCalendar, at: number): number | null {
  return calendar.nextOpening(at);
}
