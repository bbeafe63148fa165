/**
 * How /api/messages authenticates, from the environment (README "Security" and docs/teams-setup.md): Bot Framework
 * JWTs when MicrosoftAppId is set. Without it Teams is off, unless RINGBACK_TEAMS_PLAYGROUND=1 asks for the
 * local Agents Playground (unauthenticated, loopback serviceUrl only, see gate.ts), which production refuses.
 */
import type { Env } from '../../config/env.js';

export type TeamsAuth =
  | {
      mode: 'bot_framework';
      appId: string;
      password: string | undefined;
      appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
      tenantId: string | undefined;
    }
  | { mode: 'playground' }
  /** `refused`: an admin asked for something unsafe; the startup log says so as an error, not a fact. */
  | { mode: 'off'; why: string; refused?: true };

const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

export const PLAYGROUND_SWITCH = 'RINGBACK_TEAMS_PLAYGROUND';

function withoutAppId(env: Env): TeamsAuth {
  const playground = env.RINGBACK_TEAMS_PLAYGROUND;
  if (playground === undefined) {
    return {
      mode: 'off',
      why: `MicrosoftAppId is unset (${PLAYGROUND_SWITCH}=1 opens it to a local Agents Playground instead)`,
    };
  }
  // Only the exact value turns it on: "true", "yes" or a typo must not open an unauthenticated door.
  if (playground !== '1') {
    return {
      mode: 'off',
      why: `MicrosoftAppId is unset and ${PLAYGROUND_SWITCH} is "${playground}", not 1`,
    };
  }
  // "Production" or "PRODUCTION" mean the same to whoever set it.
  if (env.NODE_ENV?.trim().toLowerCase() === 'production') {
    return {
      mode: 'off',
      why: `${PLAYGROUND_SWITCH}=1 is refused with NODE_ENV=production: set MicrosoftAppId (Bot Framework) instead`,
      refused: true,
    };
  }
  return { mode: 'playground' };
}

export function teamsAuth(env: Env): TeamsAuth {
  const appId = env.MicrosoftAppId;
  if (!appId) return withoutAppId(env);
  // The SDK's own default; Azure no longer creates multi-tenant bots, so admins set SingleTenant.
  const appType = env.MicrosoftAppType ?? 'MultiTenant';
  const known = APP_TYPES.find((t) => t.toLowerCase() === appType.toLowerCase());
  if (!known) {
    return { mode: 'off', why: `MicrosoftAppType "${appType}" is not one of ${APP_TYPES.join(', ')}` };
  }
  if (known !== 'MultiTenant' && !env.MicrosoftAppTenantId) {
    return { mode: 'off', why: `MicrosoftAppType ${known} needs MicrosoftAppTenantId` };
  }
  if (known !== 'UserAssignedMSI' && !env.MicrosoftAppPassword) {
    return { mode: 'off', why: `MicrosoftAppType ${known} needs MicrosoftAppPassword` };
  }
  return {
    mode: 'bot_framework',
    appId,
    password: env.MicrosoftAppPassword,
    appType: known,
    tenantId: env.MicrosoftAppTenantId,
  };
}
