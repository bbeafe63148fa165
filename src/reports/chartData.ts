/**
 * The figures behind the charts, in the team's time zone: missed and returned calls per day (per week or
 * month for long periods), missed calls per weekday and hour. Counted like the summary (src/domain/summary.ts): an
 * episode of three calls is three missed calls, and all three are returned once the caller is called back
 * (missed and returned are both counted in calls, so the bars compare like with like), and an episode
 * belongs to the day of its first missed call, so the charts add up to the summary's totals.
 */
import { DateTime } from 'luxon';
import type { TimeWindow } from '../domain/periods.js';
import type { Episode } from '../domain/types.js';

export interface DayFigures {
  /** ISO date of the bucket's first day. */
  day: string;
  /** "Mon 16 Nov", "Week of 2 Nov" for week buckets, "Nov 2026" for month buckets. */
  label: string;
  missedCalls: number;
  /** Of them, the calls whose caller was called back. */
  returnedCalls: number;
}

/** Missed calls by weekday (0 = Monday) and hour of day (0–23). */
export type HourGrid = number[][];

export interface ChartFigures {
  window: TimeWindow;
  timezone: string;
  days: DayFigures[];
  byHour: HourGrid;
  missedCalls: number;
  returnedCalls: number;
}

/** Past this many days a bar per day is unreadable on a phone: the bars are weeks. */
const MAX_DAY_BARS = 62;
/** Past this many weeks (two years) the bars are months. */
const MAX_WEEK_BARS = 106;
/**
 * The longest period charted: ten years of month bars. A longer one (a typo such as 0026-01-01) would mean
 * hundreds of thousands of bars, a gigabyte to draw and an image the converter refuses: it gets no charts.
 */
export const MAX_CHART_DAYS = 3_660;

type BucketSize = 'day' | 'week' | 'month';

/** The bar size for a period, or null when the period is too long to chart. */
export function bucketSizeFor(window: TimeWindow, timezone: string): BucketSize | null {
  const first = DateTime.fromMillis(window.start, { zone: timezone }).startOf('day');
  const last = DateTime.fromMillis(window.end - 1, { zone: timezone }).startOf('day');
  const days = last.diff(first, 'days').days + 1;
  if (days > MAX_CHART_DAYS) return null;
  if (days <= MAX_DAY_BARS) return 'day';
  return days / 7 <= MAX_WEEK_BARS ? 'week' : 'month';
}

const BUCKET_LABELS: Record<BucketSize, (start: DateTime) => string> = {
  day: (start) => start.toFormat('ccc d LLL'),
  week: (start) => `Week of ${start.toFormat('d LLL')}`,
  month: (start) => start.toFormat('LLL yyyy'),
};

export class ChartTally {
  private readonly buckets = new Map<string, DayFigures>();
  private readonly size: BucketSize;
  private readonly grid: HourGrid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  private missedCalls = 0;
  private returnedCalls = 0;

  constructor(
    private readonly window: TimeWindow,
    private readonly timezone: string,
  ) {
    const size = bucketSizeFor(window, timezone);
    if (size === null) throw new Error(`${window.label} is longer than ${MAX_CHART_DAYS} days: no charts`);
    this.size = size;
    const last = DateTime.fromMillis(window.end - 1, { zone: timezone }).startOf('day');
    let cursor = DateTime.fromMillis(window.start, { zone: timezone }).startOf(size);
    while (cursor <= last) {
      const day = cursor.toISODate() ?? '';
      this.buckets.set(day, { day, label: BUCKET_LABELS[size](cursor), missedCalls: 0, returnedCalls: 0 });
      // startOf again: where the clocks go forward at midnight a bucket starts at 01:00, and a step of whole
      // days from it would keep the 01:00 and pass over the start of the last bucket.
      cursor = cursor.plus({ [`${size}s`]: 1 }).startOf(size);
    }
  }

  add(episode: Episode): void {
    if (episode.missedAt < this.window.start || episode.missedAt >= this.window.end) return;
    const at = DateTime.fromMillis(episode.missedAt, { zone: this.timezone });
    // Every call in the window has its bucket: the buckets are the starts of every day, week or month from
    // the window's first to its last. Should one not, the call is left out of the bars (the totals and the
    // hour grid still count it) rather than added to another bar.
    const bucket = this.buckets.get(at.startOf(this.size).toISODate() ?? '');
    const returned = episode.firstAttemptAt !== null ? episode.callCount : 0;
    if (bucket) {
      bucket.missedCalls += episode.callCount;
      bucket.returnedCalls += returned;
    }
    const row = this.grid[at.weekday - 1];
    if (row) row[at.hour] = (row[at.hour] ?? 0) + episode.callCount;
    this.missedCalls += episode.callCount;
    this.returnedCalls += returned;
  }

  figures(): ChartFigures {
    return {
      window: this.window,
      timezone: this.timezone,
      days: [...this.buckets.values()].map((b) => ({ ...b })),
      byHour: this.grid.map((row) => [...row]),
      missedCalls: this.missedCalls,
      returnedCalls: this.returnedCalls,
    };
  }
}

export function chartFigures(
  episodes: Iterable<Episode>,
  window: TimeWindow,
  timezone: string,
): ChartFigures {
  const tally = new ChartTally(window, timezone);
  for (const episode of episodes) tally.add(episode);
  return tally.figures();
}
