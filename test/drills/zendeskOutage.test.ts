/**
 * Drill: Zendesk answers 503 to everything for a while, then 429 with Retry-After, then recovers (a
 * two-minute outage compressed to five seconds, with job retries compressed to match). Missed calls that
 * came in meanwhile all get their ticket afterwards, exactly one each, and no job gives up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGenericBody } from '../../src/providers/generic/webhook.js';
import { registerProviders } from '../../src/providers/register.js';
import { createZendeskAdapter } from '../../src/zendesk/register.js';
import { sleep, waitUntil } from '../bench/lib/context.js';
import { HttpClient } from '../bench/lib/http.js';
import { testConfig } from '../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../helpers/ringback.js';
import { FakeZendesk, type InjectedFailure } from '../mocks/fakeZendesk.js';

const SECRET = 'drill-generic-secret';
const CALLS = 6;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

function missedCall(index: number): string {
  const started = Date.now() - 120_000 + index * 1_000;
  return JSON.stringify({
    provider: 'drill',
    callId: `zendesk-outage-${index}`,
    direction: 'inbound',
    from: `+3361234${String(index).padStart(4, '0')}`,
    line: 'Support',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 30_000).toISOString(),
    answered: false,
    missedReason: 'no-answer',
  });
}

describe('Zendesk answering 5xx, then 429, for a while', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let ringback: StartedRingback;
  const during: Record<string, number> = {};

  /** Every request fails with `status` until the returned function is called. */
  function outage(status: number, retryAfterSeconds?: number): () => void {
    const failures: InjectedFailure[] = METHODS.map((method) => ({
      method,
      path: /./,
      status,
      times: 1_000_000,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    }));
    for (const failure of failures) fake.inject(failure);
    return () => {
      for (const failure of fake.failures) if (failure.status === status) failure.times = 0;
    };
  }

  beforeAll(async () => {
    database = sqliteDatabase();
    fake = await new FakeZendesk().start();
    const config = testConfig({
      database,
      routingYaml: 'timezone: Europe/Paris\nlines:\n  - name: Support\n    match: "*"\n    country: FR\n',
      env: {
        RINGBACK_WEBHOOK_SECRET: SECRET,
        ZENDESK_URL: fake.url,
        ZENDESK_EMAIL: fake.email,
        ZENDESK_API_TOKEN: fake.token,
      },
    });
    ringback = await startRingback(config, {
      logger: memoryLogger(config.secrets, 'info').logger,
      adapters: [registerProviders, createZendeskAdapter({ pollTalk: false, pollSideConversations: false })],
      // Production backs off from 1 s to 15 min over 12 attempts; compressed tenfold-plus here.
      runner: { baseBackoffMs: 100, maxBackoffMs: 1_000 },
      // The breaker's pause is compressed to match (production: 10 s), so the 429 phase is seen.
      vendors: { zendesk: { halfOpenAfterMs: 500 } },
    });

    const endServerErrors = outage(503);
    const client = new HttpClient(ringback.baseUrl);
    for (let i = 0; i < CALLS; i++) {
      const body = missedCall(i);
      const answer = await client.post('/webhooks/calls', body, {
        'x-ringback-signature': signGenericBody(SECRET, body),
      });
      if (answer.status !== 200) throw new Error(`call ${i} not accepted: ${answer.status} ${answer.body}`);
    }
    client.close();
    await sleep(3_000);
    endServerErrors();
    const endRateLimit = outage(429, 1);
    await sleep(2_000);
    endRateLimit();
    for (const request of fake.requests) during[request.status] = (during[request.status] ?? 0) + 1;
    await waitUntil(async () => {
      const episodes = await ringback.store.episodes.list();
      return episodes.length === CALLS && episodes.every((e) => e.zendeskTicketId !== null);
    }, 25_000);
  }, 45_000);

  afterAll(async () => {
    await ringback?.stop();
    await fake?.stop();
    await database?.drop();
  });

  it('really was down: Zendesk answered 503 and then 429 while the calls came in', () => {
    expect(during['503']).toBeGreaterThan(0);
    expect(during['429']).toBeGreaterThan(0);
  });

  it('creates every ticket once Zendesk is back, exactly one per missed call', async () => {
    const episodes = await ringback.store.episodes.list();
    expect(episodes).toHaveLength(CALLS);
    for (const episode of episodes) {
      expect(fake.ticketsWithExternalId(`ringback-${episode.id}`)).toHaveLength(1);
      expect(episode.zendeskTicketId).toBe(fake.ticketsWithExternalId(`ringback-${episode.id}`)[0]?.id);
    }
  });

  it('gives up on nothing: no job is dead', async () => {
    expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  });
});
