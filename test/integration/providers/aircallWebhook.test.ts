import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerProviders } from '../../../src/providers/register.js';
import { testConfig } from '../../helpers/config.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { AIRCALL_FIXTURE_TOKEN, fixture, fixtures, shuffled } from '../ingest/support.js';

const kinds = await databaseKinds();
const API_TOKEN = 'read-api-token-for-tests';

describe.each(kinds)('the Aircall webhook on $name', (kind) => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let logs: () => string[];

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    const config = testConfig({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN, RINGBACK_API_TOKEN: API_TOKEN },
    });
    const memory = memoryLogger(config.secrets, 'info');
    logs = memory.lines;
    ringback = await startRingback(config, {
      adapters: [registerProviders],
      manualJobs: true,
      logger: memory.logger,
    });
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await ringback.stop();
    await database.drop();
  });

  const post = (body: string | object, headers: Record<string, string> = {}) =>
    fetch(`${ringback.baseUrl}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const counter = async (outcome: string): Promise<number> => {
    const text = await (await fetch(`${ringback.baseUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`ringback_webhook_requests_total{route="/webhooks/aircall",outcome="${outcome}"}`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  const ended = () => fixture('aircall', 'missed-call/06-call.ended.json').body;

  describe('a delivery with a wrong token', () => {
    it('is refused with 401 and nothing is stored', async () => {
      const response = await post({ ...ended(), token: 'not-the-token' });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
      expect(await ringback.store.jobs.list()).toEqual([]);
      await ringback.runner.drain();
      expect(await ringback.store.episodes.count()).toBe(0);
      expect(await ringback.store.providerCalls.get('aircall:1873200101')).toBeNull();
      expect(await counter('unauthorized')).toBe(1);
    });

    it('is refused with 401 when the token is missing', async () => {
      const { token: _token, ...body } = ended();
      expect((await post(body)).status).toBe(401);
    });
  });

  describe('bad input', () => {
    it('answers 400 to a body that is not JSON', async () => {
      const response = await post('{"event": "call.ended", ');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_json' });
      expect(await counter('invalid_json')).toBe(1);
    });

    it('answers 400 to an authenticated body nested deeper than any vendor sends, and stores nothing', async () => {
      let deep: unknown = 'bottom';
      for (let level = 0; level < 100; level++) deep = [deep];
      const response = await post({ ...ended(), data: deep });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_json',
        detail: 'the request body nests deeper than 64 levels',
      });
      expect(await ringback.store.jobs.list()).toEqual([]);
      expect(logs().some((line) => line.includes('invalid_json'))).toBe(true);
    });

    it('answers 422 naming the path when an authenticated call does not match the schema', async () => {
      const body = ended();
      const response = await post({ ...body, data: { ...(body.data as object), direction: 'sideways' } });
      expect(response.status).toBe(422);
      const answer = (await response.json()) as { error: string; detail: string };
      expect(answer.error).toBe('invalid_schema');
      expect(answer.detail).toMatch(/^data\.direction: /);
      expect(await counter('invalid_schema')).toBe(1);
    });

    it('names an envelope field too', async () => {
      const { timestamp: _t, ...body } = ended();
      const answer = (await (await post(body)).json()) as { detail: string };
      expect(answer.detail).toMatch(/^timestamp: /);
    });

    it('logs a rejection once, without the caller number in clear', async () => {
      const body = ended();
      await post({ ...body, data: { ...(body.data as object), direction: 'sideways' } });
      const lines = logs().filter((line) => line.includes('"route":"/webhooks/aircall"'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toMatch(/612345678|6 12 34 56 78/);
    });

    it('answers 413 to a body over 1 MB', async () => {
      const response = await post({ ...ended(), padding: 'x'.repeat(1_100_000) });
      expect(response.status).toBe(413);
      expect(await counter('too_large')).toBe(1);
    });

    it('answers 200 to an authenticated event it does not use, and counts it', async () => {
      const response = await post(fixture('aircall', 'other/user.connected.json').body);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ignored' });
      expect(await ringback.store.jobs.list()).toEqual([]);
      expect(await counter('ignored')).toBe(1);
    });

    it('answers 429, never 5xx, when the delivery cannot be stored', async () => {
      ringback.store.enqueue = async () => {
        throw new Error('database is down');
      };
      const response = await post(ended());
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(await counter('unavailable')).toBe(1);
    });
  });

  describe('a missed-call sequence delivered three times in shuffled order', () => {
    it('is acknowledged every time and becomes one episode, shown by GET /api/calls', async () => {
      const bodies = fixtures('aircall', 'missed-call').flatMap((f) => [f.text, f.text, f.text]);
      for (const text of shuffled(bodies, 42)) {
        const response = await post(text);
        expect(response.status).toBe(200);
      }
      expect(await counter('accepted')).toBe(6);
      expect(await counter('duplicate')).toBe(12);
      await ringback.runner.drain();

      const response = await fetch(`${ringback.baseUrl}/api/calls`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(response.status).toBe(200);
      const { calls } = (await response.json()) as { calls: Record<string, unknown>[] };
      expect(calls).toEqual([
        expect.objectContaining({
          id: expect.any(String),
          state: 'open',
          line: 'Support FR',
          caller: { number: '+33612345678', name: 'Marie Dupont' },
          callCount: 1,
          missedAt: '2026-11-20T09:32:10.000Z',
          lastCallAt: '2026-11-20T09:32:10.000Z',
          providerCallIds: ['aircall:1873200101'],
          claimedBy: null,
          claimedAt: null,
          attempts: 0,
          outcome: null,
          resolvedAt: null,
          zendeskTicketId: null,
          posts: [],
        }),
      ]);
    });

    it('then an answered call back from Aircall resolves it', async () => {
      for (const folder of ['missed-call', 'missed-call-again', 'outbound-answered']) {
        for (const { text } of fixtures('aircall', folder)) expect((await post(text)).status).toBe(200);
      }
      await ringback.runner.drain();
      const { calls } = (await (
        await fetch(`${ringback.baseUrl}/api/calls`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
      ).json()) as { calls: Record<string, unknown>[] };
      expect(calls).toEqual([
        expect.objectContaining({
          state: 'resolved',
          outcome: 'reached',
          callCount: 2,
          providerCallIds: ['aircall:1873200101', 'aircall:1873200177'],
          resolvedBy: { name: 'Ana Lopez', email: 'ana@example.com', surface: 'aircall' },
        }),
      ]);
    });
  });
});
