/** GET /api/calls pages (design.md, "The read API's call object"), on SQLite and on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Episode } from '../../../src/domain/types.js';
import { encodeCursor } from '../../../src/http/cursor.js';
import { testConfig } from '../../helpers/config.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { episode, T0 } from '../../helpers/episodes.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';

const TOKEN = 'paging-token-123';
const kinds = await databaseKinds();

interface Page {
  calls: { id: string; state: string; line: string; missedAt: string }[];
  next: string | null;
}

/** 250 calls; three share each recording time, so ties are broken by id. Every fifth is resolved. */
function seeded(i: number): { episode: Episode; recordedAt: number } {
  return {
    episode: episode({
      id: `call-${String(i).padStart(3, '0')}`,
      line: i % 2 === 0 ? 'Support FR' : 'Everything else',
      caller: { number: `+3361234${String(i).padStart(4, '0')}`, name: null },
      missedAt: T0 + i * 60_000,
      lastCallAt: T0 + i * 60_000,
      ...(i % 5 === 0 ? { state: 'resolved' as const, outcome: 'reached' as const, resolvedAt: T0 } : {}),
    }),
    recordedAt: T0 + Math.floor(i / 3) * 1_000,
  };
}

describe.each(kinds)('GET /api/calls pages on $name', (kind) => {
  let database: TestDatabase | null = null;
  let ringback: StartedRingback | null = null;
  const all = Array.from({ length: 250 }, (_, i) => seeded(i));

  const get = async (path: string) => {
    const response = await fetch(`${ringback?.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { response, body: (await response.json()) as Page & { error?: string; detail?: string } };
  };

  /** Follows `next` from `first` to the end; answers every page. */
  const walk = async (first: string): Promise<Page[]> => {
    const pages: Page[] = [];
    let path: string | null = first;
    while (path !== null && pages.length < 50) {
      const { response, body } = await get(path);
      expect(response.status).toBe(200);
      pages.push(body);
      path = body.next;
    }
    return pages;
  };

  beforeAll(async () => {
    if (kind.skipReason) return;
    database = await kind.create();
    ringback = await startRingback(testConfig({ database, env: { RINGBACK_API_TOKEN: TOKEN } }), {
      adapters: [],
    });
    for (const { episode: e, recordedAt } of all) await ringback.store.episodes.insert(e, {}, recordedAt);
  });

  afterAll(async () => {
    await ringback?.stop();
    await database?.drop();
  });

  it('walks 250 calls in three pages of at most 100, newest first, without a duplicate or a gap', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const pages = await walk('/api/calls?limit=100');
    expect(pages.map((p) => p.calls.length)).toEqual([100, 100, 50]);
    const ids = pages.flatMap((p) => p.calls.map((c) => c.id));
    expect(new Set(ids).size).toBe(250);
    // Most recently recorded first; calls recorded in the same millisecond by id, descending.
    expect(ids).toEqual(all.map((s) => s.episode.id).reverse());
    expect(pages.map((p) => p.next === null)).toEqual([false, false, true]);
  });

  it('says where the next page is in the body and in a Link header, and neither on the last page', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const first = await get('/api/calls?limit=100');
    expect(first.body.next).toMatch(/^\/api\/calls\?limit=100&cursor=[A-Za-z0-9_.-]+$/);
    expect(first.response.headers.get('link')).toBe(`<${first.body.next}>; rel="next"`);
    const second = await get(first.body.next ?? '');
    const last = await get(second.body.next ?? '');
    expect(last.body.next).toBeNull();
    expect(last.response.headers.get('link')).toBeNull();
  });

  it('uses 100 calls a page by default', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const { body } = await get('/api/calls');
    expect(body.calls).toHaveLength(100);
    expect(body.next).toContain('limit=100');
  });

  it('takes design.md’s query template with every parameter left empty as no filter, the first page of 100', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const { response, body } = await get('/api/calls?state=&since=&line=&limit=&cursor=');
    expect(response.status).toBe(200);
    expect(body.calls.map((c) => c.id)).toEqual((await get('/api/calls')).body.calls.map((c) => c.id));
  });

  it('keeps the state, line and since filters on every page', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const since = new Date(T0 + 50 * 60_000).toISOString();
    const first = `/api/calls?state=open&line=${encodeURIComponent('Support FR')}&since=${since}&limit=20`;
    const pages = await walk(first);
    const expected = all
      .map((s) => s.episode)
      .filter((e) => e.state === 'open' && e.line === 'Support FR' && e.missedAt >= T0 + 50 * 60_000)
      .map((e) => e.id)
      .reverse();
    expect(expected.length).toBe(80);
    expect(pages.flatMap((p) => p.calls.map((c) => c.id))).toEqual(expected);
    expect(pages).toHaveLength(4);
    for (const page of pages.slice(0, -1)) {
      const params = new URL(page.next ?? '', 'http://x').searchParams;
      expect(params.get('state')).toBe('open');
      expect(params.get('line')).toBe('Support FR');
      expect(params.get('since')).toBe(since);
      expect(params.get('limit')).toBe('20');
    }
  });

  it('refuses a limit outside 1..1000 with a JSON 400', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    for (const limit of ['0', '1001', 'ten', '2.5', '-1']) {
      const { response, body } = await get(`/api/calls?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(body).toEqual({ error: 'invalid_query', detail: expect.stringContaining('limit') });
    }
    expect((await get('/api/calls?limit=1000')).body.calls).toHaveLength(250);
  });

  it('refuses a cursor it did not give out with a JSON 400', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const { body } = await get('/api/calls?limit=10');
    const cursor = new URL(body.next ?? '', 'http://x').searchParams.get('cursor') ?? '';
    const flipped = `${cursor.slice(0, 3)}${cursor[3] === 'A' ? 'B' : 'A'}${cursor.slice(4)}`;
    const forged = encodeCursor({ createdAt: T0 + 40_000, id: 'call-120' }, 'not-the-token');
    for (const bad of [flipped, `${cursor}x`, cursor.slice(0, -2), 'abc', forged, '%00%ff']) {
      const { response, body: error } = await get(`/api/calls?limit=10&cursor=${encodeURIComponent(bad)}`);
      expect(response.status).toBe(400);
      expect(error).toEqual({ error: 'invalid_cursor', detail: expect.stringContaining('cursor') });
    }
  });

  it('keeps later pages where they were while calls arrive and change between requests', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const store = ringback?.store;
    if (!store) throw new Error('no store');
    const first = await get('/api/calls?limit=100');
    const before = await walk(first.body.next ?? '');

    // New calls, one of them a late delivery of a call older than everything listed.
    const arrivedAt = T0 + 10 * 60 * 60_000;
    for (let i = 0; i < 5; i++) {
      await store.episodes.insert(
        episode({
          id: `new-${i}`,
          caller: { number: `+3370000000${i}`, name: null },
          missedAt: i === 0 ? T0 - 86_400_000 : arrivedAt,
        }),
        {},
        arrivedAt + i,
      );
    }
    // A call of page two learns of an earlier missed call: its missedAt moves back a day.
    const moved = await store.episodes.get('call-120');
    if (!moved) throw new Error('call-120 missing');
    const earlier = { ...moved, missedAt: T0 - 86_400_000, callCount: 2, version: moved.version + 1 };
    expect(await store.episodes.updateIfVersion(earlier, moved.version, arrivedAt)).toBe(true);

    const after = await walk(first.body.next ?? '');
    expect(after.map((p) => p.calls.map((c) => c.id))).toEqual(before.map((p) => p.calls.map((c) => c.id)));
    // The new ones are on a fresh first page, newest first.
    const fresh = await get('/api/calls?limit=5');
    expect(fresh.body.calls.map((c) => c.id)).toEqual(['new-4', 'new-3', 'new-2', 'new-1', 'new-0']);
  });

  it('answers an empty list for a line no longer routed that has calls, but none that match the filters', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const store = ringback?.store;
    if (!store) throw new Error('no store');
    // Last in the file: its calls would change the pages the tests above walk.
    await store.episodes.insert(
      episode({
        id: 'old-line-1',
        line: 'Old line',
        caller: { number: '+33799999999', name: null },
        state: 'resolved',
        outcome: 'reached',
        resolvedAt: T0 + 60_000,
      }),
      {},
      T0 + 20 * 60 * 60_000,
    );
    expect((await get('/api/calls?line=Old%20line')).body.calls.map((c) => c.id)).toEqual(['old-line-1']);
    const later = encodeURIComponent(new Date(T0 + 86_400_000).toISOString());
    for (const query of ['line=Old%20line&state=claimed', `line=Old%20line&since=${later}`]) {
      const { response, body } = await get(`/api/calls?${query}`);
      expect(response.status, query).toBe(200);
      expect(body).toEqual({ calls: [], next: null });
    }
    // A name no line has and no call was ever stored under is still refused, whatever the filters.
    const { response, body } = await get('/api/calls?line=Olde%20line&state=claimed');
    expect(response.status).toBe(400);
    expect(body).toEqual({
      error: 'invalid_query',
      detail: expect.stringMatching(/^line: no line named "Olde line"/),
    });
  });
});
