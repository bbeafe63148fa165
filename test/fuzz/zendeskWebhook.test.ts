/**
 * POST /webhooks/zendesk under 10,000 hostile requests, most signed the way Zendesk signs (base64
 * HMAC-SHA256 of timestamp + body): trigger bodies with mutated, missing or strange ticket ids and side
 * conversation ids, random JSON, damaged bytes, and a share with missing, forged or stale signatures.
 * Replay a failure with FUZZ_SEED=<seed>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/zendesk/keys.js';
import { createZendeskAdapter } from '../../src/zendesk/register.js';
import { signZendesk } from '../../src/zendesk/signature.js';
import { HttpClient } from '../bench/lib/http.js';
import { Random, seedFrom } from '../bench/lib/random.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import type { StartedRingback } from '../helpers/ringback.js';
import { FakeZendesk } from '../mocks/fakeZendesk.js';
import {
  CONTENT_TYPES,
  type FuzzCase,
  type FuzzReport,
  fuzzRoute,
  itSurvives,
  logReport,
} from './support/fuzz.js';
import { damageBytes, type Json, mutateJson, randomJson } from './support/mutate.js';
import { completedJobs, deadJobs, settleJobs, startFuzzedRingback } from './support/ringback.js';

const SECRET = 'fuzz-zendesk-webhook-secret';
const SEED = seedFrom('FUZZ_SEED', 3103);
const PATH = '/webhooks/zendesk';

const stamp = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function signed(body: string | Buffer, timestamp = stamp(), contentType = 'application/json'): FuzzCase {
  return {
    body,
    headers: {
      'content-type': contentType,
      'x-zendesk-webhook-signature': signZendesk(SECRET, timestamp, body),
      'x-zendesk-webhook-signature-timestamp': timestamp,
    },
  };
}

function triggerBody(random: Random, tickets: number[]): { [key: string]: Json } {
  // What an admin may paste into the trigger: the two fields Ringback trusts, and anything else.
  return {
    ticket_id: random.bool(0.7) ? String(random.pick(tickets)) : random.int(1, 99_999),
    ...(random.bool(0.3) ? { side_conversation_id: `sc-${random.int(1, 50)}` } : {}),
    ticket: { subject: 'Call from +33 6 12 34 56 78', via: 'voice', tags: ['voice_abandoned_in_queue'] },
    current_user: { name: 'Trigger', email: 'trigger@example.com' },
  };
}

describe('POST /webhooks/zendesk under hostile input', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let ringback: StartedRingback;
  let report: FuzzReport;
  const tickets: number[] = [];

  beforeAll(async () => {
    database = sqliteDatabase();
    // A generous budget: the fuzz is about the route, not Zendesk's rate limits.
    fake = await new FakeZendesk({ limit: 1_000_000 }).start();
    for (let i = 0; i < 20; i++) tickets.push(fake.addTicket({ subject: `Ticket ${i}` }).id);
    ({ ringback } = await startFuzzedRingback({
      database,
      env: {
        ZENDESK_URL: fake.url,
        ZENDESK_EMAIL: fake.email,
        ZENDESK_API_TOKEN: fake.token,
        ZENDESK_WEBHOOK_SECRET: SECRET,
      },
      adapters: [createZendeskAdapter({ pollTalk: false, pollSideConversations: false })],
    }));
    const makeCase = (index: number): FuzzCase => {
      const random = new Random((SEED * 1_000_003 + index) >>> 0);
      const valid = triggerBody(random, tickets);
      const roll = random.int(0, 99);
      if (roll < 40) return signed(JSON.stringify(mutateJson(random, valid)));
      if (roll < 50) return signed(JSON.stringify(valid));
      if (roll < 62) return signed(JSON.stringify(randomJson(random, 4)));
      if (roll < 76) return signed(damageBytes(random, JSON.stringify(valid)));
      if (roll < 82) return signed(JSON.stringify(valid), stamp(), random.pick(CONTENT_TYPES));
      const body = JSON.stringify(valid);
      const kind = random.int(0, 4);
      if (kind === 0) return { body, headers: { 'content-type': 'application/json' } };
      if (kind === 1) return signed(body, stamp(Date.now() - random.int(301, 86_400) * 1000));
      if (kind === 2)
        return signed(body, random.pick(['', 'yesterday', '0', '-1', '9999-99-99', 'x'.repeat(3000)]));
      const forged = signed(body);
      forged.headers['x-zendesk-webhook-signature'] =
        kind === 3
          ? signZendesk('not-the-secret', stamp(), body)
          : random.pick(['', '=', 'AAAA', 'x'.repeat(5000)]);
      return forged;
    };
    report = await fuzzRoute({
      baseUrl: ringback.baseUrl,
      path: PATH,
      make: makeCase,
      settle: () => settleJobs(ringback.store, [JOBS.webhook]),
    });
    logReport(PATH, SEED, report);
  }, 60_000);

  afterAll(async () => {
    await ringback?.stop();
    await fake?.stop();
    await database?.drop();
  });

  itSurvives(() => report, SEED, { '200': 300, '401': 300 });

  it('re-reads what it accepted, and a job only gives up on a Zendesk 4xx answer, never on a crash', async () => {
    const dead = await deadJobs(ringback.store, [JOBS.webhook]);
    expect(dead.filter((line) => !/Zendesk \w+ \S+ answered 4\d\d/.test(line))).toEqual([]);
    expect(await completedJobs(ringback, JOBS.webhook)).toBeGreaterThan(0);
  });

  describe('authentication', () => {
    const body = JSON.stringify({ ticket_id: '424242' });

    it('refuses an unsigned request', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const answer = await client.post(PATH, body);
      client.close();
      expect(answer.status).toBe(401);
    });

    it('refuses forged signatures: another secret, another body, another timestamp', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const at = stamp();
      const answers = await Promise.all(
        [
          signZendesk('another-secret', at, body),
          signZendesk(SECRET, at, body.replace('424242', '424243')),
          signZendesk(SECRET, stamp(Date.now() - 60_000), body),
        ].map((signature) =>
          client.post(PATH, body, {
            'x-zendesk-webhook-signature': signature,
            'x-zendesk-webhook-signature-timestamp': at,
          }),
        ),
      );
      client.close();
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    });

    it('refuses a captured delivery replayed more than 5 minutes later', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const captured = signed(body, stamp(Date.now() - 6 * 60_000));
      const answer = await client.post(PATH, captured.body, captured.headers);
      client.close();
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'unauthorized_stale' });
    });
  });
});
