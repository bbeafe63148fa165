/**
 * Slack: the bot token works, the manifest's scopes are granted, every routed channel exists and the bot can
 * post there, managers are real users, and the secret the chosen mode needs is present. Read-only calls.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SlackApi } from '../surfaces/slack/api.js';
import type { DoctorContext } from './context.js';
import { type Check, fail, GUIDE, ok, reason, skip, warn, withTimeout } from './types.js';

const AREA = 'slack';

const manifestSchema = z.object({
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
});

/** The bot scopes of manifests/slack.yaml (the Socket Mode manifest asks for the same ones). */
export function manifestScopes(): string[] {
  const text = readFileSync(new URL('../../manifests/slack.yaml', import.meta.url), 'utf8');
  return manifestSchema.parse(parseYaml(text)).oauth_config.scopes.bot;
}

const channelAnswer = z.object({
  channel: z.object({
    id: z.string(),
    name: z.string().optional(),
    is_private: z.boolean().optional(),
    is_member: z.boolean().optional(),
    is_archived: z.boolean().optional(),
  }),
});

/** Slack's `error` code of a failed Web API call, or null when it failed some other way. */
function slackError(error: unknown): string | null {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : null;
}

/** Routed Slack channels and where the routing file names them. */
export function routedSlackChannels(context: DoctorContext): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (channel: string | undefined, place: string) => {
    if (!channel) return;
    where.set(channel, [...(where.get(channel) ?? []), place]);
  };
  for (const line of context.routing.lines) add(line.slack?.channel, `line "${line.name}"`);
  add(context.routing.managers.slackChannel, 'managers.slackChannel');
  context.routing.schedules.forEach((s, i) => {
    add(s.slack?.channel, `schedules[${i}]`);
  });
  context.routing.priority.forEach((rule, i) => {
    add(rule.slack?.channel, `priority "${rule.name ?? i + 1}"`);
  });
  return where;
}

function modeCheck(context: DoctorContext): Check {
  const { env } = context;
  if (env.SLACK_APP_TOKEN) {
    return env.SLACK_APP_TOKEN.startsWith('xapp-')
      ? ok(AREA, 'mode', 'Socket Mode (SLACK_APP_TOKEN is set)')
      : fail(
          AREA,
          'mode',
          'SLACK_APP_TOKEN does not start with xapp-',
          'set SLACK_APP_TOKEN to the app-level token (Basic Information > App-Level Tokens, scope connections:write)',
          GUIDE.slackSecrets,
        );
  }
  return env.SLACK_SIGNING_SECRET
    ? ok(AREA, 'mode', 'HTTP mode: requests to POST /slack/events are verified with SLACK_SIGNING_SECRET')
    : fail(
        AREA,
        'mode',
        'HTTP mode needs SLACK_SIGNING_SECRET (and Socket Mode needs SLACK_APP_TOKEN): neither is set',
        'set SLACK_SIGNING_SECRET from the app page Basic Information > App Credentials > Signing Secret',
        GUIDE.slackSecrets,
      );
}

async function channelCheck(
  api: SlackApi,
  context: DoctorContext,
  channel: string,
  places: string[],
  granted: Set<string> | null,
): Promise<Check> {
  const name = `channel ${channel}`;
  const used = `(${places.join(', ')})`;
  try {
    const answer = channelAnswer.parse(
      await withTimeout(
        api.client.conversations.info({ channel }),
        context.timeoutMs,
        'slack conversations.info',
      ),
    );
    const found = answer.channel;
    const label = found.name ? `#${found.name}` : channel;
    if (found.is_archived)
      return fail(
        AREA,
        name,
        `${label} ${used} is archived`,
        `unarchive ${label} or route the line to another channel in ${context.env.RINGBACK_CONFIG}`,
        GUIDE.slackChannels,
      );
    if (!found.is_member) {
      // chat:write.public lets the bot post in public channels it was not invited to, never private ones.
      return found.is_private || !granted?.has('chat:write.public')
        ? fail(
            AREA,
            name,
            `the bot is not a member of ${label} ${used}`,
            `in Slack, open ${label} and type /invite @Ringback`,
            GUIDE.slackChannels,
          )
        : ok(AREA, name, `${label} ${used}: public, the bot posts there with chat:write.public`);
    }
    return ok(AREA, name, `${label} ${used}: the bot is a member`);
  } catch (error) {
    const code = slackError(error);
    if (code === 'channel_not_found')
      return fail(
        AREA,
        name,
        `channel_not_found: ${channel} ${used} does not exist or the bot cannot see it (a private channel it was not invited to)`,
        `check the id in ${context.env.RINGBACK_CONFIG} (channel details > About, at the bottom), then /invite @Ringback in that channel`,
        GUIDE.slackChannels,
      );
    if (code === 'missing_scope')
      return warn(
        AREA,
        name,
        `not checked ${used}: conversations.info needs the channels:read scope (groups:read for private channels)`,
        'to let the doctor check channels, add channels:read and groups:read under OAuth & Permissions > Bot Token Scopes and reinstall the app; or check by hand that the bot is in the channel',
        GUIDE.slackScopes,
      );
    return fail(
      AREA,
      name,
      `conversations.info failed ${used}: ${code ?? reason(error)}`,
      'check that Slack is reachable from here and try again',
      GUIDE.slackChannels,
    );
  }
}

async function managerCheck(api: SlackApi, context: DoctorContext, userId: string): Promise<Check> {
  const name = `manager ${userId}`;
  const fix = `fix managers.slack in ${context.env.RINGBACK_CONFIG}: a member id is in the person's Slack profile > ⋮ > Copy member ID`;
  try {
    const user = await withTimeout(api.userInfo(userId), context.timeoutMs, 'slack users.info');
    if (user.deleted) return fail(AREA, name, `${userId} is a deactivated Slack account`, fix, GUIDE.routing);
    if (user.isBot) return fail(AREA, name, `${userId} is a bot, not a person`, fix, GUIDE.routing);
    return ok(AREA, name, `${userId} is a Slack member`);
  } catch (error) {
    const text = reason(error);
    if (text.includes('user_not_found'))
      return fail(AREA, name, `user_not_found: Slack knows no user ${userId}`, fix, GUIDE.routing);
    return fail(AREA, name, `users.info failed: ${text}`, 'try again', GUIDE.routing);
  }
}

/** A Slack client for one look: no retries, the doctor's own timeout. */
export function doctorSlackApi(context: DoctorContext, token: string): SlackApi {
  const { env } = context;
  return new SlackApi({
    token,
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    retries: 0,
    timeoutMs: context.timeoutMs,
    logger: context.logger,
    metrics: context.metrics,
  });
}

export async function slackChecks(context: DoctorContext): Promise<Check[]> {
  const { env } = context;
  if (!env.SLACK_BOT_TOKEN) {
    const routed = routedSlackChannels(context).size > 0 || context.routing.managers.slack.length > 0;
    return [
      routed
        ? fail(
            AREA,
            'token',
            'the routing file names Slack channels or managers but SLACK_BOT_TOKEN is unset',
            'set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from the app page OAuth & Permissions',
            GUIDE.slackSecrets,
          )
        : skip(AREA, 'token', 'not configured: SLACK_BOT_TOKEN is unset', GUIDE.slackSecrets),
    ];
  }

  const checks: Check[] = [modeCheck(context)];
  const api = doctorSlackApi(context, env.SLACK_BOT_TOKEN);

  let granted: Set<string> | null = null;
  try {
    const answer = await withTimeout(api.client.auth.test(), context.timeoutMs, 'slack auth.test');
    checks.push(
      ok(AREA, 'token', `SLACK_BOT_TOKEN works: workspace ${answer.team ?? answer.team_id ?? '?'}`),
    );
    const scopes = answer.response_metadata?.scopes;
    if (scopes) granted = new Set(scopes);
  } catch (error) {
    const code = slackError(error);
    const bad = code === 'invalid_auth' || code === 'not_authed' || code === 'account_inactive';
    checks.push(
      fail(
        AREA,
        'token',
        bad
          ? `auth.test: ${code}: SLACK_BOT_TOKEN is not a valid bot token`
          : `auth.test failed: ${code ?? reason(error)}`,
        bad
          ? 'set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) on the app page OAuth & Permissions (reinstall the app if it was revoked)'
          : 'check that Slack (SLACK_API_URL) is reachable from here and try again',
        GUIDE.slackSecrets,
      ),
    );
    return checks;
  }

  if (granted === null) {
    checks.push(
      skip(AREA, 'scopes', 'Slack did not say which scopes the token has (no x-oauth-scopes header)'),
    );
  } else {
    const missing = manifestScopes().filter((scope) => !granted?.has(scope));
    checks.push(
      missing.length === 0
        ? ok(AREA, 'scopes', 'every scope of manifests/slack.yaml is granted')
        : fail(
            AREA,
            'scopes',
            `missing scope${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
            `on the app page OAuth & Permissions > Bot Token Scopes add ${missing.join(', ')} (or paste manifests/slack.yaml again), then reinstall the app`,
            GUIDE.slackScopes,
          ),
    );
  }

  for (const [channel, places] of routedSlackChannels(context)) {
    checks.push(await channelCheck(api, context, channel, places, granted));
  }
  for (const userId of context.routing.managers.slack) {
    checks.push(await managerCheck(api, context, userId));
  }
  return checks;
}
