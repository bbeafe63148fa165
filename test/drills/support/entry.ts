/**
 * Ringback as a process for the failure drills: src/main.ts's composition with the production adapters,
 * but with test-sized clocks so a drill that kills a process sees its work taken over in seconds rather
 * than minutes: job leases (DRILL_LEASE_MS, default 1.5 s; production 60 s), quick polls and backoff,
 * and a short Slack lane run (its lease is six runs). Everything else is the product as shipped.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { registerEscalation } from '../../../src/escalation/register.js';
import { registerProviders } from '../../../src/providers/register.js';
import { createRingback } from '../../../src/ringback.js';
import { createSlackAdapter } from '../../../src/surfaces/slack/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ringback: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const leaseMs = Number(process.env.DRILL_LEASE_MS ?? 1_500);
  const ringback = await createRingback(config, {
    runner: { leaseMs, pollIntervalMs: 50, baseBackoffMs: 100, maxBackoffMs: 1_000 },
    adapters: [
      registerEscalation,
      registerProviders,
      createSlackAdapter({ sender: { laneRunMs: 500 } }),
      createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
    ],
  });
  await ringback.start();
  const stop = () => {
    ringback.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ringback drill entry: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
