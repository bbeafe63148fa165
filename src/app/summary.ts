/** The summary use case shared by /api/summary, /ringback summary and scheduled summaries. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import { agentsWithLegs } from '../domain/legReport.js';
import { parsePeriod } from '../domain/periods.js';
import { type Summary, SummaryTally } from '../domain/summary.js';
import { periodLegReport } from '../reports/legs.js';
import type { Store } from '../store/store.js';
import { lineNamed, lineTyped } from './routing.js';
import { businessElapsed } from './sla.js';

export interface SummaryRequest {
  /** `today`, `yesterday`, `week`, `month`, `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD`. */
  period: string;
  /** Only this line. */
  line?: string;
  /** Read the period in this zone instead of the line's or the team's (scheduled summaries). */
  timezone?: string;
  /**
   * Read `today`, `week`… as of this instant (when the person asked) rather than now: a job that draws the
   * charts a little later, across midnight or after a retry, must draw the period that was asked for.
   */
  asOf?: number;
}

export type SummaryAnswer = { ok: true; summary: Summary; timezone: string } | { ok: false; error: string };

/** Calls one summary reads at most: a longer period is refused rather than summed up short. */
export const MAX_SUMMARY_EPISODES = 100_000;
/** Episodes counted between two turns of the event loop. */
const YIELD_EVERY = 1_000;

export async function buildSummary(
  deps: { store: Store; clock: Clock; routing: RoutingConfig; maxEpisodes?: number },
  request: SummaryRequest,
): Promise<SummaryAnswer> {
  const { routing, clock, store } = deps;
  const maxEpisodes = deps.maxEpisodes ?? MAX_SUMMARY_EPISODES;
  const lineConfig = request.line ? lineTyped(routing, request.line) : null;
  if (request.line && !lineConfig) {
    return {
      ok: false,
      error: `no line named "${request.line}" (lines: ${routing.lines.map((l) => l.name).join(', ') || 'none'})`,
    };
  }
  const timezone = request.timezone ?? lineConfig?.timezone ?? routing.timezone;
  const now = clock.now();
  const window = parsePeriod(request.period, request.asOf ?? now, timezone);
  if ('error' in window) return { ok: false, error: window.error };
  const lineName = lineConfig?.name;
  const slaByLine = new Map(routing.lines.map((l) => [l.name, l.sla]));
  // Main figures stay wall-clock; `business` figures and SLA breaches count each line's open hours.
  const tally = new SummaryTally({
    window,
    now,
    slaFor: (line) => slaByLine.get(line) ?? {},
    businessElapsed: businessElapsed(routing),
  });
  const tooMany = {
    ok: false as const,
    error: `more than ${maxEpisodes.toLocaleString('en-US')} calls in that period; ask for a shorter one (or one line)`,
  };
  // Counted in batches, one at a time: a year of calls held whole took half a gigabyte (size bench).
  for await (const episode of store.reports.episodes({
    since: window.start,
    until: window.end,
    line: lineName,
  })) {
    tally.add(episode);
    if (tally.size > maxEpisodes) return tooMany;
    // Between batches the event loop answers webhooks (SQLite reads without leaving this turn).
    if (tally.size % YIELD_EVERY === 0) await nextTurn();
  }
  // One more than the most read: if it comes back, the figures would be short.
  const openNow = await store.episodes.list({
    states: ['open', 'claimed', 'calling'],
    line: lineName,
    limit: maxEpisodes + 1,
  });
  if (openNow.length > maxEpisodes) return tooMany;
  const summary = tally.summary(openNow);
  const legs = await periodLegReport(
    store,
    { since: window.start, until: window.end, line: lineName },
    (line, reason) => lineNamed(routing, line)?.ignore.includes(reason) ?? false,
  );
  return {
    ok: true,
    summary: { ...summary, agents: agentsWithLegs(summary.agents, legs), legs: legs.totals },
    timezone,
  };
}
