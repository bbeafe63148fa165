/**
 * POST /slack/events remembers every signature for its 5-minute window: an identical signed request sent
 * again is refused with 401 and logged, on whichever replica it lands; a Slack retry (X-Slack-Retry-Num)
 * is signed anew and runs, and a retry that carries a signature already seen is acknowledged without
 * running twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { slackSignature } from '../../mocks/slackRequests.js';
import { SIGNING_SECRET, type SlackHarness, startSlackHarness } from './harness.js';

const kinds = await databaseKinds();
const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });

function signed(timestamp = Math.floor(Date.now() / 1000), extra: Record<string, string> = {}) {
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    ...extra,
  };
}

const post = (harness: SlackHarness, headers: Record<string, string>) =>
  fetch(`${harness.ringback.baseUrl}/slack/events`, { method: 'POST', body, headers });

describe.each(kinds)('replayed Slack requests on $name', (kind) => {
  const harnesses: SlackHarness[] = [];
  let database: TestDatabase | null = null;

  async function start(): Promise<SlackHarness> {
    database ??= await kind.create();
    const harness = await startSlackHarness({ database });
    harnesses.push(harness);
    return harness;
  }

  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.stop();
    await database?.drop();
    database = null;
  });

  it('refuses an identical signed request sent again, with 401 JSON and one log line', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const h = await start();
    const headers = signed();
    const first = await post(h, headers);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ challenge: 'abc123' });
    const replay = await post(h, headers);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({
      error: 'replayed',
      detail: expect.stringContaining('already received'),
    });
    expect(h.logLines().filter((line) => line.includes('a replay'))).toHaveLength(1);
  });

  // Several replicas share PostgreSQL only: SQLite has no such case (rather than a skipped one).
  if (kind.name !== 'sqlite') {
    it('refuses the replay on another replica sharing the database', async (ctx) => {
      if (kind.skipReason) ctx.skip(kind.skipReason);
      const a = await start();
      const b = await start();
      const headers = signed();
      expect((await post(a, headers)).status).toBe(200);
      const replay = await post(b, headers);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ error: 'replayed' });
    });
  }

  it('runs a Slack retry, which is signed anew', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const h = await start();
    const now = Math.floor(Date.now() / 1000);
    expect((await post(h, signed(now - 60))).status).toBe(200);
    const retry = await post(
      h,
      signed(now, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    );
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ challenge: 'abc123' });
  });

  it('acknowledges a retry carrying a signature already seen, without running it again', async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    const h = await start();
    const headers = signed();
    expect((await post(h, headers)).status).toBe(200);
    const retry = await post(h, {
      ...headers,
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.status).toBe(200);
    // Bolt would have answered the challenge; the guard acknowledged it with an empty body instead.
    expect(await retry.text()).toBe('');
  });
});
