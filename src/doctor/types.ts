/** One line of `npm run doctor`: what was checked, how it went, and what to do about it. */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** The integration: slack, zendesk, aircall, teams, routing, database, server. */
  area: string;
  /** What was checked, in a few words (`token`, `channel C0123456789`). */
  name: string;
  status: CheckStatus;
  /** What was found. Never a secret: only variable names, ids and vendor error codes. */
  detail: string;
  /** The exact fix: which variable, scope, command or admin page. */
  fix?: string;
  /** The guide section that explains the fix. */
  docs?: string;
}

/** Where each fix is explained; the same sections end with "run `npm run doctor`". */
export const GUIDE = {
  setup: 'README.md#set-it-up-for-your-team',
  routing: 'README.md#routing-file',
  environment: 'README.md#environment',
  slackMode: 'docs/slack-setup.md#1-choose-a-mode',
  slackApp: 'docs/slack-setup.md#2-create-the-app-from-the-manifest',
  slackSecrets: 'docs/slack-setup.md#3-install-it-and-collect-the-secrets',
  slackChannels: 'docs/slack-setup.md#5-channels',
  slackScopes: 'docs/slack-setup.md#what-each-scope-is-for',
  teams: 'docs/teams-setup.md#set-it-up-for-your-organisation',
  teamsLocal: 'docs/teams-setup.md#try-it-locally-npm-run-demo',
  zendeskToken: 'docs/zendesk-setup.md#1-api-token',
  zendeskRouting: 'docs/zendesk-setup.md#2-routing-file',
  zendeskWebhook: 'docs/zendesk-setup.md#3-webhook-voice-tickets-and-side-conversation-replies',
  zendeskTalk: 'docs/zendesk-setup.md#4-zendesk-talk',
  aircallApi: 'docs/aircall-setup.md#1-api-key',
  aircallWebhook: 'docs/aircall-setup.md#2-webhook',
  aircallNumbers: 'docs/aircall-setup.md#3-numbers-and-agents',
} as const;

export function ok(area: string, name: string, detail: string): Check {
  return { area, name, status: 'ok', detail };
}

export function fail(area: string, name: string, detail: string, fix: string, docs: string): Check {
  return { area, name, status: 'fail', detail, fix, docs };
}

export function warn(area: string, name: string, detail: string, fix: string, docs: string): Check {
  return { area, name, status: 'warn', detail, fix, docs };
}

export function skip(area: string, name: string, detail: string, docs?: string): Check {
  return { area, name, status: 'skip', detail, ...(docs ? { docs } : {}) };
}

/** A vendor request the doctor sends: bounded so one hung API cannot hang the report. */
export const DOCTOR_TIMEOUT_MS = 5_000;

/** Rejects when `work` takes longer than `ms` (the clients' own timeouts may be longer). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short reason from an error, for a report line (vendor error codes, HTTP statuses, timeouts). */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
