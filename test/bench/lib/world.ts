/**
 * The world a benched Ringback lives in: loopback fakes of Slack, Zendesk and Aircall that enforce the
 * vendors' documented rate limits, one routing file with the bench's lines, and the environment that
 * points Ringback at all of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeAircall, startFakeAircall } from '../../mocks/fakeAircall.js';
import { type FakeSlack, startFakeSlack } from '../../mocks/fakeSlack.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { AIRCALL_TOKEN, GENERIC_SECRET } from './calls.js';

export const SLACK_SIGNING_SECRET = 'bench-slack-signing-secret-0123456789';
export const ZENDESK_WEBHOOK_SECRET = 'bench-zendesk-webhook-secret';
export const API_TOKEN = 'bench-api-token-0123456789';

/** Zendesk Enterprise: 700 Support API requests a minute (zendesk.md §5). */
export const ZENDESK_PER_MINUTE = 700;
/** Aircall: 60 requests a minute per company, the lower documented figure (telephony.md §3.2). */
export const AIRCALL_PER_MINUTE = 60;

export interface BenchLine {
  name: string;
  /** As Aircall formats the number. */
  number: string;
  channel: string | null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** 20 lines with a channel each (steady), one storm line, one for the claim race, four for the kill drill. */
export const STEADY_LINES: BenchLine[] = Array.from({ length: 20 }, (_, i) => ({
  name: `Steady ${pad(i + 1, 2)}`,
  number: `+33 1 76 36 10 ${pad(i + 1, 2)}`,
  channel: `CSTEADY${pad(i + 1, 4)}`,
}));
export const STORM_LINE: BenchLine = { name: 'Storm', number: '+33 1 76 36 20 00', channel: 'CSTORM00001' };
export const CLAIM_LINE: BenchLine = { name: 'Claims', number: '+33 1 76 36 30 00', channel: 'CCLAIMS0001' };
export const KILL_LINES: BenchLine[] = Array.from({ length: 4 }, (_, i) => ({
  name: `Kill ${i + 1}`,
  number: `+33 1 76 36 40 ${pad(i + 1, 2)}`,
  channel: `CKILL${pad(i + 1, 6)}`,
}));
/** Every other number: stored, ticketed in Zendesk, posted nowhere (the ack and ingest loads). */
export const BACK_OFFICE: BenchLine = { name: 'Back office', number: '+33 1 76 36 99 99', channel: null };

export function routingYaml(): string {
  const lines = [...STEADY_LINES, STORM_LINE, CLAIM_LINE, ...KILL_LINES].map(
    (line) =>
      `  - name: ${line.name}\n    match: { aircallNumber: "${line.number}" }\n    slack: { channel: ${line.channel} }\n    country: FR\n    sla: { claimWithin: 15m, resolveWithin: 2h }`,
  );
  return [
    'timezone: Europe/Paris',
    'lines:',
    ...lines,
    `  - name: ${BACK_OFFICE.name}\n    match: "*"\n    country: FR`,
    'zendesk:',
    '  createTickets: true',
    `  requestsPerMinute: ${ZENDESK_PER_MINUTE}`,
    'aircall:',
    `  requestsPerMinute: ${AIRCALL_PER_MINUTE}`,
    '',
  ].join('\n');
}

export interface Fakes {
  slack: FakeSlack;
  zendesk: FakeZendesk;
  aircall: FakeAircall;
  stop(): Promise<void>;
}

/** Fresh fakes with Slack's, Zendesk's and Aircall's documented limits. */
export async function startFakes(): Promise<Fakes> {
  // chat.postMessage: 1 a second per channel with a burst of 3; chat.update Tier 3 (50/min) and so on.
  const slack = await startFakeSlack({ postBurst: 3, postsPerSecond: 1 });
  const zendesk = await new FakeZendesk({ limit: ZENDESK_PER_MINUTE, windowMs: 60_000 }).start();
  const aircall = await startFakeAircall({
    limit: AIRCALL_PER_MINUTE,
    windowMs: 60_000,
    users: [{ id: 501, name: 'Ana Lopez', email: 'ana@example.com' }],
  });
  // The fake Zendesk reads and compiles Zendesk's OpenAPI spec on its first request (about a second of
  // CPU): do it now, not in the middle of a measurement.
  const auth = Buffer.from(`${zendesk.email}/token:${zendesk.token}`).toString('base64');
  await fetch(`${zendesk.url}/api/v2/users/me.json`, { headers: { authorization: `Basic ${auth}` } });
  return {
    slack,
    zendesk,
    aircall,
    async stop() {
      await Promise.all([slack.close(), zendesk.stop(), aircall.stop()]);
    },
  };
}

export function writeRouting(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'ringback.yaml');
  writeFileSync(path, routingYaml());
  return path;
}

/** The environment of a Ringback wired to the fakes (every base URL on 127.0.0.1). */
export function ringbackEnv(fakes: Fakes, databaseUrl: string, routingPath: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    RINGBACK_CONFIG: routingPath,
    SLACK_BOT_TOKEN: fakes.slack.token,
    SLACK_SIGNING_SECRET,
    SLACK_API_URL: fakes.slack.url,
    ZENDESK_URL: fakes.zendesk.url,
    ZENDESK_EMAIL: fakes.zendesk.email,
    ZENDESK_API_TOKEN: fakes.zendesk.token,
    ZENDESK_WEBHOOK_SECRET,
    AIRCALL_API_ID: fakes.aircall.apiId,
    AIRCALL_API_TOKEN: fakes.aircall.apiToken,
    AIRCALL_API_URL: fakes.aircall.url,
    AIRCALL_WEBHOOK_TOKEN: AIRCALL_TOKEN,
    RINGBACK_WEBHOOK_SECRET: GENERIC_SECRET,
    RINGBACK_API_TOKEN: API_TOKEN,
  };
}
