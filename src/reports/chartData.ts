/**
 * The figures behind the charts, in the team's time zone: missed and returned calls per day (per week for
 * long periods), missed calls per weekday and hour. Counted like the summary (src/domain/summary.ts): an
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
  /** "Mon 16 Nov", or "Week of 2 Nov" for week buckets. */
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

export class ChartTally {
  private readonly buckets: DayFigures[] = [];
  private readonly byWeek: boolean;
  private readonly grid: HourGrid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  private missedCalls = 0;
  private returnedCalls = 0;

  constructor(
    private readonly window: TimeWindow,
    private readonly timezone: string,
  ) {
    const first = DateTime.fromMillis(window.start, { zone: timezone }).startOf('day');
    const last = DateTime.fromMillis(window.end - 1, { zone: timezone }).startOf('day');
    this.byWeek = last.diff(first, 'days').days + 1 > MAX_DAY_BARS;
    let cursor = this.byWeek ? first.startOf('week') : first;
    while (cursor <= last) {
      this.buckets.push({
        day: cursor.toISODate() ?? '',
        label: this.byWeek ? `Week of ${cursor.toFormat('d LLL')}` : cursor.toFormat('ccc d LLL'),
        missedCalls: 0,
        returnedCalls: 0,
      });
      cursor = cursor.plus(this.byWeek ? { weeks: 1 } : { days: 1 });
    }
  }

  add(episode: Episode): void {
    if (episode.missedAt < this.window.start || episode.missedAt >= this.window.end) return;
    const at = DateTime.fromMillis(episode.missedAt, { zone: this.timezone });
    const bucketStart = (this.byWeek ? at.startOf('week') : at.startOf('day')).toISODate();
    const bucket = this.buckets.find((b) => b.day === bucketStart) ?? this.buckets[0];
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
      days: this.buckets.map((b) => ({ ...b })),
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
