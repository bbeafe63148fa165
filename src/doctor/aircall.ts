/**
 * Aircall: the API key works, the webhook token is set, every routed Aircall number is in the account, and
 * the agents on those numbers have e-mails that Slack and Zendesk know (that is how a click is matched to
 * the agent who may dial). Read-only requests.
 */
import { z } from 'zod';
import { systemClock } from '../domain/clock.js';
import { createAircallClient, DEFAULT_AIRCALL_API_URL } from '../providers/aircall/client.js';
import { createZendeskClient, zendeskBaseUrl } from '../zendesk/client.js';
import type { DoctorContext } from './context.js';
import { getJson, HttpStatusError } from './http.js';
import { doctorSlackApi } from './slack.js';
import { type Check, fail, GUIDE, ok, reason, skip, withTimeout } from './types.js';

const AREA = 'aircall';

const numbersPage = z.object({
  numbers: z.array(
    z.object({
      id: z.union([z.number(), z.string()]).transform(String),
      name: z.string().nullish(),
      digits: z.string().nullish(),
    }),
  ),
  meta: z.object({ next_page_link: z.string().nullish() }).partial().optional(),
});

const numberDetail = z.object({
  number: z.object({
    users: z
      .array(
        z.object({ id: z.union([z.number(), z.string()]).transform(String), email: z.string().nullish() }),
      )
      .default([]),
  }),
});

interface AircallNumber {
  id: string;
  name: string;
  digits: string;
}

/** Aircall shows numbers formatted (`+33 1 76 36 06 95`): compare digits only. */
function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

function routedNumbers(context: DoctorContext): { number: string; line: string }[] {
  return context.routing.lines.flatMap((line) =>
    line.match !== '*' && line.match.aircallNumber
      ? [{ number: line.match.aircallNumber, line: line.name }]
      : [],
  );
}

/** Who can tell an agent's e-mail apart: a lookup per configured surface or help desk. */
function emailDirectories(
  context: DoctorContext,
): { name: string; knows: (email: string) => Promise<boolean> }[] {
  const { env } = context;
  const directories: { name: string; knows: (email: string) => Promise<boolean> }[] = [];
  if (env.SLACK_BOT_TOKEN) {
    const slack = doctorSlackApi(context, env.SLACK_BOT_TOKEN);
    directories.push({
      name: 'Slack',
      knows: async (email) => {
        try {
          await withTimeout(
            slack.client.users.lookupByEmail({ email }),
            context.timeoutMs,
            'slack users.lookupByEmail',
          );
          return true;
        } catch (error) {
          if ((error as { data?: { error?: unknown } }).data?.error === 'users_not_found') return false;
          throw error;
        }
      },
    });
  }
  const zendeskUrl = zendeskBaseUrl(env);
  if (zendeskUrl && env.ZENDESK_EMAIL && env.ZENDESK_API_TOKEN) {
    const zendesk = createZendeskClient({
      baseUrl: zendeskUrl,
      email: env.ZENDESK_EMAIL,
      token: env.ZENDESK_API_TOKEN,
      clock: systemClock,
      logger: context.logger,
      requestsPerMinute: 60,
    });
    directories.push({
      name: 'Zendesk',
      knows: async (email) => {
        const users = await withTimeout(
          zendesk.searchUsers(email),
          context.timeoutMs,
          'zendesk users/search',
        );
        return users.some((u) => u.active && u.email?.toLowerCase() === email && u.role !== 'end-user');
      },
    });
  }
  return directories;
}

export async function aircallChecks(context: DoctorContext): Promise<Check[]> {
  const { env } = context;
  const routed = routedNumbers(context);
  const apiSet = Boolean(env.AIRCALL_API_ID && env.AIRCALL_API_TOKEN);
  if (!apiSet && !env.AIRCALL_WEBHOOK_TOKEN && routed.length === 0)
    return [skip(AREA, 'webhook', 'not configured: AIRCALL_WEBHOOK_TOKEN is unset', GUIDE.aircallWebhook)];

  const checks: Check[] = [
    env.AIRCALL_WEBHOOK_TOKEN
      ? ok(AREA, 'webhook', 'AIRCALL_WEBHOOK_TOKEN is set: POST /webhooks/aircall accepts Aircall’s calls')
      : fail(
          AREA,
          'webhook',
          'AIRCALL_WEBHOOK_TOKEN is unset: Aircall’s webhooks are refused',
          'create the webhook (Aircall Dashboard > Integrations > Webhook, URL https://<your host>/webhooks/aircall) and set AIRCALL_WEBHOOK_TOKEN to its token',
          GUIDE.aircallWebhook,
        ),
  ];
  if (!apiSet || !env.AIRCALL_API_ID || !env.AIRCALL_API_TOKEN) {
    checks.push(
      skip(
        AREA,
        'api',
        'AIRCALL_API_ID/AIRCALL_API_TOKEN unset: no comments, tags or click-to-dial; numbers not checked',
        GUIDE.aircallApi,
      ),
    );
    return checks;
  }

  const baseUrl = (env.AIRCALL_API_URL ?? DEFAULT_AIRCALL_API_URL).replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${env.AIRCALL_API_ID}:${env.AIRCALL_API_TOKEN}`).toString('base64')}`;
  const client = createAircallClient({
    apiId: env.AIRCALL_API_ID,
    apiToken: env.AIRCALL_API_TOKEN,
    baseUrl,
    clock: systemClock,
    requestsPerMinute: 60,
    timeoutMs: context.timeoutMs,
  });

  let users: { id: string; email: string }[];
  try {
    users = await withTimeout(client.listUsers(), context.timeoutMs * 2, 'aircall users');
    checks.push(ok(AREA, 'api', `AIRCALL_API_ID/AIRCALL_API_TOKEN work (${users.length} users)`));
  } catch (error) {
    const text = reason(error);
    const refused = /answered (401|403)/.test(text);
    checks.push(
      fail(
        AREA,
        'api',
        refused
          ? 'Aircall refused AIRCALL_API_ID/AIRCALL_API_TOKEN (401/403)'
          : `Aircall users failed: ${text}`,
        refused
          ? 'create an API key (Aircall Dashboard > Integrations > API Keys) and set AIRCALL_API_ID and AIRCALL_API_TOKEN'
          : 'check AIRCALL_API_URL and that Aircall is reachable from here',
        GUIDE.aircallApi,
      ),
    );
    return checks;
  }

  let numbers: AircallNumber[] = [];
  try {
    for (let page = 1; page <= 20; page++) {
      const body = numbersPage.parse(
        await getJson(
          `${baseUrl}/v1/numbers?page=${page}&per_page=50`,
          { Authorization: auth },
          context.timeoutMs,
          'aircall numbers',
        ),
      );
      numbers.push(...body.numbers.map((n) => ({ id: n.id, name: n.name ?? n.id, digits: n.digits ?? '' })));
      if (!body.meta?.next_page_link || body.numbers.length === 0) break;
    }
  } catch (error) {
    checks.push(
      fail(
        AREA,
        'numbers',
        `could not list numbers: ${error instanceof HttpStatusError ? `HTTP ${error.status}` : reason(error)}`,
        'try again; the API key needs read access to numbers',
        GUIDE.aircallNumbers,
      ),
    );
    return checks;
  }
  numbers = numbers.filter((n) => n.digits !== '');

  const emailsById = new Map(users.map((u) => [u.id, u.email]));
  const agentEmails = new Set<string>();
  for (const { number, line } of routed) {
    const found = numbers.find((n) => digitsOf(n.digits) === digitsOf(number));
    if (!found) {
      checks.push(
        fail(
          AREA,
          `number ${number}`,
          `line "${line}": ${number} is not a number of this Aircall account`,
          `fix lines[].match.aircallNumber in ${env.RINGBACK_CONFIG}: the account has ${numbers.map((n) => n.digits).join(', ') || 'no numbers'} (Aircall Dashboard > Numbers)`,
          GUIDE.aircallNumbers,
        ),
      );
      continue;
    }
    checks.push(ok(AREA, `number ${number}`, `line "${line}": Aircall number "${found.name}"`));
    try {
      const detail = numberDetail.parse(
        await getJson(
          `${baseUrl}/v1/numbers/${encodeURIComponent(found.id)}`,
          { Authorization: auth },
          context.timeoutMs,
          'aircall number',
        ),
      );
      for (const user of detail.number.users) {
        const email = user.email ?? emailsById.get(user.id);
        if (email) agentEmails.add(email.toLowerCase());
      }
    } catch (error) {
      checks.push(
        fail(
          AREA,
          `agents of ${number}`,
          `could not read the number's agents: ${reason(error)}`,
          'try again',
          GUIDE.aircallNumbers,
        ),
      );
    }
  }

  const directories = emailDirectories(context);
  for (const email of agentEmails) {
    const unknownTo: string[] = [];
    try {
      for (const directory of directories)
        if (!(await directory.knows(email))) unknownTo.push(directory.name);
    } catch (error) {
      checks.push(
        fail(AREA, `agent ${email}`, `lookup failed: ${reason(error)}`, 'try again', GUIDE.aircallNumbers),
      );
      continue;
    }
    checks.push(
      unknownTo.length === 0
        ? ok(
            AREA,
            `agent ${email}`,
            directories.length > 0
              ? `known to ${directories.map((d) => d.name).join(' and ')}`
              : 'on a routed number',
          )
        : fail(
            AREA,
            `agent ${email}`,
            `the Aircall agent ${email} is unknown to ${unknownTo.join(' and ')}: their clicks are not matched to their Aircall phone`,
            `use the same e-mail in Aircall (Dashboard > Users) and ${unknownTo.join(' and ')}${unknownTo.includes('Zendesk') ? ' (as an agent)' : ''}`,
            GUIDE.aircallNumbers,
          ),
    );
  }
  return checks;
}
