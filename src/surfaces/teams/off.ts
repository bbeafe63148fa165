/**
 * POST /api/messages while Teams is off: a clear 404 of its own. Without it the request would fall through
 * to the read API, whose 401 ("send a bearer token") sends someone whose MicrosoftAppId did not load looking
 * for a token problem. Kept apart from register.ts so it loads none of Teams' SDKs.
 */
import type { Request, Response } from 'express';
import type { AdapterContext } from '../../adapters/context.js';
import { sendError } from '../../http/errors.js';

export const TEAMS_ROUTE = '/api/messages';

/** Mounts the refusal; `why` (from teamsAuth) goes to the log, not to the sender. */
export function mountTeamsOff(ctx: AdapterContext, why: string): void {
  ctx.addMount((app) => {
    app.post(TEAMS_ROUTE, (_req: Request, res: Response) => {
      ctx.logger.info(`teams: an activity came while Teams is off (${why})`);
      sendError(res, 404, 'teams_off', 'Microsoft Teams is not set up on this Ringback: see its startup log');
    });
  });
}
