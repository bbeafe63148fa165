import { createHash } from 'node:crypto';
/**
 * POST /webhooks/calls under 10,000 hostile requests, each signed over its exact bytes (so they reach the
 * schema and the jobs): mutated documented examples, random JSON, damaged bytes, odd headers, and a
 * share with missing or wrong signatures. Replay a failure with FUZZ_SEED=<seed>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERIC_EVENT_JOB, signGenericBody } from '../../src/providers/generic/webhook.js';
import { registerProviders } from '../../src/providers/register.js';
import { HttpClient } from '../bench/lib/http.js';
import { Random, seedFrom } from '../bench/lib/random.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import type { StartedRingback } from '../helpers/ringback.js';
import {
  CONTENT_TYPES,
  type FuzzCase,
  type FuzzReport,
  fixtures,
  fuzzRoute,
  itSurvives,
  logReport,
} from './support/fuzz.js';
import { damageBytes, type Json, mutateJson, randomJson } from './support/mutate.js';
import { completedJobs, deadJobs, settleJobs, startFuzzedRingback } from './support/ringback.js';

const SECRET = 'fuzz-generic-webhook-secret';
const SEED = seedFrom('FUZZ_SEED', 3102);
const PATH = '/webhooks/calls';
const ROUTING = `
timezone: Europe/Paris
lines:
  - name: US Sales
    match: { number: "+1 415 555 0100" }
    country: US
  - name: Everything else
    match: "*"
`;
const examples = fixtures('generic') as { [key: string]: Json }[];

function signed(body: string | Buffer, contentType = 'application/json'): FuzzCase {
  return {
    body,
    headers: { 'content-type': contentType, 'x-ringback-signature': signGenericBody(SECRET, body) },
  };
}

function makeCase(index: number): FuzzCase {
  const random = new Random((SEED * 1_000_003 + index) >>> 0);
  const valid = { ...structuredClone(random.pick(examples)), callId: `fuzz-${index}` };
  const roll = random.int(0, 99);
  if (roll < 45) return signed(JSON.stringify(mutateJson(random, valid)));
  if (roll < 55) return signed(JSON.stringify(valid));
  if (roll < 68) return signed(JSON.stringify(randomJson(random, 4)));
  if (roll < 82) return signed(damageBytes(random, JSON.stringify(valid)));
  if (roll < 88) return signed(JSON.stringify(valid), random.pick(CONTENT_TYPES));
  const body = JSON.stringify(mutateJson(random, valid));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const kind = random.int(0, 3);
  if (kind === 1) headers['x-ringback-signature'] = signGenericBody('not-the-secret', body);
  if (kind === 2)
    headers['x-ringback-signature'] = random.pick(['', 'sha256=', 'sha1=abc', 'x'.repeat(5000), 'sha256=zz']);
  if (kind === 3) headers['x-ringback-signature'] = signGenericBody(SECRET, `${body} `);
  return { body, headers };
}

describe('POST /webhooks/calls under hostile input', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let report: FuzzReport;

  beforeAll(async () => {
    database = sqliteDatabase();
    ({ ringback } = await startFuzzedRingback({
      database,
      env: { RINGBACK_WEBHOOK_SECRET: SECRET },
      adapters: [registerProviders],
      routingYaml: ROUTING,
    }));
    report = await fuzzRoute({
      baseUrl: ringback.baseUrl,
      path: PATH,
      make: makeCase,
      settle: () => settleJobs(ringback.store, [GENERIC_EVENT_JOB]),
    });
    logReport(PATH, SEED, report);
  }, 60_000);

  afterAll(async () => {
    await ringback?.stop();
    await database?.drop();
  });

  itSurvives(() => report, SEED, { '200': 500, '401': 300, '400+422': 1_000 });

  it('ingests everything it accepted without a job dying', async () => {
    expect(await deadJobs(ringback.store, [GENERIC_EVENT_JOB])).toEqual([]);
    expect(await completedJobs(ringback, GENERIC_EVENT_JOB)).toBeGreaterThan(500);
  });

  describe('authentication', () => {
    const body = JSON.stringify({ ...examples[0], callId: 'auth-check-1' });

    it('refuses an unsigned request', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const answer = await client.post(PATH, body);
      client.close();
      expect(answer.status).toBe(401);
    });

    it('refuses forged signatures: another secret, another body, a truncated digest', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const answers = await Promise.all(
        [
          signGenericBody('another-secret', body),
          signGenericBody(SECRET, body.replace('auth-check-1', 'auth-check-2')),
          signGenericBody(SECRET, body).slice(0, -2),
        ].map((signature) => client.post(PATH, body, { 'x-ringback-signature': signature })),
      );
      client.close();
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    });

    it('answers a replayed request as a duplicate and queues it once', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const headers = { 'x-ringback-signature': signGenericBody(SECRET, body) };
      const first = await client.post(PATH, body, headers);
      const replays = await Promise.all(Array.from({ length: 5 }, () => client.post(PATH, body, headers)));
      client.close();
      expect(JSON.parse(first.body)).toEqual({ status: 'accepted' });
      expect(replays.map((r) => JSON.parse(r.body))).toEqual(replays.map(() => ({ status: 'duplicate' })));
      // A finished job is deleted; its dedupe key stays, once, whether the job ran already or not.
      const key = `generic:${createHash('sha256').update(body).digest('hex')}`;
      const keys = await ringback.store.db
        .selectFrom('job_keys')
        .select('key')
        .where('key', '=', key)
        .execute();
      expect(keys).toHaveLength(1);
    });
  });
});
