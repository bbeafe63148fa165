import { EventEmitter } from 'node:events';
import { get as httpGet } from 'node:http';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSummary } from '../../../src/app/summary.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { csvForPeriod } from '../../../src/reports/exportCalls.js';
import { TEST_ROUTING_YAML, testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';

const TOKEN = 'export-api-token-for-tests';
const MIN = 60_000;
/** T0 is 2026-11-20 in Paris. */
const DAY = '2026-11-20';
const BULK = 1234;

describe('GET /api/export.csv', () => {
  let database: TestDatabase;
  let ringback: StartedRingback;
  let logs: () => string[];

  const get = (query: string, token: string | null = TOKEN) =>
    fetch(`${ringback.baseUrl}/api/export.csv${query}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  const rowsOf = async (response: Response) =>
    parse(await response.text(), { bom: true, columns: true }) as Record<string, string>[];

  beforeAll(async () => {
    database = sqliteDatabase();
    // A line named in another script, listed before the catch-all so it is a line of its own.
    const routingYaml = TEST_ROUTING_YAML.replace(
      '  - name: Everything else',
      '  - name: Поддержка\n    match: { aircallNumber: "+33 1 00 00 00 00" }\n    slack: { channel: C0222222222 }\n  - name: Everything else',
    );
    const config = testConfig({ database, routingYaml, env: { RINGBACK_API_TOKEN: TOKEN } });
    const memory = memoryLogger(config.secrets, 'info');
    logs = memory.lines;
    ringback = await startRingback(config, { adapters: [], logger: memory.logger });
    const { store } = ringback;
    await store.episodes.insert(
      episode({
        id: 'done-1',
        missedAt: T0,
        caller: { number: '+33176360695', name: '=HYPERLINK("http://evil.example","Marie, \'the\' caller")' },
        callCount: 2,
        state: 'resolved',
        claimedBy: ana,
        claimedAt: T0 + 10 * MIN,
        attempts: 1,
        firstAttemptAt: T0 + 12 * MIN,
        lastAttemptAt: T0 + 12 * MIN,
        outcome: 'reached',
        resolvedAt: T0 + 13 * MIN,
        resolvedBy: ana,
        zendeskTicketId: 456,
      }),
      {},
      T0,
    );
    await store.episodes.insert(
      episode({
        id: 'other-line',
        line: 'Everything else',
        missedAt: T0 + MIN,
        caller: { number: null, name: null },
      }),
      {},
      T0,
    );
    // A long month on another day: more rows than one read batch.
    const bulkDay = Date.parse('2026-11-03T08:00:00Z');
    for (let i = 0; i < BULK; i++) {
      await store.episodes.insert(
        episode({
          id: `bulk-${String(i).padStart(5, '0')}`,
          missedAt: bulkDay + i * 1000,
          caller: { number: `+3361234${String(i).padStart(4, '0')}`, name: null },
        }),
        {},
        T0,
      );
    }
  });

  afterAll(async () => {
    await ringback.stop();
    await database.drop();
  });

  it('answers one row per call of the period, with times, outcome, claimer, ticket and SLA', async () => {
    const response = await get(`?period=${DAY}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="ringback-calls-${DAY}.csv"`,
    );
    const rows = await rowsOf(response);
    expect(rows.map((r) => r.id)).toEqual(['done-1', 'other-line']);
    expect(rows[0]).toMatchObject({
      line: 'Support FR',
      state: 'resolved',
      caller_number: "'+33176360695",
      // Kept as text: the spreadsheet shows the formula, it does not run it.
      caller_name: `'=HYPERLINK("http://evil.example","Marie, 'the' caller")`,
      call_count: '2',
      // Support FR's local time (Europe/Paris), with its offset.
      missed_at: '2026-11-20T10:32:10+01:00',
      claimed_by: 'Ana',
      claimed_at: '2026-11-20T10:42:10+01:00',
      attempts: '1',
      outcome: 'reached',
      zendesk_ticket_id: '456',
      // Support FR: claim within 15 min (claimed at 10), resolve within 2 h (resolved at 13).
      claim_sla: 'met',
      resolve_sla: 'met',
    });
    expect(rows[1]).toMatchObject({ caller_number: '', claim_sla: '', resolve_sla: '', state: 'open' });
  });

  it('keeps to one line, named in any case', async () => {
    const rows = await rowsOf(await get(`?period=${DAY}&line=support%20fr`));
    expect(rows.map((r) => r.id)).toEqual(['done-1']);
    expect((await get(`?period=${DAY}&line=support%20fr`)).headers.get('content-disposition')).toContain(
      'ringback-calls-support-fr-2026-11-20.csv',
    );
  });

  it('names the file of a line written in another script in UTF-8, with an ASCII name for older clients', async () => {
    const response = await get(`?period=${DAY}&line=${encodeURIComponent('Поддержка')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="ringback-calls-_-${DAY}.csv"; filename*=UTF-8''ringback-calls-${encodeURIComponent('поддержка')}-${DAY}.csv`,
    );
  });

  it('streams a period with more calls than one read batch, oldest first', async () => {
    const rows = await rowsOf(await get('?period=2026-11-01..2026-11-30'));
    expect(rows).toHaveLength(BULK + 2);
    const ids = rows.map((r) => r.id);
    expect(ids.slice(0, 3)).toEqual(['bulk-00000', 'bulk-00001', 'bulk-00002']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('builds a chat attachment only up to its size cap, and says where the larger export is', async () => {
    const deps = { store: ringback.store, clock: ringback.clock, routing: ringback.config.routing };
    const whole = await csvForPeriod(deps, { period: '2026-11-01..2026-11-30' });
    if (!whole.ok) throw new Error(whole.error);
    const capped = await csvForPeriod(deps, { period: '2026-11-01..2026-11-30' }, whole.csv.length - 1);
    expect(capped).toEqual({ ok: false, error: expect.stringContaining('GET /api/export.csv') });
    expect((await csvForPeriod(deps, { period: '2026-11-01..2026-11-30' }, whole.csv.length)).ok).toBe(true);
  });

  it('points a one-line export too large for chat to the file of that line', async () => {
    const deps = { store: ringback.store, clock: ringback.clock, routing: ringback.config.routing };
    const capped = await csvForPeriod(deps, { period: DAY, line: 'support fr' }, 10);
    if (capped.ok) throw new Error('expected the cap');
    const path = /GET (\/api\/export\.csv\?\S+)$/.exec(capped.error)?.[1];
    expect(path).toBe(`/api/export.csv?period=${DAY}&line=Support+FR`);
    // Followed, the request gives that very file: the line's calls only.
    const response = await get(path?.slice('/api/export.csv'.length) ?? '');
    expect(response.headers.get('content-disposition')).toContain(`ringback-calls-support-fr-${DAY}.csv`);
    expect((await rowsOf(response)).map((r) => r.id)).toEqual(['done-1']);
  });

  it('reads a word like today as of when it was asked, not when the job gets to it', async () => {
    // The job runs two days later (a midnight passed, or a retry waited): the file is still that day's.
    const later = new ManualClock(T0 + 2 * 86_400_000);
    const deps = { store: ringback.store, clock: later, routing: ringback.config.routing };
    const asked = await csvForPeriod(deps, { period: 'today', asOf: T0 });
    if (!asked.ok) throw new Error(asked.error);
    expect(asked.filename).toBe(`ringback-calls-${DAY}.csv`);
    expect(asked.csv).toContain('done-1');
    const charts = await buildSummary(deps, { period: 'today', asOf: T0 });
    if (!charts.ok) throw new Error(charts.error);
    expect(charts.summary.window.start).toBe(Date.parse('2026-11-19T23:00:00Z'));
    // Without the moment it was asked, "today" is the job's own day.
    const unanchored = await csvForPeriod(deps, { period: 'today' });
    expect(unanchored.ok && unanchored.filename).toBe('ringback-calls-2026-11-22.csv');
  });

  it('answers HEAD with the headers of the file and no rows', async () => {
    // Node drops a HEAD answer's body anyway: what must not happen is reading the period's calls for it.
    const reads = vi.spyOn(ringback.store.reports, 'episodes');
    try {
      const response = await fetch(`${ringback.baseUrl}/api/export.csv?period=2026-11-01..2026-11-30`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/csv');
      expect(response.headers.get('content-disposition')).toContain('ringback-calls-');
      expect(await response.text()).toBe('');
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it('waits for a slow reader without piling up listeners on the response', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    const defaultMax = EventEmitter.defaultMaxListeners;
    // Lower than the pauses this export makes: one listener left behind per pause shows as a warning.
    EventEmitter.defaultMaxListeners = 4;
    process.on('warning', onWarning);
    try {
      const { port } = new URL(ringback.baseUrl);
      const bytes = await new Promise<number>((resolve, reject) => {
        const request = httpGet(
          {
            host: '127.0.0.1',
            port,
            path: '/api/export.csv?period=2026-11-03',
            headers: { authorization: `Bearer ${TOKEN}` },
          },
          (response) => {
            let read = 0;
            response.on('data', (chunk: Buffer) => {
              read += chunk.length;
              response.pause();
              setTimeout(() => response.resume(), 3);
            });
            response.on('end', () => resolve(read));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
      });
      expect(bytes).toBeGreaterThan(BULK * 50);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      EventEmitter.defaultMaxListeners = defaultMax;
    }
  });

  it('answers a header only for a period without calls', async () => {
    const response = await get('?period=2026-10-01');
    expect(response.status).toBe(200);
    expect(await rowsOf(response)).toEqual([]);
  });

  it.each([
    ['a missing token', null],
    ['a wrong token', 'not-the-token'],
  ])('refuses %s with 401 JSON', async (_label, token) => {
    const response = await get(`?period=${DAY}`, token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });

  it.each([
    ['?period=fortnight', 'expected today, yesterday'],
    [`?period=${DAY}&line=Nowhere`, 'no line named "Nowhere"'],
    [`?period=${DAY}&period=week`, 'period'],
    [`?period=${DAY}&colour=red`, 'colour'],
  ])('answers %s with 400 JSON that says why', async (query, words) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; detail: string };
    expect(body.error).toBe('invalid_query');
    expect(body.detail).toContain(words);
    expect(logs().some((line) => line.includes('refused export query'))).toBe(true);
  });
});
