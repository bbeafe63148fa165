/**
 * Drill: Slack is down (every Web API call answered 503) while missed calls keep coming in. When it comes
 * back, the backlog drains: every card is posted, once, in the order the calls came in, without a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGenericBody } from '../../src/providers/generic/webhook.js';
import { registerProviders } from '../../src/providers/register.js';
import { createSlackAdapter } from '../../src/surfaces/slack/register.js';
import { sleep, waitUntil } from '../bench/lib/context.js';
import { HttpClient } from '../bench/lib/http.js';
import { everyCallerHasACard } from '../bench/lib/slackView.js';
import { testConfig } from '../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../helpers/ringback.js';
import { type FakeSlack, startFakeSlack } from '../mocks/fakeSlack.js';
import { type OutageProxy, startOutageProxy } from './support/outageProxy.js';

const SECRET = 'drill-generic-secret';
const CHANNEL = 'C0DRILL0001';
const CALLS = 6;
const callers = Array.from({ length: CALLS }, (_, i) => `+3361299${String(i).padStart(4, '0')}`);

function missedCall(index: number): string {
  const started = Date.now() - 60_000;
  return JSON.stringify({
    provider: 'drill',
    callId: `slack-outage-${index}`,
    direction: 'inbound',
    from: callers[index],
    line: 'Support',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 20_000).toISOString(),
    answered: false,
  });
}

describe('Slack down for a while', () => {
  let database: TestDatabase;
  let fake: FakeSlack;
  let proxy: OutageProxy;
  let ringback: StartedRingback;

  beforeAll(async () => {
    database = sqliteDatabase();
    fake = await startFakeSlack();
    proxy = await startOutageProxy(fake.origin);
    const config = testConfig({
      database,
      routingYaml: `timezone: Europe/Paris\nlines:\n  - name: Support\n    match: "*"\n    slack: { channel: ${CHANNEL} }\n    country: FR\n`,
      env: {
        RINGBACK_WEBHOOK_SECRET: SECRET,
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: 'drill-signing-secret',
        SLACK_API_URL: `${proxy.origin}/api/`,
      },
    });
    proxy.down();
    ringback = await startRingback(config, {
      logger: memoryLogger(config.secrets, 'info').logger,
      adapters: [registerProviders, createSlackAdapter({ retries: 0 })],
      runner: { baseBackoffMs: 100, maxBackoffMs: 1_000 },
    });
    const client = new HttpClient(ringback.baseUrl);
    for (let i = 0; i < CALLS; i++) {
      const body = missedCall(i);
      const answer = await client.post('/webhooks/calls', body, {
        'x-ringback-signature': signGenericBody(SECRET, body),
      });
      if (answer.status !== 200) throw new Error(`call ${i} not accepted: ${answer.status}`);
      // One after the other, so "the order the calls came in" is unambiguous.
      await sleep(250);
    }
    client.close();
    await sleep(3_000);
    proxy.up();
    await waitUntil(() => everyCallerHasACard(fake, new Set([CHANNEL]), callers), 30_000);
  }, 50_000);

  afterAll(async () => {
    await ringback?.stop();
    await proxy?.close();
    await fake?.close();
    await database?.drop();
  });

  it('really was down: Ringback tried Slack and was refused', () => {
    expect(proxy.refused()).toBeGreaterThan(0);
  });

  it('posts every card once Slack is back, in the order the calls came in', () => {
    const cards = fake
      .messages(CHANNEL)
      .filter((m) => m.threadTs === null && JSON.stringify(m.blocks ?? []).includes('ringback.title:'));
    const order = cards.map((m) => callers.find((c) => JSON.stringify(m.blocks).includes(`tel:${c}|`)));
    expect(order).toEqual(callers);
  });

  it('keeps to the rate limit while draining, and gives up on nothing', async () => {
    expect(fake.rateLimited).toEqual([]);
    expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  });
});
