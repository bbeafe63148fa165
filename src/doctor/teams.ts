/**
 * Microsoft Teams: the app id and password get a Bot Framework token (or the local playground switch is on,
 * and the report says so), and every routed Teams channel has been seen by the bot (it can only post where
 * Teams told it the channel's service URL, in the teams_channels table).
 */
import { z } from 'zod';
import type { Store } from '../store/store.js';
import { teamsAuth } from '../surfaces/teams/auth.js';
import { acceptedTenants } from '../surfaces/teams/gate.js';
import type { DoctorContext } from './context.js';
import { type Check, fail, GUIDE, ok, reason, skip, warn } from './types.js';

const AREA = 'teams';

/** Entra ID's token endpoint; `{tenant}` is the app's tenant, or botframework.com for multi-tenant bots. */
export const DEFAULT_TEAMS_TOKEN_URL = 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token';

const tokenError = z.object({ error: z.string(), error_description: z.string().optional() });

export function routedTeamsChannels(context: DoctorContext): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (channel: string | undefined, place: string) => {
    if (channel) where.set(channel, [...(where.get(channel) ?? []), place]);
  };
  for (const line of context.routing.lines) add(line.teams?.channel, `line "${line.name}"`);
  add(context.routing.managers.teamsChannel, 'managers.teamsChannel');
  context.routing.schedules.forEach((s, i) => {
    add(s.teams?.channel, `schedules[${i}]`);
  });
  context.routing.priority.forEach((rule, i) => {
    add(rule.teams?.channel, `priority "${rule.name ?? i + 1}"`);
  });
  return where;
}

async function tokenCheck(
  context: DoctorContext,
  appId: string,
  password: string,
  tenant: string,
): Promise<Check> {
  const url = context.teamsTokenUrl.replace('{tenant}', encodeURIComponent(tenant));
  const fixPassword =
    'in Azure portal > your Azure Bot > Configuration > Manage Password (or Entra ID > App registrations > Certificates & secrets), create a client secret and set MicrosoftAppPassword to its value';
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: password,
        scope: 'https://api.botframework.com/.default',
      }),
      signal: AbortSignal.timeout(context.timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as unknown;
    if (response.ok)
      return ok(
        AREA,
        'credentials',
        `MicrosoftAppId and MicrosoftAppPassword get a Bot Framework token (tenant ${tenant})`,
      );
    const parsed = tokenError.safeParse(body);
    const code = parsed.success ? parsed.data.error : `HTTP ${response.status}`;
    // AADSTS700016: no such application in that tenant; AADSTS7000215: wrong secret.
    const description = parsed.success ? (parsed.data.error_description ?? '') : '';
    if (description.includes('AADSTS700016') || code === 'unauthorized_client')
      return fail(
        AREA,
        'credentials',
        `${code}: Entra ID knows no app MicrosoftAppId in tenant ${tenant}`,
        'set MicrosoftAppId to the Azure Bot’s Microsoft App ID (Configuration page); for a single-tenant bot set MicrosoftAppType=SingleTenant and MicrosoftAppTenantId',
        GUIDE.teams,
      );
    return fail(
      AREA,
      'credentials',
      `${code}: the token request was refused (MicrosoftAppPassword wrong or expired?)`,
      fixPassword,
      GUIDE.teams,
    );
  } catch (error) {
    return fail(
      AREA,
      'credentials',
      `token request failed: ${reason(error)}`,
      'check that login.microsoftonline.com is reachable from here',
      GUIDE.teams,
    );
  }
}

async function channelChecks(context: DoctorContext, store: Store | null): Promise<Check[]> {
  const routed = routedTeamsChannels(context);
  if (routed.size === 0) return [];
  if (!store) return [skip(AREA, 'channels', 'not checked: the database did not answer')];
  const teams = store.teams;
  const checks: Check[] = [];
  for (const [channel, places] of routed) {
    const name = `channel ${channel}`;
    try {
      const seen = await teams.getChannel(channel);
      checks.push(
        seen
          ? ok(
              AREA,
              name,
              `${seen.teamName ?? 'team'} › ${seen.channelName ?? 'General'} (${places.join(', ')})`,
            )
          : fail(
              AREA,
              name,
              `the bot has never seen ${channel} (${places.join(', ')}): it cannot post there`,
              'add the Ringback app to that team (Teams > the team > ⋯ > Manage team > Apps), then ask "@Ringback channels" there and copy the id it gives',
              GUIDE.teams,
            ),
      );
    } catch (error) {
      checks.push(
        warn(
          AREA,
          name,
          `not checked: ${reason(error)}`,
          'start Ringback once so it creates its tables, then run npm run doctor again',
          GUIDE.teams,
        ),
      );
    }
  }
  return checks;
}

export async function teamsChecks(context: DoctorContext, store: Store | null): Promise<Check[]> {
  const { env } = context;
  const routed = routedTeamsChannels(context).size > 0;
  if (!env.MicrosoftAppId) {
    if (env.RINGBACK_TEAMS_PLAYGROUND === '1') {
      // The server's own decision, so that "Production" is refused here as it is there.
      const auth = teamsAuth(env);
      if (auth.mode === 'off')
        return [
          fail(
            AREA,
            'mode',
            'RINGBACK_TEAMS_PLAYGROUND=1 is refused with NODE_ENV=production: Teams is off',
            'unset RINGBACK_TEAMS_PLAYGROUND and set MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId',
            GUIDE.teams,
          ),
        ];
      return [
        warn(
          AREA,
          'mode',
          'PLAYGROUND: RINGBACK_TEAMS_PLAYGROUND=1 accepts unauthenticated activities from a loopback serviceUrl only (the local Agents Playground); real Teams cannot reach it',
          'for a real Teams, unset RINGBACK_TEAMS_PLAYGROUND and set MicrosoftAppId and MicrosoftAppPassword',
          GUIDE.teamsLocal,
        ),
        ...(await channelChecks(context, store)),
      ];
    }
    return [
      routed
        ? fail(
            AREA,
            'mode',
            'the routing file names Teams channels but MicrosoftAppId is unset: Teams is off',
            'register an Azure Bot and set MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType and MicrosoftAppTenantId',
            GUIDE.teams,
          )
        : skip(AREA, 'mode', 'not configured: MicrosoftAppId is unset', GUIDE.teams),
    ];
  }

  const auth = teamsAuth(env);
  if (auth.mode !== 'bot_framework')
    return [
      fail(
        AREA,
        'credentials',
        auth.mode === 'off' ? auth.why : 'Teams is not authenticated',
        'set MicrosoftAppType (SingleTenant, MultiTenant or UserAssignedMSI), MicrosoftAppTenantId and MicrosoftAppPassword as the Azure Bot’s Configuration page shows',
        GUIDE.teams,
      ),
    ];
  const checks: Check[] = [];
  if (acceptedTenants(auth.tenantId, context.routing.teams.tenants).length === 0) {
    checks.push(
      fail(
        AREA,
        'tenants',
        'no tenant is accepted: every Teams activity is refused (403 tenant_not_configured)',
        'set MicrosoftAppTenantId to your organisation’s tenant id, or list the tenants under teams.tenants in the routing file',
        GUIDE.teams,
      ),
    );
  }
  if (auth.appType === 'UserAssignedMSI' || !auth.password) {
    checks.push(
      skip(AREA, 'credentials', 'UserAssignedMSI: a managed identity gets its token only inside Azure'),
    );
  } else {
    const tenant = auth.appType === 'SingleTenant' && auth.tenantId ? auth.tenantId : 'botframework.com';
    checks.push(await tokenCheck(context, auth.appId, auth.password, tenant));
  }
  checks.push(...(await channelChecks(context, store)));
  return checks;
}
