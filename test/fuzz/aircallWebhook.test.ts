import { createHash } from 'node:crypto';
/**
 * POST /webhooks/aircall under 10,000 hostile requests: mutated real deliveries (token kept, so most get
 * past authentication into the schema and the jobs), random JSON, damaged bytes, odd content types.
 * Replay a failure with FUZZ_SEED=<seed> (printed on failure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRCALL_EVENT_JOB } from '../../src/providers/aircall/webhook.js';
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

const TOKEN = 'fixture-aircall-webhook-token';
const SEED = seedFrom('FUZZ_SEED', 3101);
const PATH = '/webhooks/aircall';
const deliveries = fixtures('aircall') as Json[];

function makeCase(index: number): FuzzCase {
  const random = new Random((SEED * 1_000_003 + index) >>> 0);
  const valid = structuredClone(random.pick(deliveries)) as { [key: string]: Json };
  const data = valid.data as { [key: string]: Json } | undefined;
  // A fresh call id so accepted cases are new calls, not duplicates of each other.
  if (data && typeof data.id === 'number') data.id = 90_000_000 + index;
  const json = { 'content-type': 'application/json' };
  const roll = random.int(0, 99);
  if (roll < 45)
    return { body: JSON.stringify(mutateJson(random, valid, { keep: ['token'] })), headers: json };
  if (roll < 55) return { body: JSON.stringify(valid), headers: json };
  if (roll < 70) {
    const value = randomJson(random, 4);
    if (value && typeof value === 'object' && !Array.isArray(value) && random.bool()) value.token = TOKEN;
    return { body: JSON.stringify(value), headers: json };
  }
  if (roll < 85) return { body: damageBytes(random, JSON.stringify(valid)), headers: json };
  if (roll < 95) return { body: JSON.stringify(mutateJson(random, valid)), headers: json };
  return {
    body: random.bool() ? JSON.stringify(valid) : damageBytes(random, JSON.stringify(valid)),
    headers: {
      'content-type': random.pick(CONTENT_TYPES),
      ...(random.bool(0.5)
        ? { 'content-encoding': random.pick(['gzip', 'deflate', 'br', 'identity', 'x-evil']) }
        : {}),
    },
  };
}

describe('POST /webhooks/aircall under hostile input', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let report: FuzzReport;

  beforeAll(async () => {
    database = sqliteDatabase();
    ({ ringback } = await startFuzzedRingback({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: TOKEN },
      adapters: [registerProviders],
    }));
    report = await fuzzRoute({
      baseUrl: ringback.baseUrl,
      path: PATH,
      make: makeCase,
      settle: () => settleJobs(ringback.store, [AIRCALL_EVENT_JOB]),
    });
    logReport(PATH, SEED, report);
  }, 60_000);

  afterAll(async () => {
    await ringback?.stop();
    await database?.drop();
  });

  itSurvives(() => report, SEED, { '200': 500, '401': 100, '400+422': 1_000 });

  it('ingests everything it accepted without a job dying', async () => {
    expect(await deadJobs(ringback.store, [AIRCALL_EVENT_JOB])).toEqual([]);
    expect(await completedJobs(ringback, AIRCALL_EVENT_JOB)).toBeGreaterThan(500);
  });

  describe('authentication', () => {
    const valid = JSON.stringify({ ...(deliveries[0] as object), token: TOKEN });

    it('refuses a delivery without the token', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const { token: _dropped, ...unsigned } = JSON.parse(valid) as Record<string, Json>;
      const answer = await client.post(PATH, JSON.stringify(unsigned));
      client.close();
      expect(answer.status).toBe(401);
    });

    it('refuses a delivery with a forged token', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const forged = await client.post(PATH, valid.replace(TOKEN, `${TOKEN.slice(0, -1)}X`));
      const longer = await client.post(PATH, valid.replace(TOKEN, `${TOKEN}0`));
      client.close();
      expect([forged.status, longer.status]).toEqual([401, 401]);
    });

    it('answers a replayed delivery as a duplicate and queues it once', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const body = JSON.stringify({ ...(JSON.parse(valid) as object), timestamp: 1_795_000_001 });
      const first = await client.post(PATH, body);
      const replays = await Promise.all(Array.from({ length: 5 }, () => client.post(PATH, body)));
      client.close();
      expect(JSON.parse(first.body)).toEqual({ status: 'accepted' });
      expect(replays.map((r) => JSON.parse(r.body))).toEqual(replays.map(() => ({ status: 'duplicate' })));
      // A finished job is deleted; its dedupe key stays, once, whether the job ran already or not.
      const key = `aircall:${createHash('sha256').update(body).digest('hex')}`;
      const keys = await ringback.store.db
        .selectFrom('job_keys')
        .select('key')
        .where('key', '=', key)
        .execute();
      expect(keys).toHaveLength(1);
    });
  });
});
