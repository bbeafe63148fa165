/**
 * `GET /readyz?verbose=1`: readiness plus the doctor's lines, for operators. Without `verbose=1` (the load
 * balancer's probe) the plain readiness route answers, untouched; vendors are asked at most once a minute.
 * The report names channels, managers, numbers and the Zendesk account, so, like the read API, it needs
 * `Authorization: Bearer <RINGBACK_API_TOKEN>`, and is off while that is unset.
 */
import type { RequestHandler } from 'express';
import { bearerAccepted } from '../http/auth.js';
import { sendError } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ServedReport } from './service.js';

export interface DoctorHandle {
  report(): Promise<ServedReport>;
}

export function verboseReadiness(deps: {
  doctor?: DoctorHandle | undefined;
  isAcceptingTraffic: () => boolean;
  /** True while the jobs thread is still starting (not ready yet, as the plain /readyz says). */
  jobsStarting?: () => boolean;
  logger: Logger;
  /** RINGBACK_API_TOKEN; undefined turns the verbose report off. */
  token: string | undefined;
}): RequestHandler {
  return async (req, res, next) => {
    const { doctor } = deps;
    if (req.query.verbose !== '1' || !doctor) {
      next();
      return;
    }
    if (!deps.token) {
      deps.logger.info('readyz: verbose report asked for while RINGBACK_API_TOKEN is unset');
      sendError(
        res,
        404,
        'verbose_off',
        'the verbose report needs RINGBACK_API_TOKEN, sent as a Bearer token',
      );
      return;
    }
    if (!bearerAccepted(req, res, deps.token, deps.logger, 'readyz: verbose report')) return;
    let report: ServedReport;
    try {
      report = await doctor.report();
    } catch (error) {
      // The plain answer is still worth having when the report itself broke.
      deps.logger.warn({ err: error }, 'readyz: the doctor report failed; answering without it');
      next();
      return;
    }
    const databaseAnswers = report.checks.every((c) => c.area !== 'database' || c.status !== 'fail');
    const ready = deps.isAcceptingTraffic() && !deps.jobsStarting?.() && databaseAnswers;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      healthy: report.healthy,
      vendorsCheckedAt: report.vendorsCheckedAt,
      checks: report.checks,
    });
  };
}
