import { z } from 'zod';

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * Blank is unset and surrounding spaces are dropped, for every variable: a `.env` line `LOG_LEVEL=` is how
 * admins switch a setting off, and it refused to start.
 */
function blankIsUnset<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === 'string' ? value.trim() || undefined : value), schema);
}

/** A base URL for an API; a local fake server in tests. */
const baseUrl = blankIsUnset(z.url({ message: 'expected a URL like https://example.com' }).optional());

/** Every environment variable Ringback reads (the README's Environment table lists them for users). */
export const envSchema = z.object({
  /** HTTP port for every route. */
  // Coerced, a blank PORT was 0, a random port.
  PORT: blankIsUnset(z.coerce.number().int().min(0).max(65535).default(3000)),
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: blankIsUnset(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** `production` closes the unauthenticated Teams endpoint. */
  NODE_ENV: optionalText,
  /** Unset → SQLite ./data/ringback.db; `sqlite:PATH`; `postgres://…`. */
  DATABASE_URL: optionalText,
  /** The routing/policy YAML. */
  RINGBACK_CONFIG: blankIsUnset(z.string().default('./ringback.yaml')),
  /**
   * `2`: answer HTTP on one thread and run the jobs on another (median webhook answer near 1 ms under heavy
   * ingest; about 70 MB more memory and a second more to start). `1` (default): one thread. See
   * docs/architecture.md.
   */
  RINGBACK_THREADS: blankIsUnset(z.enum(['1', '2'], { message: 'expected 1 or 2' }).default('1')),

  /** Slack bot token (`xoxb-…`). */
  SLACK_BOT_TOKEN: optionalText,
  /** Slack signing secret, to verify requests to /slack/events. */
  SLACK_SIGNING_SECRET: optionalText,
  /** Slack app-level token (`xapp-…`); set → Socket Mode instead of HTTP. */
  SLACK_APP_TOKEN: optionalText,
  /** Slack Web API base URL, with its trailing slash. */
  SLACK_API_URL: baseUrl,

  /** Teams bot (Bot Framework) app id; unset → Teams is off (unless RINGBACK_TEAMS_PLAYGROUND=1). */
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  /** MultiTenant, SingleTenant or UserAssignedMSI. */
  MicrosoftAppType: optionalText,
  MicrosoftAppTenantId: optionalText,
  /**
   * `1`: accept unauthenticated Teams activities from a local Agents Playground (loopback `serviceUrl` only,
   * refused with NODE_ENV=production). Anything else or unset: off. Fails closed.
   */
  RINGBACK_TEAMS_PLAYGROUND: optionalText,

  /** Zendesk subdomain (`acme` for acme.zendesk.com). */
  ZENDESK_SUBDOMAIN: optionalText,
  /** Zendesk agent email used with the API token. */
  ZENDESK_EMAIL: optionalText,
  ZENDESK_API_TOKEN: optionalText,
  /** Signing secret of the Zendesk webhook pointing at /webhooks/zendesk. */
  ZENDESK_WEBHOOK_SECRET: optionalText,
  /** Overrides https://$ZENDESK_SUBDOMAIN.zendesk.com. */
  ZENDESK_URL: baseUrl,

  /** Aircall API id and token (Basic auth) for comments and dialling. */
  AIRCALL_API_ID: optionalText,
  AIRCALL_API_TOKEN: optionalText,
  /** The `token` Aircall puts in every webhook body. */
  AIRCALL_WEBHOOK_TOKEN: optionalText,
  AIRCALL_API_URL: baseUrl,

  /** HMAC secret of the generic webhook /webhooks/calls. */
  RINGBACK_WEBHOOK_SECRET: optionalText,
  /** Bearer token for the read API (/api/calls, /api/summary); unset → the API is off. */
  RINGBACK_API_TOKEN: optionalText,
});

export type Env = z.infer<typeof envSchema>;

/** Names of the variables whose values must never reach a log line. */
export const SECRET_ENV_KEYS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'MicrosoftAppPassword',
  'ZENDESK_API_TOKEN',
  'ZENDESK_WEBHOOK_SECRET',
  'AIRCALL_API_TOKEN',
  'AIRCALL_WEBHOOK_TOKEN',
  'RINGBACK_WEBHOOK_SECRET',
  'RINGBACK_API_TOKEN',
] as const satisfies readonly (keyof Env)[];

/** The Zendesk web address (ZENDESK_URL, else the subdomain's), without a trailing slash; null when unset. */
export function zendeskBaseUrl(env: Pick<Env, 'ZENDESK_URL' | 'ZENDESK_SUBDOMAIN'>): string | null {
  if (env.ZENDESK_URL) return env.ZENDESK_URL.replace(/\/+$/, '');
  if (env.ZENDESK_SUBDOMAIN) return `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com`;
  return null;
}
