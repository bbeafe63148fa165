/**
 * An answer lost after Slack did the work (a reset connection, a timeout): a post must not be sent again by
 * the client's own quick retry, which would put up a second card that nothing records, nor an update, which
 * would land over a newer one; a lookup may be.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/observability/metrics.js';
import { VendorPolicy } from '../../../src/resilience/vendorPolicy.js';
import { SlackApi } from '../../../src/surfaces/slack/api.js';
import { callSlack } from '../../../src/surfaces/slack/reports.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { type FakeSlack, startFakeSlack } from '../../mocks/fakeSlack.js';

const CHANNEL = 'C0123456789';
let fake: FakeSlack;
let api: SlackApi;

beforeAll(async () => {
  fake = await startFakeSlack();
  api = new SlackApi({
    token: fake.token,
    apiUrl: fake.url,
    // As in production: quick in-client retries for what may be sent twice.
    retries: 2,
    logger: memoryLogger().logger,
    metrics: new Metrics({ defaultMetrics: false }),
    policy: new VendorPolicy('slack', { timeoutMs: 5_000 }),
  });
});

afterAll(async () => {
  await fake?.close();
});

/** Longer than the client's retry backoff (200 ms, then 400 ms): a retry would have been sent by then. */
const afterRetries = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe('a Slack answer lost after the work was done', () => {
  it('fails a card post without sending it again, so the job’s retry can look for it first', async () => {
    fake.loseNextAnswer((method) => method === 'chat.postMessage');
    await expect(api.postMessage({ channel: CHANNEL, text: 'card one' })).rejects.toThrow();
    await afterRetries();
    expect(fake.messages(CHANNEL).filter((m) => m.text === 'card one')).toHaveLength(1);
  });

  it('does not send a report’s message or a private line twice either', async () => {
    fake.loseNextAnswer((method) => method === 'chat.postMessage');
    await expect(callSlack(api, 'chat.postMessage', { channel: CHANNEL, text: 'report' })).rejects.toThrow();
    fake.loseNextAnswer((method) => method === 'chat.postEphemeral');
    await expect(
      api.postEphemeral({ channel: CHANNEL, user: 'U0123ABCD', text: 'only you' }),
    ).rejects.toThrow();
    await afterRetries();
    expect(fake.messages(CHANNEL).filter((m) => m.text === 'report')).toHaveLength(1);
    expect(fake.callsTo('chat.postEphemeral')).toHaveLength(1);
  });

  it('retries a lookup at once, since asking twice changes nothing', async () => {
    const before = fake.callsTo('conversations.history').length;
    fake.loseNextAnswer((method) => method === 'conversations.history');
    await expect(api.conversationsHistory({ channel: CHANNEL, oldest: '0', limit: 10 })).resolves.toEqual(
      expect.any(Array),
    );
    expect(fake.callsTo('conversations.history').length - before).toBe(2);
  });

  it('does not send a timed-out card update again behind a newer one', async () => {
    // Slack's side of one card: the first update takes longer than the policy's timeout; an update whose
    // caller hung up before it was done is not applied, so only a resend can bring the older text back.
    let shown = 'v1';
    let hangNext = true;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const text = new URLSearchParams(body).get('text') ?? '';
        const apply = () => {
          if (req.socket.destroyed) return;
          shown = text;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ ok: true, channel: CHANNEL, ts: '1.1' }));
        };
        if (hangNext) {
          hangNext = false;
          setTimeout(apply, 600);
        } else apply();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const slow = new SlackApi({
        token: 'xoxb-test',
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        retries: 2,
        logger: memoryLogger().logger,
        metrics: new Metrics({ defaultMetrics: false }),
        policy: new VendorPolicy('slack', { timeoutMs: 300 }),
      });
      await expect(slow.update({ channel: CHANNEL, ts: '1.1', text: 'v2' })).rejects.toThrow();
      // The call was resolved meanwhile: the next update job shows the newer state.
      await slow.update({ channel: CHANNEL, ts: '1.1', text: 'v3' });
      await afterRetries();
      expect(shown).toBe('v3');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
