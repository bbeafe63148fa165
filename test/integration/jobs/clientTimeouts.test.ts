/**
 * Every vendor client gives up on a vendor that never answers, within its policy's timeout (shorter than
 * a job's lease), instead of holding a job's slot forever; and refuses at once once the breaker opened.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { DEFAULT_LEASE_MS } from '../../../src/jobs/runner.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { AircallClient } from '../../../src/providers/aircall/client.js';
import {
  DEFAULT_VENDOR_POLICY,
  VendorPolicy,
  VendorTimeout,
  VendorUnavailable,
} from '../../../src/resilience/vendorPolicy.js';
import { SlackApi } from '../../../src/surfaces/slack/api.js';
import { callSlack } from '../../../src/surfaces/slack/reports.js';
import { BotConnector } from '../../../src/surfaces/teams/connector.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { memoryLogger } from '../../helpers/ringback.js';

/** An HTTP server that reads every request and never answers. */
let silent: Server;
let url: string;
const pending: ServerResponse[] = [];

beforeAll(async () => {
  silent = createServer((_req: IncomingMessage, res: ServerResponse) => {
    pending.push(res);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

const policy = (vendor: 'slack' | 'teams' | 'zendesk' | 'aircall') =>
  new VendorPolicy(vendor, { timeoutMs: 300, failuresToOpen: 2, halfOpenAfterMs: 60_000 });

/** Calls twice (each must time out quickly), then once more (refused at once: the breaker is open). */
async function expectTimeoutsThenOpen(call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const begun = Date.now();
    await expect(call()).rejects.toBeInstanceOf(VendorTimeout);
    expect(Date.now() - begun).toBeLessThan(1_500);
  }
  const begun = Date.now();
  await expect(call()).rejects.toBeInstanceOf(VendorUnavailable);
  expect(Date.now() - begun).toBeLessThan(100);
}

describe('vendor clients against a vendor that never answers', () => {
  it('keep every default request timeout shorter than a job lease', () => {
    expect(DEFAULT_VENDOR_POLICY.timeoutMs).toBeLessThan(DEFAULT_LEASE_MS);
  });

  it('Zendesk (node-zendesk has no timeout of its own)', async () => {
    const client = new ZendeskClient({
      baseUrl: url,
      email: 'agent@example.com',
      token: 'token',
      clock: systemClock,
      logger: memoryLogger().logger,
      requestsPerMinute: 1_000,
      policy: policy('zendesk'),
    });
    await expectTimeoutsThenOpen(() => client.showTicket(1));
  });

  it('Aircall', async () => {
    const client = new AircallClient({
      apiId: 'id',
      apiToken: 'token',
      baseUrl: url,
      requestsPerMinute: 1_000,
      clock: systemClock,
      policy: policy('aircall'),
    });
    await expectTimeoutsThenOpen(() => client.comment('1', 'hello'));
  });

  /** A Slack client of the silent server; `timeoutMs` is the client's own, the policy's is 300 ms. */
  const slackApi = (timeoutMs?: number) =>
    new SlackApi({
      token: 'xoxb-test',
      apiUrl: `${url}/`,
      retries: 0,
      logger: memoryLogger().logger,
      metrics: new Metrics({ defaultMetrics: false }),
      policy: policy('slack'),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });

  it('Slack', async () => {
    const api = slackApi();
    await expectTimeoutsThenOpen(() => api.postMessage({ channel: 'C0123456789', text: 'hi' }));
  });

  it('Slack, for the reports and the App Home too (their calls go through the client directly)', async () => {
    // The client's own timeout is longer than the policy's: the policy must be what gives up.
    const api = slackApi(5_000);
    await expectTimeoutsThenOpen(() => callSlack(api, 'views.publish', { user_id: 'U1', view: {} }));
  });

  it('Teams (Bot Connector)', async () => {
    const connectorClient = new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: url });
    const connector = new BotConnector(async () => connectorClient, policy('teams'));
    await expectTimeoutsThenOpen(() =>
      connector.send(
        { serviceUrl: url, conversationId: 'a:1', tenantId: null, botId: 'bot', botName: 'Ringback' },
        { text: 'hi' },
      ),
    );
  });
});
