/**
 * Only the workspace the bot token belongs to may talk to Ringback. A signed request proves it came from
 * Slack, not from which workspace: the same app installed elsewhere (or a leaked signing secret reused by
 * another app) must not claim calls or read callers. auth.test says whose token this is; Bolt reads where
 * each request comes from (events, interactivity and slash commands alike, over HTTP or Socket Mode).
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../observability/logger.js';

/** Whose bot token this is, from auth.test. */
export interface OwnWorkspace {
  teamId: string | null;
  enterpriseId: string | null;
  /** An org-wide (Enterprise Grid) install serves every workspace of its enterprise. */
  isEnterpriseInstall: boolean;
}

/** Where a request comes from, as Bolt read it from the payload. */
export interface RequestOrigin {
  teamId?: string | undefined;
  enterpriseId?: string | undefined;
}

export function isOwnWorkspace(own: OwnWorkspace, origin: RequestOrigin): boolean {
  if (own.isEnterpriseInstall) {
    return own.enterpriseId !== null && origin.enterpriseId === own.enterpriseId;
  }
  return own.teamId !== null && origin.teamId === own.teamId;
}

/**
 * Global Bolt middleware: a request from another workspace reaches no listener. It is acknowledged with an
 * empty 200 (Slack shows an error for anything else, and a stranger learns nothing) and logged with the
 * foreign team id.
 */
export function workspaceGuard(deps: {
  ownWorkspace: () => Promise<OwnWorkspace>;
  logger: Logger;
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { context, next } = args;
    // Bolt's context carries the payload's team (our authorize returns none, so nothing overrides it).
    const origin: RequestOrigin = { teamId: context.teamId, enterpriseId: context.enterpriseId };
    const own = await deps.ownWorkspace();
    if (isOwnWorkspace(own, origin)) {
      await next();
      return;
    }
    deps.logger.warn(
      {
        foreignTeam: origin.teamId ?? null,
        foreignEnterprise: origin.enterpriseId ?? null,
        ownTeam: own.teamId,
        kind: (args.body as { type?: unknown }).type ?? 'slash_command',
      },
      `slack: refused a request from another workspace (team ${origin.teamId ?? 'none'}, enterprise ${origin.enterpriseId ?? 'none'})`,
    );
    // Events were acknowledged by Bolt already; actions, commands, options and views wait for this.
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
