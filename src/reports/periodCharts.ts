/**
 * The charts of a period, for the weekly summary and `/ringback summary week`: the same window, line and
 * time zone as the summary, so every number a chart shows is one the summary shows too.
 */
import { lineTyped } from '../app/routing.js';
import { buildSummary, type SummaryRequest } from '../app/summary.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import type { Summary } from '../domain/summary.js';
import type { Store } from '../store/store.js';
import { bucketSizeFor, ChartTally, MAX_CHART_DAYS } from './chartData.js';
import type { ChartImage, LineCallbackFigures } from './charts.js';

export type PeriodCharts =
  | { ok: true; charts: ChartImage[]; summary: Summary; timezone: string }
  | { ok: false; error: string };

export async function chartsForPeriod(
  deps: { store: Store; clock: Clock; routing: RoutingConfig },
  request: SummaryRequest,
): Promise<PeriodCharts> {
  const answer = await buildSummary(deps, request);
  if (!answer.ok) return answer;
  const { summary, timezone } = answer;
  if (bucketSizeFor(summary.window, timezone) === null) {
    return { ok: false, error: `charts cover periods of up to ${MAX_CHART_DAYS} days` };
  }
  // buildSummary accepted the line, so it exists.
  const line = request.line ? lineTyped(deps.routing, request.line)?.name : undefined;
  const tally = new ChartTally(summary.window, timezone);
  for await (const episode of deps.store.reports.episodes({
    since: summary.window.start,
    until: summary.window.end,
    line,
  })) {
    tally.add(episode);
  }
  const figures = tally.figures();
  const slaByLine = new Map(deps.routing.lines.map((l) => [l.name, l.sla.resolveWithin ?? null]));
  const lines: LineCallbackFigures[] = Object.entries(summary.lines).map(([name, f]) => ({
    line: name,
    timeToFirstCallback: f.business?.timeToFirstCallback ?? f.timeToFirstCallback,
    slaMs: slaByLine.get(name) ?? null,
  }));
  // Loaded on first use: ECharts and resvg weigh tens of megabytes, and most processes never draw a chart.
  const { callbackVsSlaChart, missedByHourChart, missedVsReturnedChart } = await import('./charts.js');
  let charts: ChartImage[];
  try {
    charts = [
      missedVsReturnedChart(figures),
      missedByHourChart(figures),
      callbackVsSlaChart(lines, `${summary.window.label} (${timezone})`),
    ];
  } catch (error) {
    // Drawing fails the same way every time: a summary goes out without its charts, a job is not retried.
    return {
      ok: false,
      error: `the charts could not be drawn: ${error instanceof Error ? error.message : error}`,
    };
  }
  return { ok: true, charts, summary, timezone };
}
