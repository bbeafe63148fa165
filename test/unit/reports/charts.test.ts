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
