/**
 * A Ringback for the demo and the browser test: embedded SQLite in a temporary folder, a routing file whose
 * line posts to the playground's "Callbacks" channel, the generic webhook on, Teams in local (unauthenticated)
 * playground mode (RINGBACK_TEAMS_PLAYGROUND=1); plus a few realistic missed calls to feed it through
 * POST /webhooks/calls.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisterAdapter } from '../../src/adapters/context.js';
import { loadConfig } from '../../src/config/load.js';
import type { Logger } from '../../src/observability/logger.js';
import { signGenericBody } from '../../src/providers/generic/webhook.js';
import { createRingback, type Ringback } from '../../src/ringback.js';
import { PLAYGROUND } from './teamsPlayground.js';

export const DEMO_LINE = 'Support FR';

export function demoRoutingYaml(): string {
  return `# The demo's routing file: one line whose cards go to the playground's Callbacks channel.
timezone: Europe/Paris
lines:
  - name: ${DEMO_LINE}
    match: { genericLine: support-fr }
    teams: { channel: "${PLAYGROUND.channel.id}" }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
managers: { emails: [${PLAYGROUND.user.email}] }
`;
}

export interface DemoRingback {
  ringback: Ringback;
  baseUrl: string;
  botEndpoint: string;
  /** RINGBACK_WEBHOOK_SECRET and RINGBACK_API_TOKEN of this demo (random per run). */
  webhookSecret: string;
  apiToken: string;
  /** Sends one missed call to POST /webhooks/calls, signed as a telephony system would. */
  sendCall(call: DemoCall, now?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemoRingback(options: {
  port?: number;
  logLevel?: string;
  logger?: Logger;
  extraAdapters?: RegisterAdapter[];
}): Promise<DemoRingback> {
  const dir = mkdtempSync(join(tmpdir(), 'ringback-demo-'));
  const routingPath = join(dir, 'ringback.yaml');
  writeFileSync(routingPath, demoRoutingYaml());
  const secret = randomBytes(16).toString('hex');
  // Printed by the demo, so the read API and the webhook can be tried by hand too (loopback only).
  const apiToken = randomBytes(16).toString('hex');
  const config = loadConfig({
    LOG_LEVEL: options.logLevel ?? 'warn',
    DATABASE_URL: `sqlite:${join(dir, 'ringback.db')}`,
    RINGBACK_CONFIG: routingPath,
    RINGBACK_WEBHOOK_SECRET: secret,
    RINGBACK_API_TOKEN: apiToken,
    NODE_ENV: 'development',
    // The playground is a local, unauthenticated Teams on loopback: Teams is off without this switch.
    RINGBACK_TEAMS_PLAYGROUND: '1',
  });
  const ringback = await createRingback(config, {
    port: options.port ?? 0,
    host: '127.0.0.1',
    ...(options.logger ? { logger: options.logger } : {}),
    // Extra adapters go first, so their routes see requests before the surfaces answer them.
    ...(options.extraAdapters
      ? { adapters: [...options.extraAdapters, ...(await import('../../src/adapters/index.js')).adapters] }
      : {}),
  });
  const http = await ringback.start();
  const baseUrl = `http://127.0.0.1:${http.port}`;
  return {
    ringback,
    baseUrl,
    botEndpoint: `${baseUrl}/api/messages`,
    webhookSecret: secret,
    apiToken,
    async sendCall(call, now = Date.now()) {
      const body = JSON.stringify(callBody(call, now));
      const res = await fetch(`${baseUrl}/webhooks/calls`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-signature': signGenericBody(secret, body),
        },
        body,
      });
      if (res.status !== 200)
        throw new Error(`POST /webhooks/calls answered ${res.status}: ${await res.text()}`);
    },
    async stop() {
      await ringback.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DemoCall {
  callId: string;
  from: string | null;
  callerName?: string;
  /** Seconds before now the call started. */
  agoSeconds: number;
  waitedSeconds: number;
  missedReason: string;
  rang?: string[];
  voicemail?: { url: string; seconds: number; transcript: string };
}

/** A generic webhook body (docs/generic-webhook.md) for a missed inbound call. */
export function callBody(call: DemoCall, now: number): Record<string, unknown> {
  const startedAt = now - call.agoSeconds * 1000;
  const endedAt = startedAt + call.waitedSeconds * 1000;
  return {
    provider: 'demo',
    callId: call.callId,
    direction: 'inbound',
    from: call.from,
    line: 'support-fr',
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    answered: false,
    missedReason: call.missedReason,
    ...(call.callerName ? { callerName: call.callerName } : {}),
    legs: (call.rang ?? []).map((agent, i) => ({
      agent,
      result: 'missed',
      at: new Date(startedAt + 5_000 + i * 1_000).toISOString(),
    })),
    ...(call.voicemail
      ? {
          voicemailUrl: call.voicemail.url,
          voicemailDurationSeconds: call.voicemail.seconds,
          transcript: call.voicemail.transcript,
        }
      : {}),
  };
}

/** The demo's calls: a named caller, a repeat caller (two calls, one card) with a voicemail, a withheld number. */
export const DEMO_CALLS: DemoCall[] = [
  {
    callId: 'demo-1',
    from: '+33612345678',
    callerName: 'Marie Dupont',
    agoSeconds: 240,
    waitedSeconds: 45,
    missedReason: 'no-answer',
    rang: ['Megan Bowen', 'Adele Vance'],
  },
  {
    callId: 'demo-2',
    from: '+33176360695',
    agoSeconds: 180,
    waitedSeconds: 20,
    missedReason: 'busy',
  },
  {
    callId: 'demo-3',
    from: '+33176360695',
    agoSeconds: 60,
    waitedSeconds: 32,
    missedReason: 'abandoned_in_queue',
    voicemail: {
      url: 'https://voicemail.example.com/demo-3.mp3',
      seconds: 31,
      transcript:
        'Bonjour, Jean Petit de la boulangerie Petit. Ma commande 4471 n’est pas arrivée, pouvez-vous me rappeler avant midi ? Merci.',
    },
  },
  {
    callId: 'demo-4',
    from: null,
    agoSeconds: 30,
    waitedSeconds: 12,
    missedReason: 'no-answer',
  },
];
