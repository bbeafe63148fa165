import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { signZendesk } from '../../../src/zendesk/signature.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import type { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { postWebhook, ROUTING_YAML, startFake, WEBHOOK_SECRET, zendeskConfig } from './harness.js';

const TEST_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const VECTOR_TIME = '2021-07-25T10:00:00Z';

describe('POST /webhooks/zendesk', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let ringback: StartedRingback | null;
  let clock: ManualClock;

  beforeEach(async () => {
    database = sqliteDatabase();
    fake = await startFake();
    clock = new ManualClock(Date.now());
    ringback = null;
  });

  afterEach(async () => {
    await ringback?.stop();
    await fake.stop();
    await database.drop();
  });

  async function start(env: Record<string, string> = {}, logger = memoryLogger()) {
    const config = zendeskConfig(database, fake);
    Object.assign(config.env, env);
    ringback = await startRingback(config, {
      clock,
      logger: logger.logger,
      manualJobs: true,
      adapters: [createZendeskAdapter({ pollTalk: false, pollSideConversations: false })],
    });
    return ringback;
  }

  async function queued() {
    return (await ringback?.store.jobs.list({ kind: 'zendesk.webhook' })) ?? [];
  }

  function stamp(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  describe('with a valid signature', () => {
    it('queues a re-read of the ticket and answers 200 at once', async () => {
      const { baseUrl } = await start();
      const answer = await postWebhook(
        baseUrl,
        {
          ticket_id: '4711',
          side_conversation_id: '8566f4a0-3d2b-11ee-9b39-3b9d5c6a2b11',
          subject: 'ignored',
        },
        { timestamp: stamp(clock.now()) },
      );
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ status: 'accepted', ticket_id: 4711 });
      const jobs = await queued();
      expect(jobs.map((j) => j.payload)).toEqual([
        { ticketId: 4711, sideConversationId: '8566f4a0-3d2b-11ee-9b39-3b9d5c6a2b11' },
      ]);
    });

    it('accepts the reference test vector (test signing secret, 2021-07-25T10:00:00Z)', async () => {
      clock.set(Date.parse(VECTOR_TIME) + 60_000);
      const { baseUrl } = await start({ ZENDESK_WEBHOOK_SECRET: TEST_SECRET });
      const answer = await postWebhook(baseUrl, '{"say": "hello"}', {
        timestamp: VECTOR_TIME,
        signature: 'gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0=',
      });
      // The signature passes; the body is then refused for having no ticket_id.
      expect(answer.status).toBe(422);
      expect(await answer.json()).toMatchObject({ error: 'invalid_payload' });
    });

    it('refuses a body without ticket_id, or that is not JSON, with 4xx', async () => {
      const { baseUrl } = await start();
      const timestamp = stamp(clock.now());
      expect((await postWebhook(baseUrl, { ticket: 1 }, { timestamp })).status).toBe(422);
      expect((await postWebhook(baseUrl, { ticket_id: 'abc' }, { timestamp })).status).toBe(422);
      expect((await postWebhook(baseUrl, 'not json', { timestamp })).status).toBe(400);
      expect(await queued()).toEqual([]);
    });

    it('refuses a ticket id that is no Zendesk id ("0", 20 digits) with 422, not a retry-later', async () => {
      const { baseUrl } = await start();
      const timestamp = stamp(clock.now());
      for (const ticket_id of ['0', '99999999999999999999', 0]) {
        const answer = await postWebhook(baseUrl, { ticket_id }, { timestamp });
        expect(answer.status).toBe(422);
        expect(await answer.json()).toMatchObject({ error: 'invalid_payload', detail: expect.any(String) });
      }
      expect(await queued()).toEqual([]);
    });
  });

  describe('without a valid signature', () => {
    it('answers 401 to a bad signature', async () => {
      const { baseUrl } = await start();
      const answer = await postWebhook(
        baseUrl,
        { ticket_id: 1 },
        { secret: 'not-the-secret', timestamp: stamp(clock.now()) },
      );
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'unauthorized_mismatch' });
      expect(await queued()).toEqual([]);
    });

    it('answers 401 to a timestamp older than five minutes, even when correctly signed', async () => {
      const { baseUrl } = await start();
      const answer = await postWebhook(
        baseUrl,
        { ticket_id: 1 },
        { timestamp: stamp(clock.now() - 6 * 60_000) },
      );
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'unauthorized_stale' });
      expect(await queued()).toEqual([]);
    });

    it('answers 401 without the signature headers', async () => {
      const { baseUrl } = await start();
      const answer = await fetch(`${baseUrl}/webhooks/zendesk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ticket_id: 1 }),
      });
      expect(answer.status).toBe(401);
    });
  });

  describe('replays', () => {
    it('accepts Zendesk’s retry of a delivery it answered 429 while the signatures table was slow', async () => {
      const { baseUrl, store } = await start();
      const signatures = store.signatures;
      const remember = signatures.rememberOnce.bind(signatures);
      let slowOnce = true;
      // The first insert lands 3 s late, after the route gave up on it (2.5 s) and answered 429.
      signatures.rememberOnce = async (...args: Parameters<typeof remember>) => {
        if (slowOnce) {
          slowOnce = false;
          await new Promise((r) => setTimeout(r, 3_000));
        }
        return remember(...args);
      };
      const options = { timestamp: stamp(clock.now()) };
      expect((await postWebhook(baseUrl, { ticket_id: '4712' }, options)).status).toBe(429);
      await new Promise((r) => setTimeout(r, 1_000));
      const retried = await postWebhook(baseUrl, { ticket_id: '4712' }, options);
      expect(retried.status).toBe(200);
      expect(await queued()).toHaveLength(1);
    }, 15_000);

    it('refuses an identical signed delivery sent again within its window, and logs it', async () => {
      const logs = memoryLogger();
      const { baseUrl } = await start({}, logs);
      const options = { timestamp: stamp(clock.now()) };
      expect((await postWebhook(baseUrl, { ticket_id: '4711' }, options)).status).toBe(200);
      clock.advance(2 * 60_000);
      const replay = await postWebhook(baseUrl, { ticket_id: '4711' }, options);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toEqual({
        error: 'replayed',
        detail: expect.stringContaining('already received'),
      });
      expect(logs.lines().filter((line) => line.includes('401 replayed'))).toHaveLength(1);
      expect(await queued()).toHaveLength(1);
    });

    it('accepts two firings signed alike in the same second, told apart by their invocation ids', async () => {
      const { baseUrl } = await start();
      const timestamp = stamp(clock.now());
      const first = await postWebhook(baseUrl, { ticket_id: '4713' }, { timestamp, invocationId: 'inv-1' });
      expect(first.status).toBe(200);
      const second = await postWebhook(baseUrl, { ticket_id: '4713' }, { timestamp, invocationId: 'inv-2' });
      expect(second.status).toBe(200);
      const again = await postWebhook(baseUrl, { ticket_id: '4713' }, { timestamp, invocationId: 'inv-2' });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ error: 'replayed' });
    });

    it('refuses a replay whose signature is spelled differently (base64 without padding)', async () => {
      const { baseUrl } = await start();
      const timestamp = stamp(clock.now());
      const raw = JSON.stringify({ ticket_id: '4711' });
      const signature = signZendesk(WEBHOOK_SECRET, timestamp, raw);
      expect((await postWebhook(baseUrl, raw, { timestamp, signature })).status).toBe(200);
      const respelled = await postWebhook(baseUrl, raw, {
        timestamp,
        signature: signature.replace(/=+$/, ''),
      });
      expect(respelled.status).toBe(401);
      expect(await respelled.json()).toMatchObject({ error: 'replayed' });
    });

    it('accepts the same ticket signed again at another time (a new delivery, not a replay)', async () => {
      const { baseUrl } = await start();
      expect(
        (await postWebhook(baseUrl, { ticket_id: '4711' }, { timestamp: stamp(clock.now()) })).status,
      ).toBe(200);
      clock.advance(1_000);
      const again = await postWebhook(baseUrl, { ticket_id: '4711' }, { timestamp: stamp(clock.now()) });
      expect(again.status).toBe(200);
    });

    it('answers 401 to a timestamp more than five minutes in the future', async () => {
      const { baseUrl } = await start();
      const answer = await postWebhook(
        baseUrl,
        { ticket_id: 1 },
        { timestamp: stamp(clock.now() + 6 * 60_000) },
      );
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'unauthorized_stale' });
    });

    it('remembers a signature until a minute past its window, then lets the purge forget it', async () => {
      const { baseUrl, store } = await start();
      const signedAt = clock.now();
      expect((await postWebhook(baseUrl, { ticket_id: '4711' }, { timestamp: stamp(signedAt) })).status).toBe(
        200,
      );
      expect(await store.signatures.purgeExpired(signedAt + 5 * 60_000)).toBe(0);
      expect(await store.signatures.purgeExpired(signedAt + 6 * 60_000 + 1_000)).toBe(1);
    });
  });

  describe('configuration', () => {
    it('has no route without ZENDESK_WEBHOOK_SECRET', async () => {
      const { baseUrl } = await start({ ZENDESK_WEBHOOK_SECRET: '' });
      const answer = await postWebhook(baseUrl, { ticket_id: 1 }, { timestamp: stamp(clock.now()) });
      expect(answer.status).toBe(404);
    });

    it('turns the whole adapter off without API credentials, and says why the webhook is off', async () => {
      const logs = memoryLogger();
      const config = testConfig({
        database,
        routingYaml: ROUTING_YAML,
        env: { ZENDESK_WEBHOOK_SECRET: WEBHOOK_SECRET },
      });
      ringback = await startRingback(config, {
        clock,
        logger: logs.logger,
        manualJobs: true,
        adapters: [createZendeskAdapter({ pollTalk: false })],
      });
      expect(ringback.runner.kinds().filter((k) => k.startsWith('zendesk.'))).toEqual([]);
      expect(ringback.directory.hasLookups).toBe(false);
      const answer = await postWebhook(ringback.baseUrl, { ticket_id: 1 }, { timestamp: stamp(clock.now()) });
      expect(answer.status).toBe(404);
      expect(
        logs
          .lines()
          .filter((line) =>
            line.includes(
              'zendesk webhook: off (ZENDESK_WEBHOOK_SECRET is set but the Zendesk API credentials are not)',
            ),
          ),
      ).toHaveLength(1);
    });
  });
});
