/** Which surfaces and providers are on, from the credentials present, with the reason in words. */
import type { Env } from './config/env.js';
import { teamsAuth } from './surfaces/teams/auth.js';

export interface FeatureStatus {
  name: string;
  on: boolean;
  why: string;
}

function missing(env: Env, keys: (keyof Env)[]): (keyof Env)[] {
  return keys.filter((key) => !env[key]);
}

function status(name: string, env: Env, keys: (keyof Env)[], onWhy: string): FeatureStatus {
  const absent = missing(env, keys);
  return absent.length === 0
    ? { name, on: true, why: onWhy }
    : { name, on: false, why: `${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} unset` };
}

export function describeFeatures(env: Env): FeatureStatus[] {
  const slack = env.SLACK_APP_TOKEN
    ? status('slack', env, ['SLACK_BOT_TOKEN'], 'Socket Mode (SLACK_APP_TOKEN set)')
    : status('slack', env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'], 'HTTP mode at POST /slack/events');

  const auth = teamsAuth(env);
  const teams: FeatureStatus =
    auth.mode === 'bot_framework'
      ? { name: 'teams', on: true, why: `Bot Framework (${auth.appType}) at POST /api/messages` }
      : auth.mode === 'playground'
        ? {
            name: 'teams',
            on: true,
            why: 'local Agents Playground mode (RINGBACK_TEAMS_PLAYGROUND=1): UNAUTHENTICATED at POST /api/messages, loopback serviceUrl only',
          }
        : { name: 'teams', on: false, why: auth.why };

  const zendeskBase =
    env.ZENDESK_URL || env.ZENDESK_SUBDOMAIN ? [] : (['ZENDESK_SUBDOMAIN'] as (keyof Env)[]);
  const zendeskMissing = [...zendeskBase, ...missing(env, ['ZENDESK_EMAIL', 'ZENDESK_API_TOKEN'])];
  const zendesk: FeatureStatus =
    zendeskMissing.length === 0
      ? { name: 'zendesk', on: true, why: 'tickets, side conversations and the Talk poller' }
      : { name: 'zendesk', on: false, why: `${zendeskMissing.join(', ')} unset` };

  return [
    slack,
    teams,
    zendesk,
    // The webhook re-reads tickets from the API, so it needs the API credentials too.
    !env.ZENDESK_WEBHOOK_SECRET || zendesk.on
      ? status('zendesk webhook', env, ['ZENDESK_WEBHOOK_SECRET'], 'POST /webhooks/zendesk')
      : {
          name: 'zendesk webhook',
          on: false,
          why: 'ZENDESK_WEBHOOK_SECRET is set but the Zendesk API credentials are not',
        },
    status('aircall webhook', env, ['AIRCALL_WEBHOOK_TOKEN'], 'POST /webhooks/aircall'),
    status('aircall api', env, ['AIRCALL_API_ID', 'AIRCALL_API_TOKEN'], 'comments and click-to-dial'),
    status('generic webhook', env, ['RINGBACK_WEBHOOK_SECRET'], 'POST /webhooks/calls'),
    status('read api', env, ['RINGBACK_API_TOKEN'], 'GET /api/calls, /api/summary'),
  ];
}
