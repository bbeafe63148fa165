/**
 * PNG charts for managers, drawn on the server: ECharts (Apache, widely maintained) renders SVG without a
 * browser or canvas (`ssr: true`), and resvg-js turns the SVG into a PNG from prebuilt binaries (no Cairo,
 * no node-gyp), so the charts render the same on a laptop, in CI and on a dyno.
 *
 * Phone first: 600×420 drawing units at a pixel ratio of 2 (1200 px wide), text at 16 px and up. Text uses
 * the machine's fonts (DejaVu Sans first, any sans-serif after): a machine without fonts still gets the
 * bars, and the alt text of each chart carries every number it shows.
 */
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { DurationStats } from '../domain/summary.js';
import type { ChartFigures } from './chartData.js';

export interface ChartImage {
  /** `missed-vs-returned`, `missed-by-hour`, `callback-vs-sla`: a stable name for files and tests. */
  name: string;
  png: Buffer;
  /** What the chart shows, in words and numbers, for screen readers and for Slack's alt text. */
  alt: string;
  width: number;
  height: number;
}

export const CHART_WIDTH = 600;
export const CHART_HEIGHT = 420;
export const PIXEL_RATIO = 2;
/** Slack caps an image's alt text; past this the list is cut with an ellipsis (the totals come first). */
const MAX_ALT = 1000;

/** From src/reports (tsx) and dist/reports (built) alike, the repository's assets are two folders up. */
const BUNDLED_FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) =>
  fileURLToPath(new URL(`../../assets/fonts/${file}`, import.meta.url)),
);
const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const COLORS = { missed: '#d9534f', returned: '#2e7d32', median: '#1565c0', p90: '#90caf9', sla: '#212121' };
const TEXT = { color: '#212121', fontFamily: FONT, fontSize: 16 };

/** Draws an ECharts option as a PNG. The chart is always disposed: a live instance keeps the process up. */
export function renderPng(
  option: echarts.EChartsCoreOption,
  width = CHART_WIDTH,
  height = CHART_HEIGHT,
): Buffer {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  let svg: string;
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: TEXT, ...option });
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PIXEL_RATIO },
    background: '#ffffff',
    // The fonts ship with Ringback: a slim container or a Heroku dyno has none, and text would vanish.
    font: {
      fontFiles: BUNDLED_FONTS,
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}

function image(name: string, option: echarts.EChartsCoreOption, alt: string): ChartImage {
  return {
    name,
    png: renderPng(option),
    alt: alt.length > MAX_ALT ? `${alt.slice(0, MAX_ALT - 1)}…` : alt,
    width: CHART_WIDTH * PIXEL_RATIO,
    height: CHART_HEIGHT * PIXEL_RATIO,
  };
}

function title(text: string, subtext: string) {
  return {
    text,
    subtext,
    left: 'center',
    top: 8,
    textStyle: { ...TEXT, fontSize: 22, fontWeight: 'bold' as const },
    subtextStyle: { ...TEXT, fontSize: 16, color: '#555555' },
  };
}

/** A chart-sized image that says there is nothing to draw, so a manager never gets an empty frame. */
export function noDataChart(name: string, heading: string, period: string, message: string): ChartImage {
  return image(
    name,
    {
      title: title(heading, period),
      graphic: [
        {
          // Placed by its own anchor: ECharts' `left: 'center'` measures text with its own font metrics,
          // not the ones resvg draws with.
          type: 'text',
          style: {
            text: message,
            x: CHART_WIDTH / 2,
            y: CHART_HEIGHT / 2,
            align: 'center',
            verticalAlign: 'middle',
            fontSize: 26,
            fontFamily: FONT,
            fill: '#555555',
          },
        },
        {
          type: 'rect',
          left: 'center',
          top: CHART_HEIGHT / 2 + 30,
          shape: { width: 260, height: 6, r: 3 },
          style: { fill: '#cfd8dc' },
        },
      ],
    },
    `${heading}, ${period}: ${message}.`,
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function periodText(figures: ChartFigures): string {
  return `${figures.window.label} (${figures.timezone})`;
}

/** Missed calls and, of them, the ones returned (their caller was called back), per day of the period. */
export function missedVsReturnedChart(figures: ChartFigures): ChartImage {
  const heading = 'Missed vs returned calls';
  const period = periodText(figures);
  if (figures.missedCalls === 0) {
    return noDataChart('missed-vs-returned', heading, period, 'No calls in this period');
  }
  const shown = figures.days.filter((d) => d.missedCalls > 0 || figures.days.length <= 7);
  const alt = `${heading}, ${period}: ${plural(figures.missedCalls, 'missed call')}, ${figures.returnedCalls} returned. ${shown
    .map((d) => `${d.label}: ${d.missedCalls} missed, ${d.returnedCalls} returned`)
    .join('; ')}.`;
  // "Mon 16" under a week's bars, "16 Nov" under a month's, "Nov 2026" under years: every bar keeps its label.
  const labels = figures.days.map((d) =>
    figures.days.length > 7
      ? d.label.replace(/^Week of /, '').replace(/^[A-Z][a-z]{2} (?=\d{1,2} )/, '')
      : d.label.replace(/ [A-Z][a-z]{2}$/, ''),
  );
  const countLabel = {
    show: labels.length <= 14,
    position: 'top' as const,
    ...TEXT,
    fontSize: 15,
    formatter: (p: { value: number }) => (p.value > 0 ? String(p.value) : ''),
  };
  return image(
    'missed-vs-returned',
    {
      title: title(heading, `${period} · ${figures.missedCalls} missed, ${figures.returnedCalls} returned`),
      legend: { bottom: 8, textStyle: TEXT, itemWidth: 22, itemHeight: 14, itemGap: 28 },
      grid: { left: 56, right: 24, top: 96, bottom: 84 },
      xAxis: {
        type: 'category',
        data: labels,
        axisLabel: {
          ...TEXT,
          fontSize: labels.length > 7 ? 13 : 15,
          interval: labels.length > 7 ? 'auto' : 0,
        },
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        axisLabel: TEXT,
        splitLine: { lineStyle: { color: '#e0e0e0' } },
      },
      series: [
        {
          name: 'Missed calls',
          type: 'bar',
          data: figures.days.map((d) => d.missedCalls),
          itemStyle: { color: COLORS.missed },
          label: countLabel,
        },
        {
          name: 'Returned',
          type: 'bar',
          data: figures.days.map((d) => d.returnedCalls),
          itemStyle: { color: COLORS.returned },
          label: countLabel,
        },
      ],
    },
    alt,
  );
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hourLabel = (h: number) => `${String(h).padStart(2, '0')}h`;

/** Missed calls per weekday and hour: where the team is short of hands. Only the hours that had calls (±1). */
export function missedByHourChart(figures: ChartFigures): ChartImage {
  const heading = 'Missed calls by hour';
  const period = periodText(figures);
  if (figures.missedCalls === 0) {
    return noDataChart('missed-by-hour', heading, period, 'No calls in this period');
  }
  const perHour = Array.from({ length: 24 }, (_, h) =>
    figures.byHour.reduce((sum, row) => sum + (row[h] ?? 0), 0),
  );
  const busy = perHour.flatMap((n, h) => (n > 0 ? [h] : []));
  // At least six columns, so a single busy hour still reads as a time of day.
  let first = Math.max(0, (busy[0] ?? 9) - 1);
  let last = Math.min(23, (busy.at(-1) ?? 17) + 1);
  while (last - first < 5) {
    if (first > 0) first--;
    if (last - first < 5 && last < 23) last++;
  }
  const hours = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const cells = figures.byHour.flatMap((row, day) => hours.map((h, x) => [x, day, row[h] ?? 0]));
  const max = Math.max(1, ...cells.map((c) => c[2] ?? 0));
  const cellsAsText = figures.byHour
    .flatMap((row, day) => row.flatMap((n, h) => (n > 0 ? [{ day, h, n }] : [])))
    .sort((a, b) => b.n - a.n || a.day - b.day || a.h - b.h)
    .map(({ day, h, n }) => `${WEEKDAYS[day]} ${hourLabel(h)} ${n}`);
  const alt = `${heading}, ${period}: ${plural(figures.missedCalls, 'missed call')}. By hour: ${perHour
    .flatMap((n, h) => (n > 0 ? [`${hourLabel(h)} ${n}`] : []))
    .join(', ')}. Busiest: ${cellsAsText.join(', ')}.`;
  return image(
    'missed-by-hour',
    {
      title: title(heading, `${period} · ${figures.missedCalls} missed`),
      grid: { left: 64, right: 16, top: 96, bottom: 48 },
      xAxis: {
        type: 'category',
        data: hours.map(hourLabel),
        splitArea: { show: true },
        axisLabel: { ...TEXT, fontSize: hours.length > 12 ? 12 : 15, interval: hours.length > 12 ? 1 : 0 },
      },
      yAxis: { type: 'category', data: WEEKDAYS, inverse: true, axisLabel: TEXT, splitArea: { show: true } },
      visualMap: {
        show: false,
        min: 0,
        max,
        inRange: { color: ['#f5f5f5', '#ffcdd2', '#e57373', '#b71c1c'] },
      },
      series: [
        {
          type: 'heatmap',
          data: cells,
          label: {
            show: hours.length <= 14,
            ...TEXT,
            fontSize: 14,
            formatter: (p: { value: number[] }) => (p.value[2] ? String(p.value[2]) : ''),
          },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        },
      ],
    },
    alt,
  );
}

export interface LineCallbackFigures {
  line: string;
  /** Business time from the missed call to the first call back (the summary's `business` figures). */
  timeToFirstCallback: DurationStats;
  /** The line's `sla.resolveWithin`: the caller should have been called back by then. */
  slaMs: number | null;
}

/** "12 min", "2 h 5 min": durations as people say them; the alt text and the bar labels share it. */
export function durationWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** Median and 90th percentile business time to the first call back, per line, against each line's SLA. */
export function callbackVsSlaChart(lines: LineCallbackFigures[], period: string): ChartImage {
  const heading = 'Time to call back vs SLA';
  const shown = lines.filter((l) => l.timeToFirstCallback.count > 0);
  if (shown.length === 0) {
    return noDataChart('callback-vs-sla', heading, period, 'No call backs in this period');
  }
  const values = shown.flatMap((l) => [l.timeToFirstCallback.p90Ms ?? 0, l.slaMs ?? 0]);
  const inHours = Math.max(...values) >= 3 * 3_600_000;
  const unit = inHours ? 3_600_000 : 60_000;
  const scaled = (ms: number | null) => (ms === null ? null : Math.round((ms / unit) * 10) / 10);
  const alt = `${heading} (business hours), ${period}: ${shown
    .map((l) => {
      const t = l.timeToFirstCallback;
      return `${l.line}: ${plural(t.count, 'call')} called back, median ${durationWords(t.medianMs ?? 0)}, 90th percentile ${durationWords(t.p90Ms ?? 0)}, SLA ${l.slaMs === null ? 'none' : durationWords(l.slaMs)}`;
    })
    .join('; ')}.`;
  const names = shown.map((l) => l.line);
  const barLabel = {
    show: true,
    position: 'right' as const,
    ...TEXT,
    fontSize: 14,
    formatter: (p: { value: number }) => durationWords(p.value * unit),
  };
  return image(
    'callback-vs-sla',
    {
      title: title(heading, `${period} · business hours`),
      legend: { bottom: 8, textStyle: TEXT, itemWidth: 22, itemHeight: 14, itemGap: 28 },
      grid: { left: 16, right: 110, top: 96, bottom: 72, containLabel: true },
      xAxis: {
        type: 'value',
        name: inHours ? 'hours' : 'minutes',
        nameLocation: 'middle',
        nameGap: 28,
        nameTextStyle: TEXT,
        axisLabel: TEXT,
        splitLine: { lineStyle: { color: '#e0e0e0' } },
      },
      yAxis: {
        type: 'category',
        data: names,
        inverse: true,
        axisLabel: { ...TEXT, width: 150, overflow: 'truncate' },
      },
      series: [
        {
          name: 'Median',
          type: 'bar',
          data: shown.map((l) => scaled(l.timeToFirstCallback.medianMs)),
          itemStyle: { color: COLORS.median },
          label: barLabel,
        },
        {
          name: '90th percentile',
          type: 'bar',
          data: shown.map((l) => scaled(l.timeToFirstCallback.p90Ms)),
          itemStyle: { color: COLORS.p90 },
          label: barLabel,
        },
        {
          name: 'SLA',
          type: 'scatter',
          symbol: 'rect',
          symbolSize: [6, 88],
          data: shown.flatMap((l, i) => (l.slaMs === null ? [] : [[scaled(l.slaMs), i]])),
          itemStyle: { color: COLORS.sla },
          z: 5,
        },
      ],
    },
    alt,
  );
}
