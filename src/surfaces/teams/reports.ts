/**
 * The weekly summary's charts in Teams: the `teams.charts` job draws the period's charts and queues them as
 * one card message (the surface's ordinary `teams.message` job, which paces and sends it like any notice).
 * Plug it in with `registerTeamsReports(ctx.runner, …)` next to the Teams surface.
 */
import { chatJobKinds } from '../../chat/jobs.js';
import { reportJobKinds } from '../../chat/reportJobs.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure } from '../../jobs/errors.js';
import { jobOf } from '../../jobs/registry.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import { chartsForPeriod } from '../../reports/periodCharts.js';
import type { Store } from '../../store/store.js';
import { escapeMarkdown } from './card.js';
import { chartsCard } from './chartsCard.js';

export const teamsReportKinds = reportJobKinds('teams');

export interface TeamsReportDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  logger: Logger;
}

export function registerTeamsReports(runner: JobRunner, deps: TeamsReportDeps): void {
  runner.handle(teamsReportKinds.charts, async ({ to, period, line, timezone, title, asOf }) => {
    const drawn = await chartsForPeriod(deps, {
      period,
      timezone,
      ...(line ? { line } : {}),
      ...(asOf !== undefined ? { asOf } : {}),
    });
    if (!drawn.ok) throw new PermanentFailure(`charts for ${period}: ${drawn.error}`);
    const message = jobOf(chatJobKinds('teams').message, {
      to,
      text: `Charts: ${escapeMarkdown(title)}`,
      rich: chartsCard(drawn.charts, title),
    });
    await deps.store.enqueue([message], deps.clock.now());
    deps.logger.info({ period, line }, `teams: queued the charts of ${period}`);
  });
}
