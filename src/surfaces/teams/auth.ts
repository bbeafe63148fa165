/**
 * How /api/messages authenticates, from the environment (design.md, "External contract"): Bot Framework
 * JWTs when MicrosoftAppId is set; open, for the local Agents Playground only, when it is unset outside
 * production; off in production without an app id.
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
  | { mode: 'unauthenticated' }
  | { mode: 'off'; why: string };

const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

export function teamsAuth(env: Env): TeamsAuth {
  const appId = env.MicrosoftAppId;
  if (!appId) {
    return env.NODE_ENV === 'production'
      ? { mode: 'off', why: 'MicrosoftAppId is unset (required in production)' }
      : { mode: 'unauthenticated' };
  }
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
