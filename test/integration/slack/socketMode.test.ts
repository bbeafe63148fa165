/** With SLACK_APP_TOKEN set, Ringback talks to Slack over Socket Mode: no public URL, same behaviour. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeSlack } from '../../mocks/fakeSlack.js';
import { blockActions } from '../../mocks/slackRequests.js';
import {
  ANA,
  blocksText,
  CHANNEL,
  cardIn,
  openEpisode,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
let db: TestDatabase;
let h: SlackHarness;
let fake: FakeSlack;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({ database: db, env: { SLACK_APP_TOKEN: 'xapp-test-token' } });
  fake = h.fake;
  fake.addUser(ANA);
  await vi.waitFor(() => expect(fake.socketConnections()).toBe(1), WAIT);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

describe('Socket Mode', () => {
  it('is the mode in use, and POST /slack/events is not served', async () => {
    expect(h.surface.mode).toBe('socket');
    const response = await fetch(`${h.ringback.baseUrl}/slack/events`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('claims a call from a click that came over the socket, and acks the envelope', async () => {
    const episode = await openEpisode(h.ringback);
    await waitForCard(h, episode.id);
    const card = cardIn(fake, CHANNEL, episode.id);
    if (!card) throw new Error('no card');
    const ack = await fake.socketSend(
      'interactive',
      blockActions({
        userId: ANA.id,
        channel: CHANNEL,
        messageTs: card.ts,
        actionId: 'ringback.claim',
        value: episode.id,
      }),
    );
    expect(ack).toMatchObject({ envelope_id: expect.any(String) });
    await vi.waitFor(
      () => expect(blocksText(fake.message(CHANNEL, card.ts))).toContain('Claimed by Ana Lopez'),
      WAIT,
    );
    expect((await h.ringback.store.episodes.get(episode.id))?.claimedBy?.email).toBe('ana@example.com');
  });

  it('refuses a click from another workspace: the envelope is acked, nothing changes, the refusal is logged', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33600000042', name: null } });
    await waitForCard(h, episode.id);
    const card = cardIn(fake, CHANNEL, episode.id);
    if (!card) throw new Error('no card');
    const payload = blockActions({
      userId: ANA.id,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: 'ringback.claim',
      value: episode.id,
    });
    const ack = await fake.socketSend('interactive', {
      ...payload,
      team: { id: 'T0FOREIGN1', domain: 'evil' },
      user: { ...(payload.user as Record<string, unknown>), team_id: 'T0FOREIGN1' },
    });
    expect(ack).toMatchObject({ envelope_id: expect.any(String) });
    await vi.waitFor(
      () =>
        expect(
          h.logLines().some((l) => l.includes('refused a request from another workspace (team T0FOREIGN1')),
        ).toBe(true),
      WAIT,
    );
    await h.ringback.runner.drain();
    expect(await h.ringback.store.episodes.get(episode.id)).toMatchObject({ state: 'open', claimedBy: null });
  });

  it('answers /ringback through the response_url', async () => {
    await fake.socketSend('slash_commands', {
      command: '/ringback',
      text: 'help',
      user_id: ANA.id,
      user_name: 'ana',
      channel_id: CHANNEL,
      team_id: 'T00000001',
      team_domain: 'acme',
      response_url: fake.responseUrl('socket-help'),
      trigger_id: '1.2.3',
      api_app_id: 'A00000001',
      token: 'x',
    });
    await vi.waitFor(() => expect(fake.responses.find((r) => r.id === 'socket-help')).toBeDefined(), WAIT);
    expect(fake.responses.find((r) => r.id === 'socket-help')?.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/ringback summary'),
    });
    expect(fake.errors).toEqual([]);
    expect(fake.warnings).toEqual([]);
  });
});

describe('Socket Mode while Slack does not answer at startup', () => {
  it('starts anyway: the webhooks are served and the start hooks after Slack’s ran', async () => {
    // Accepts every connection and never answers: apps.connections.open hangs.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const database = sqliteDatabase();
    const started = Date.now();
    const harness = await startSlackHarness({
      database,
      env: { SLACK_APP_TOKEN: 'xapp-test-token', SLACK_API_URL: `http://127.0.0.1:${port}/api/` },
    });
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(harness.logLines().some((line) => line.includes('http: listening'))).toBe(true);
      expect(harness.logLines().some((line) => line.includes('connected in Socket Mode'))).toBe(false);
      const health = await fetch(`${harness.ringback.baseUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await harness.stop();
      silent.closeAllConnections();
      silent.close();
      await database.drop();
    }
  });
});
