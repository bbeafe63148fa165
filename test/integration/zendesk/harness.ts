/** A Ringback with only the Zendesk adapter, a fake Zendesk and a stand-in chat surface, for the Zendesk tests. */
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import type { ExternalThreadText } from '../../../src/app/threads.js';
import type { Config } from '../../../src/config/load.js';
import { createZendeskAdapter, type ZendeskAdapterOptions } from '../../../src/zendesk/register.js';
import { signZendesk } from '../../../src/zendesk/signature.js';
import { testConfig } from '../../helpers/config.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeZendesk, type FakeZendeskOptions } from '../../mocks/fakeZendesk.js';

export const WEBHOOK_SECRET = 'zendesk-webhook-secret-for-tests';

export const ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { zendeskPhoneNumberId: 360001 }
    country: FR
    zendeskGroupId: 77
  - name: Everything else
    match: "*"
zendesk:
  createTickets: true
  onResolve: { status: solved, addTags: [ringback_resolved], outcomeFieldId: 360099 }
  sideConversation: { to: { email: callbacks@example.com } }
`;

/** Stands in for Slack/Teams: collects the outside text planned into card threads. */
export function threadSurface(collected: ExternalThreadText[]): RegisterAdapter {
  return (ctx) => {
    ctx.threads.addSurface((text) => [
      { kind: 'test.thread_text', payload: text, dedupeKey: `test.thread_text:${text.sourceRef}` },
    ]);
    ctx.runner.register('test.thread_text', async (payload) => {
      collected.push(payload as ExternalThreadText);
    });
  };
}

export function zendeskConfig(database: TestDatabase, fake: FakeZendesk, routingYaml = ROUTING_YAML): Config {
  return testConfig({
    database,
    routingYaml,
    env: {
      ZENDESK_URL: fake.url,
      ZENDESK_EMAIL: fake.email,
      ZENDESK_API_TOKEN: fake.token,
      ZENDESK_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
}

export async function startFake(options: FakeZendeskOptions = {}): Promise<FakeZendesk> {
  return new FakeZendesk(options).start();
}

export async function startZendeskRingback(
  config: Config,
  options: { adapter?: ZendeskAdapterOptions; collected?: ExternalThreadText[] } = {},
): Promise<StartedRingback & { logs: () => string[] }> {
  const { logger, lines } = memoryLogger(config.secrets);
  const ringback = await startRingback(config, {
    logger,
    adapters: [
      createZendeskAdapter({
        talkPollIntervalMs: 100,
        sideConversationPollIntervalMs: 60_000,
        talkTicketGraceMs: 0,
        ...options.adapter,
      }),
      threadSurface(options.collected ?? []),
    ],
  });
  return Object.assign(ringback, { logs: lines });
}

/** Waits until `check` returns a value (not undefined/null/false); fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** POSTs a body to /webhooks/zendesk signed the way Zendesk signs it. */
export async function postWebhook(
  baseUrl: string,
  body: unknown,
  options: { secret?: string; timestamp?: string; signature?: string; invocationId?: string } = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signature = options.signature ?? signZendesk(options.secret ?? WEBHOOK_SECRET, timestamp, raw);
  return fetch(`${baseUrl}/webhooks/zendesk`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-zendesk-webhook-signature': signature,
      'x-zendesk-webhook-signature-timestamp': timestamp,
      ...(options.invocationId ? { 'x-zendesk-webhook-invocation-id': options.invocationId } : {}),
    },
    body: raw,
  });
}

/** A Talk export call as Zendesk sends it: abandoned in the queue on line 360001 unless told otherwise. */
export function talkCall(fields: Record<string, unknown> & { id: number; customer_id: number | null }) {
  const created = Date.now() - 60_000;
  return {
    created_at: new Date(created).toISOString(),
    updated_at: new Date(created + 45_000).toISOString(),
    direction: 'inbound',
    completion_status: 'abandoned_in_queue',
    agent_id: null,
    ticket_id: null,
    phone_number_id: 360001,
    phone_number: '+33 1 76 36 06 00',
    duration: 45,
    wait_time: 45,
    talk_time: 0,
    voicemail: false,
    ...fields,
  };
}
