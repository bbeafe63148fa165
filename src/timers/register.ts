/**
 * Plugs the timers into a Ringback process: the escalation ladder and reminders, out-of-hours holds
 * and scheduled summaries. Always on: lines without `escalate`, `sla`, `outOfHours: hold` or
 * `schedules` simply queue nothing. Messages go out through the notice hub, so they reach whichever
 * surfaces are on.
 */
import { Counter } from 'prom-client';
import { type RegisterAdapter, runsJobs } from '../adapters/context.js';
import { callbackDueHandler, callbackDueJob, callbackDueTranslator } from './callbackDue.js';
import {
  escalationStepHandler,
  escalationStepJob,
  escalationTranslator,
  reminderHandler,
  reminderJob,
} from './escalation.js';
import {
  holdDigestHandler,
  holdDigestJob,
  holdReleaseHandler,
  holdReleaseJob,
  outOfHoursTranslator,
} from './outOfHours.js';
import { scheduledSummaryHandler, scheduledSummaryJob, seedSchedules } from './schedules.js';

export const registerEscalation: RegisterAdapter = (ctx) => {
  const { config, logger, commands, notices, runner, store, clock } = ctx;
  const routing = config.routing;
  const timers = new Counter({
    name: 'ringback_timer_runs_total',
    help: 'Escalation steps, reminders, out-of-hours digests and scheduled summaries by kind and result',
    labelNames: ['kind', 'result'] as const,
    registers: [ctx.metrics.registry],
  });

  const reportEpisode = (kind: string, result: string, episodeId: string) => {
    timers.inc({ kind, result });
    logger.info(
      { kind, result, episode: episodeId },
      `escalation: ${kind} for episode ${episodeId}: ${result}`,
    );
  };
  ctx.addIntentTranslator(escalationTranslator(routing));
  ctx.addIntentTranslator(outOfHoursTranslator);
  ctx.addIntentTranslator(callbackDueTranslator);
  runner.handle(
    callbackDueJob,
    callbackDueHandler({
      routing,
      commands,
      notices,
      report: (result, episodeId) => reportEpisode('callback_due', result, episodeId),
    }),
  );
  runner.handle(
    escalationStepJob,
    escalationStepHandler({ routing, commands, notices, report: reportEpisode }),
  );
  runner.handle(reminderJob, reminderHandler({ routing, commands, notices, report: reportEpisode }));

  const reportHold = (kind: string, result: string) => {
    timers.inc({ kind, result });
    logger.info({ kind, result }, `out of hours: ${kind}: ${result}`);
  };
  runner.handle(holdDigestJob, holdDigestHandler({ routing, commands, notices, report: reportHold }));
  runner.handle(holdReleaseJob, holdReleaseHandler({ routing, commands, notices, report: reportHold }));

  const scheduleDeps = {
    store,
    clock,
    routing,
    notices,
    report: (result: string, key: string, detail?: string) => {
      timers.inc({ kind: 'summary', result });
      const line = `schedules: summary "${key}": ${result}${detail ? ` (${detail})` : ''}`;
      if (result === 'failed') logger.error({ schedule: key, detail }, line);
      else logger.info({ schedule: key, result }, line);
    },
  };
  runner.handle(scheduledSummaryJob, scheduledSummaryHandler(scheduleDeps));
  ctx.onStart(async () => {
    if (routing.schedules.length === 0 || !runsJobs(ctx.role)) return;
    const queued = await seedSchedules(scheduleDeps);
    logger.info(
      { schedules: routing.schedules.length, queued },
      `schedules: ${routing.schedules.length} scheduled summar${routing.schedules.length === 1 ? 'y' : 'ies'} (${queued} newly queued)`,
    );
  });
};
