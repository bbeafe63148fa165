import express, { type Express } from 'express';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';

const TOKEN = 'test-api-token-123';

describe('HTTP server', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let logs: () => string[];
  const get = (path: string, token: string | null = TOKEN) =>
    fetch(`${ringback.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    database = sqliteDatabase();
    const echo = (app: Express) => {
      app.post('/echo', (_req, res) => res.json({ ok: true }));
      app.post('/echo-json', express.json(), (_req, res) => res.json({ ok: true }));
    };
    const config = testConfig({ database, env: { RINGBACK_API_TOKEN: TOKEN } });
    const memory = memoryLogger(config.secrets, 'info');
    logs = memory.lines;
    ringback = await startRingback(config, {
      adapters: [(ctx) => ctx.addMount(echo)],
      logger: memory.logger,
    });
    const { store } = ringback;
    await store.episodes.insert(
      episode({ id: 'open-1', missedAt: T0, caller: { number: '+33176360695', name: 'Marie' } }),
      {},
      T0,
    );
    await store.episodes.insert(
      episode({
        id: 'done-1',
        missedAt: T0 - 3_600_000,
        caller: { number: '+33612345678', name: null },
        state: 'resolved',
        claimedBy: ana,
        claimedAt: T0 - 3_500_000,
        outcome: 'voicemail',
        resolvedAt: T0 - 3_000_000,
        resolvedBy: ana,
        zendeskTicketId: 456,
      }),
      {},
      T0,
    );
    await store.providerCalls.save(
      {
        key: 'aircall:123',
        provider: 'aircall',
        providerCallId: '123',
        episodeId: 'open-1',
        direction: 'inbound',
        fromNumber: '+33176360695',
        line: 'Support FR',
        startedAt: T0,
        endedAt: T0 + 30_000,
        answered: false,
        missedReason: 'no_available_agent',
        data: {},
      },
      T0,
    );
    await store.posts.upsert(
      {
        episodeId: 'open-1',
        surface: 'slack',
        channel: 'C0123456789',
        ref: '1700000000.000100',
        threadRef: null,
      },
      T0,
    );
  });

  afterAll(async () => {
    await ringback.stop();
    await database.drop();
  });

  describe('health', () => {
    it('answers /healthz and /readyz', async () => {
      expect(await (await get('/healthz', null)).json()).toEqual({ status: 'ok', service: 'ringback' });
      const ready = await get('/readyz', null);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', database: 'sqlite' });
    });

    it('serves Prometheus metrics including the job counts', async () => {
      const response = await get('/metrics', null);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toMatch(/ringback_jobs\{status="dead"\} 0/);
      expect(text).toContain('ringback_http_request_duration_seconds');
    });

    it('labels the CSV export by its own route in /metrics', async () => {
      expect((await get('/api/export.csv?period=today')).status).toBe(200);
      const text = await (await get('/metrics', null)).text();
      expect(text).toMatch(
        /ringback_http_request_duration_seconds_count\{route="\/api\/export\.csv",status="2xx"\} [1-9]/,
      );
    });

    it('counts the jobs table once for a crowd of scrapes (no token guards /metrics)', async () => {
      const counted = vi.spyOn(ringback.store.jobs, 'countByStatus');
      try {
        const answers = await Promise.all(Array.from({ length: 20 }, () => get('/metrics', null)));
        expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
        expect(counted.mock.calls.length).toBeLessThanOrEqual(1);
      } finally {
        counted.mockRestore();
      }
    });
  });

  describe('read API', () => {
    describe('without a token', () => {
      it('answers 401 with a JSON error', async () => {
        const response = await get('/api/calls', null);
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({
          error: 'unauthorized',
          detail: expect.stringContaining('Bearer'),
        });
      });

      it('answers 401 to a wrong token', async () => {
        expect((await get('/api/calls', 'nope')).status).toBe(401);
      });
    });

    it('takes the Bearer scheme in any case, as HTTP says', async () => {
      const response = await fetch(`${ringback.baseUrl}/api/calls`, {
        headers: { authorization: `bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
    });

    it('asks every cache on the way to keep no copy of callers’ data', async () => {
      for (const path of ['/api/calls', '/api/calls/done-1', '/api/summary']) {
        expect((await get(path)).headers.get('cache-control')).toBe('no-store');
      }
    });

    it('answers a call id with a malformed %-escape with 400, not a logged crash', async () => {
      const response = await get('/api/calls/%E0%A4%A');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_path' });
      expect(logs().some((line) => line.includes('unhandled error'))).toBe(false);
    });

    it('finds a line named in any case, and names the lines when none is called that', async () => {
      const body = (await (await get('/api/calls?line=support%20fr')).json()) as { calls: { id: string }[] };
      expect(body.calls.map((c) => c.id)).toEqual(['open-1', 'done-1']);
      const response = await get('/api/calls?line=Suport%20FR');
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_query',
        detail: expect.stringMatching(/^line: no line named "Suport FR" \(lines: .*Support FR/),
      });
    });

    it('lists calls in the contract shape, newest first', async () => {
      const body = (await (await get('/api/calls')).json()) as { calls: Record<string, unknown>[] };
      expect(body.calls.map((c) => c.id)).toEqual(['open-1', 'done-1']);
      expect(body.calls[0]).toEqual({
        id: 'open-1',
        state: 'open',
        line: 'Support FR',
        caller: { number: '+33176360695', name: 'Marie' },
        callCount: 1,
        missedAt: new Date(T0).toISOString(),
        lastCallAt: new Date(T0).toISOString(),
        providerCallIds: ['aircall:123'],
        claimedBy: null,
        claimedAt: null,
        attempts: 0,
        outcome: null,
        resolvedAt: null,
        resolvedBy: null,
        autoResolved: false,
        escalationLevel: 0,
        zendeskTicketId: null,
        posts: [{ surface: 'slack', channel: 'C0123456789', ref: '1700000000.000100' }],
        // The second wave's fields (design.md): always present once built.
        callbackRequested: false,
        callbackNumber: null,
        priority: 'normal',
        dueAt: null,
        suggestedOwner: null,
        attemptLog: [],
      });
      expect(body.calls[1]).toMatchObject({
        state: 'resolved',
        outcome: 'voicemail',
        claimedBy: { name: 'Ana', email: 'ana@example.com', surface: 'slack' },
        zendeskTicketId: 456,
      });
    });

    it('filters by state and since', async () => {
      const open = (await (await get('/api/calls?state=open')).json()) as { calls: { id: string }[] };
      expect(open.calls.map((c) => c.id)).toEqual(['open-1']);
      const since = (await (await get(`/api/calls?since=${new Date(T0 - 60_000).toISOString()}`)).json()) as {
        calls: { id: string }[];
      };
      expect(since.calls.map((c) => c.id)).toEqual(['open-1']);
    });

    it('rejects a bad filter with 400 naming it', async () => {
      const response = await get('/api/calls?state=missing');
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_query',
        detail: expect.stringContaining('unknown state "missing"'),
      });
      expect((await get('/api/calls?since=yesterday-ish')).status).toBe(400);
    });

    it('refuses a parameter it does not know (a typo filtered nothing and listed every call), naming those it takes', async () => {
      for (const query of ['status=open', 'states=open', 'State=open', 'state=open&sort=asc']) {
        const response = await get(`/api/calls?${query}`);
        expect(response.status, query).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_query',
          detail: expect.stringMatching(
            /unknown parameter ".+"; expected state, since, line, limit, cursor$/,
          ),
        });
      }
      expect(await (await get('/api/calls?status=open')).json()).toMatchObject({
        detail: expect.stringContaining('"status"'),
      });
    });

    it('refuses a summary parameter it does not know, naming those it takes', async () => {
      for (const query of ['lines=Support%20FR', 'Period=week', 'period=week&agent=ana']) {
        const response = await get(`/api/summary?${query}`);
        expect(response.status, query).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_query',
          detail: expect.stringMatching(/unknown parameter ".+"; expected period, line$/),
        });
      }
      expect((await get('/api/summary?period=&line=')).status).toBe(200);
    });

    it('takes every parameter of the contract, also written empty as in its template', async () => {
      const response = await get('/api/calls?state=&since=&line=&limit=&cursor=');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { calls: { id: string }[] };
      expect(body.calls.map((c) => c.id)).toEqual(['open-1', 'done-1']);
      const all = await get(
        `/api/calls?state=open,resolved&since=${encodeURIComponent(new Date(T0 - 86_400_000).toISOString())}&line=Support%20FR&limit=1`,
      );
      expect(all.status).toBe(200);
      const page = (await all.json()) as { calls: { id: string }[]; next: string | null };
      expect(page.calls.map((c) => c.id)).toEqual(['open-1']);
      const next = await get(page.next ?? '');
      expect(next.status).toBe(200);
      expect(((await next.json()) as { calls: { id: string }[] }).calls.map((c) => c.id)).toEqual(['done-1']);
    });

    it('reads since in the team’s zone when it has no offset, never in the server’s', async () => {
      const zone = ringback.config.routing.timezone;
      const local = DateTime.fromMillis(T0 - 60_000, { zone });
      const ids = async (query: string) =>
        ((await (await get(`/api/calls?since=${query}`)).json()) as { calls: { id: string }[] }).calls.map(
          (c) => c.id,
        );
      const expected = await ids(new Date(T0 - 60_000).toISOString());
      expect(expected).toEqual(['open-1']);
      expect(await ids(encodeURIComponent(local.toISO() ?? ''))).toEqual(expected);
      // Written unencoded, the offset's + arrives as a space: still read as the offset.
      expect(await ids(local.toISO() ?? '')).toEqual(expected);
      expect(await ids(local.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS"))).toEqual(expected);
      // A bare date is its midnight in the team's zone: the whole day's calls.
      expect(await ids(local.toISODate() ?? '')).toEqual(['open-1', 'done-1']);
      const response = await get(`/api/calls?since=${encodeURIComponent('Nov 20 2026')}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_query',
        detail: expect.stringContaining('expected an ISO 8601 date or time'),
      });
    });

    it('returns one call, or 404', async () => {
      expect(((await (await get('/api/calls/done-1')).json()) as { id: string }).id).toBe('done-1');
      const missing = await get('/api/calls/nope');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: 'not_found' });
    });

    it('sums up a period in the team time zone', async () => {
      const from = new Date(T0 - 86_400_000).toISOString().slice(0, 10);
      const to = new Date(T0 + 86_400_000).toISOString().slice(0, 10);
      const body = (await (await get(`/api/summary?period=${from}..${to}`)).json()) as Record<
        string,
        unknown
      >;
      expect(body).toMatchObject({
        timezone: 'Europe/Paris',
        totals: { missedCalls: 2, episodes: 2, resolved: 1, byOutcome: { voicemail: 1 } },
        openNow: { count: 1, oldest: { id: 'open-1' } },
      });
    });

    it('explains a bad period, and logs the refusal', async () => {
      const response = await get('/api/summary?period=fortnight');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toContain('expected today, yesterday');
      expect(logs()).toContainEqual(expect.stringContaining('api: refused /summary query'));
    });

    it('refuses a period given twice rather than summing up today', async () => {
      const response = await get('/api/summary?period=today&period=week');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_query',
        detail: expect.stringContaining('period'),
      });
    });
  });

  describe('errors', () => {
    it('answers a body it cannot read (an unsupported charset) with 415 JSON, and logs it', async () => {
      const response = await fetch(`${ringback.baseUrl}/echo-json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=latin1' },
        body: '{}',
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ error: 'bad_request', detail: expect.any(String) });
      expect(logs()).toContainEqual(expect.stringContaining('http: refused a request body'));
    });

    it('answers unknown routes with JSON 404 and a log line', async () => {
      const response = await fetch(`${ringback.baseUrl}/nowhere`, { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found', detail: 'no route for POST /nowhere' });
      expect(logs()).toContainEqual(expect.stringContaining('http: refused: no route for POST /nowhere'));
    });

    it('names the variable that turns on a webhook route posted to while its integration is off', async () => {
      const response = await fetch(`${ringback.baseUrl}/webhooks/aircall`, { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: 'not_found',
        detail: 'no route for POST /webhooks/aircall (off: set AIRCALL_WEBHOOK_TOKEN to turn it on)',
      });
      // A GET is never a webhook: no hint that would be wrong with Aircall on.
      expect(await (await fetch(`${ringback.baseUrl}/webhooks/aircall`)).json()).toEqual({
        error: 'not_found',
        detail: 'no route for GET /webhooks/aircall',
      });
    });
  });
});

describe('read API when RINGBACK_API_TOKEN is unset', () => {
  it('is off', async () => {
    const database = sqliteDatabase();
    const ringback = await startRingback(testConfig({ database }), { adapters: [] });
    try {
      const response = await fetch(`${ringback.baseUrl}/api/calls`, {
        headers: { authorization: 'Bearer anything' },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'api_disabled' });
    } finally {
      await ringback.stop();
      await database.drop();
    }
  });
});
