import { DateTime } from 'luxon';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { wantsCharts } from '../../../src/chat/reportJobs.js';
import { parsePeriod } from '../../../src/domain/periods.js';
import { bucketSizeFor, chartFigures } from '../../../src/reports/chartData.js';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  type ChartImage,
  callbackVsSlaChart,
  durationWords,
  missedByHourChart,
  missedVsReturnedChart,
  noDataChart,
  PIXEL_RATIO,
} from '../../../src/reports/charts.js';
import { episode } from '../../helpers/episodes.js';

const PARIS = 'Europe/Paris';
const at = (iso: string) => DateTime.fromISO(iso, { zone: PARIS }).toMillis();
const week = (() => {
  const window = parsePeriod('week', at('2026-11-18T12:00'), PARIS);
  if ('error' in window) throw new Error(window.error);
  return window;
})();

/** Decodes the PNG and measures how much of it is drawn. */
function inspect(chart: ChartImage) {
  const png = PNG.sync.read(chart.png);
  const colours = new Set<number>();
  let drawn = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i] ?? 0, png.data[i + 1] ?? 0, png.data[i + 2] ?? 0];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 240 || g < 240 || b < 240) drawn++;
  }
  return {
    width: png.width,
    height: png.height,
    colours: colours.size,
    drawnShare: drawn / (png.width * png.height),
  };
}

const busyWeek = [
  episode({
    id: 'a',
    missedAt: at('2026-11-16T09:15'),
    callCount: 2,
    firstAttemptAt: at('2026-11-16T09:40'),
  }),
  episode({ id: 'b', missedAt: at('2026-11-16T10:05') }),
  episode({ id: 'c', missedAt: at('2026-11-18T14:30'), firstAttemptAt: at('2026-11-18T15:00') }),
  episode({ id: 'd', missedAt: at('2026-11-21T11:59'), callCount: 3 }),
  // Before the week: not counted.
  episode({ id: 'e', missedAt: at('2026-11-15T23:59') }),
];

describe('chart figures', () => {
  it('counts calls per day and per weekday-hour in the team zone, like the summary', () => {
    const figures = chartFigures(busyWeek, week, PARIS);
    expect(figures.missedCalls).toBe(7);
    // Episode a's two calls are both returned by its one call back: calls against calls.
    expect(figures.returnedCalls).toBe(3);
    expect(figures.days.map((d) => [d.label, d.missedCalls, d.returnedCalls])).toEqual([
      ['Mon 16 Nov', 3, 2],
      ['Tue 17 Nov', 0, 0],
      ['Wed 18 Nov', 1, 1],
      ['Thu 19 Nov', 0, 0],
      ['Fri 20 Nov', 0, 0],
      ['Sat 21 Nov', 3, 0],
      ['Sun 22 Nov', 0, 0],
    ]);
    expect(figures.byHour[0]?.[9]).toBe(2);
    expect(figures.byHour[0]?.[10]).toBe(1);
    expect(figures.byHour[5]?.[11]).toBe(3);
    expect(figures.byHour.flat().reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('uses week bars past two months', () => {
    const window = parsePeriod('2026-01-01..2026-06-30', at('2026-11-18T12:00'), PARIS);
    if ('error' in window) throw new Error(window.error);
    const figures = chartFigures([episode({ missedAt: at('2026-03-04T10:00') })], window, PARIS);
    expect(figures.days[0]?.label).toBe('Week of 29 Dec');
    expect(figures.days.find((d) => d.missedCalls === 1)?.label).toBe('Week of 2 Mar');
  });
});

describe('chart bars where the clocks go forward at midnight', () => {
  const local = (zone: string) => (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
  const windowOf = (period: string, zone: string) => {
    const window = parsePeriod(period, Date.parse('2030-01-01T00:00:00Z'), zone);
    if ('error' in window) throw new Error(window.error);
    return window;
  };

  it('gives the last day its bar after a day starting at 01:00 (America/Santiago, 2026-09-06)', () => {
    const zone = 'America/Santiago';
    const santiago = local(zone);
    const figures = chartFigures(
      [
        episode({ id: 'last', missedAt: santiago('2026-09-10T15:00') }),
        episode({ id: 'short', missedAt: santiago('2026-09-06T01:30'), callCount: 2 }),
      ],
      windowOf('2026-09-01..2026-09-10', zone),
      zone,
    );
    expect(figures.days.map((d) => d.day)).toEqual([
      '2026-09-01',
      '2026-09-02',
      '2026-09-03',
      '2026-09-04',
      '2026-09-05',
      '2026-09-06',
      '2026-09-07',
      '2026-09-08',
      '2026-09-09',
      '2026-09-10',
    ]);
    expect(figures.days.filter((d) => d.missedCalls > 0).map((d) => [d.label, d.missedCalls])).toEqual([
      ['Sun 6 Sep', 2],
      ['Thu 10 Sep', 1],
    ]);
    // Missed by hour: Sunday 01:00, the day's first hour, and Thursday 15:00.
    expect(figures.byHour[6]?.[1]).toBe(2);
    expect(figures.byHour[3]?.[15]).toBe(1);
  });

  it('gives the last day its bar in Africa/Cairo (2026-04-24)', () => {
    const zone = 'Africa/Cairo';
    const figures = chartFigures(
      [episode({ missedAt: local(zone)('2026-04-27T15:00') })],
      windowOf('2026-04-20..2026-04-27', zone),
      zone,
    );
    expect(figures.days).toHaveLength(8);
    expect(figures.days.at(-1)).toMatchObject({ day: '2026-04-27', missedCalls: 1 });
    expect(figures.days.slice(0, -1).every((d) => d.missedCalls === 0)).toBe(true);
  });

  it.each([
    ['America/Santiago', '2026-08-01..2026-09-30', 'day'],
    ['America/Santiago', '2026-06-01..2026-12-31', 'week'],
    ['Africa/Cairo', '2026-04-01..2026-05-31', 'day'],
    ['Asia/Beirut', '2026-03-01..2026-04-30', 'day'],
    ['America/Havana', '2026-03-01..2026-04-30', 'day'],
    ['Asia/Tehran', '2021-02-01..2021-05-31', 'week'],
    ['America/Asuncion', '2021-01-01..2023-12-01', 'month'],
  ])('puts every hour of %s %s in its own %s bar', (zone, period, size) => {
    const window = windowOf(period, zone);
    const hours: number[] = [];
    for (let t = window.start; t < window.end; t += 3_600_000) hours.push(t);
    const figures = chartFigures(
      hours.map((missedAt, i) => episode({ id: String(i), missedAt })),
      window,
      zone,
    );
    expect(bucketSizeFor(window, zone)).toBe(size);
    expect(figures.missedCalls).toBe(hours.length);
    const barOf = (t: number) =>
      DateTime.fromMillis(t, { zone })
        .startOf(size as 'day' | 'week' | 'month')
        .toISODate();
    const expected = new Map<string, number>();
    for (const t of hours) expected.set(barOf(t) ?? '', (expected.get(barOf(t) ?? '') ?? 0) + 1);
    expect(figures.days.map((d) => [d.day, d.missedCalls])).toEqual([...expected]);
  });

  it('counts a period of 62 days ending on such a day as 62 day bars', () => {
    const window = windowOf('2026-07-07..2026-09-06', 'America/Santiago');
    expect(bucketSizeFor(window, 'America/Santiago')).toBe('day');
    expect(chartFigures([], window, 'America/Santiago').days).toHaveLength(62);
  });
});

describe('chart bars for long periods', () => {
  it('uses month bars past two years, labelled with their year', () => {
    const window = parsePeriod('2023-01-01..2026-06-30', at('2026-11-18T12:00'), PARIS);
    if ('error' in window) throw new Error(window.error);
    const figures = chartFigures([episode({ missedAt: at('2026-03-04T10:00') })], window, PARIS);
    expect(figures.days).toHaveLength(42);
    expect(figures.days[0]?.label).toBe('Jan 2023');
    expect(figures.days.find((d) => d.missedCalls === 1)?.label).toBe('Mar 2026');
    expect(missedVsReturnedChart(figures).alt).toContain('Mar 2026: 1 missed');
  });

  it('charts up to ten years and no more, and asks for charts only within that', () => {
    const decade = parsePeriod('2016-01-01..2025-12-31', at('2026-11-18T12:00'), PARIS);
    const longer = parsePeriod('1990-01-01..2025-12-31', at('2026-11-18T12:00'), PARIS);
    if ('error' in decade || 'error' in longer) throw new Error('bad period');
    expect(bucketSizeFor(decade, PARIS)).toBe('month');
    expect(bucketSizeFor(longer, PARIS)).toBeNull();
    expect(() => chartFigures([], longer, PARIS)).toThrow(/longer than 3660 days/);
    expect(wantsCharts('2016-01-01..2025-12-31')).toBe(true);
    expect(wantsCharts('1990-01-01..2025-12-31')).toBe(false);
    expect(wantsCharts('2026-11-01..2026-11-07')).toBe(true);
    expect(wantsCharts('2026-11-01..2026-11-06')).toBe(false);
  });
});

describe('charts', () => {
  const figures = chartFigures(busyWeek, week, PARIS);

  it.each([
    ['missed vs returned', () => missedVsReturnedChart(figures)],
    ['missed by hour', () => missedByHourChart(figures)],
    [
      'time to call back vs SLA',
      () =>
        callbackVsSlaChart(
          [
            {
              line: 'Support FR',
              timeToFirstCallback: { count: 2, medianMs: 25 * 60_000, p90Ms: 30 * 60_000 },
              slaMs: 7_200_000,
            },
            {
              line: 'Support UK',
              timeToFirstCallback: { count: 1, medianMs: 50 * 60_000, p90Ms: 50 * 60_000 },
              slaMs: null,
            },
          ],
          week.label,
        ),
    ],
  ])('draws %s as a phone-sized PNG that is not blank', (_name, draw) => {
    const chart = draw();
    const seen = inspect(chart);
    expect([seen.width, seen.height]).toEqual([CHART_WIDTH * PIXEL_RATIO, CHART_HEIGHT * PIXEL_RATIO]);
    expect([chart.width, chart.height]).toEqual([seen.width, seen.height]);
    expect(seen.width).toBeGreaterThanOrEqual(1200);
    expect(seen.colours).toBeGreaterThan(20);
    expect(seen.drawnShare).toBeGreaterThan(0.02);
  });

  it('carries the numbers in the alt text', () => {
    expect(missedVsReturnedChart(figures).alt).toContain('7 missed calls, 3 returned');
    expect(missedVsReturnedChart(figures).alt).toContain('Mon 16 Nov: 3 missed, 2 returned');
    const byHour = missedByHourChart(figures).alt;
    expect(byHour).toContain('09h 2, 10h 1');
    expect(byHour).toContain('Busiest: Sat 11h 3, Mon 09h 2');
    const sla = callbackVsSlaChart(
      [
        {
          line: 'Support FR',
          timeToFirstCallback: { count: 2, medianMs: 25 * 60_000, p90Ms: 150 * 60_000 },
          slaMs: 7_200_000,
        },
      ],
      week.label,
    ).alt;
    expect(sla).toContain(
      'Support FR: 2 calls called back, median 25 min, 90th percentile 2 h 30 min, SLA 2 h',
    );
  });

  it('says so when there is nothing to draw, in the image and its alt text', () => {
    const empty = chartFigures([], week, PARIS);
    for (const chart of [
      missedVsReturnedChart(empty),
      missedByHourChart(empty),
      callbackVsSlaChart(
        [{ line: 'Support FR', timeToFirstCallback: { count: 0, medianMs: null, p90Ms: null }, slaMs: null }],
        week.label,
      ),
    ]) {
      expect(chart.alt).toMatch(/No call(s| backs) in this period/);
      const seen = inspect(chart);
      expect(seen.width).toBe(1200);
      // The message and its rule are drawn, on an otherwise white frame.
      expect(seen.drawnShare).toBeGreaterThan(0.001);
      expect(seen.drawnShare).toBeLessThan(0.2);
    }
    expect(inspect(noDataChart('x', 'Heading', 'today', 'No calls in this period')).height).toBe(840);
  });

  it('words durations the way people say them', () => {
    expect([durationWords(12 * 60_000), durationWords(60 * 60_000), durationWords(125 * 60_000)]).toEqual([
      '12 min',
      '1 h',
      '2 h 5 min',
    ]);
  });
});
