/**
 * `npm run demo`: Ringback on embedded SQLite with the Microsoft 365 Agents Playground as a local Microsoft
 * Teams. Open the printed address, and a few realistic missed calls arrive in the "Callbacks" channel
 * through the generic webhook: claim one, call back, pick an outcome, resolve. Nothing leaves this machine
 * (no Microsoft sign-in, no telemetry). Ctrl-C stops everything. Ringback runs Teams in local playground
 * mode (RINGBACK_TEAMS_PLAYGROUND=1, set by lib/demoRingback.ts): unauthenticated, loopback serviceUrl only.
 *
 * Options: `--now` sends the calls at once instead of waiting for the page to open; DEMO_PORT (default
 * 3978) and DEMO_PLAYGROUND_PORT (default 56150) choose the ports when they are free.
 */
import express from 'express';
import type { RegisterAdapter } from '../src/adapters/context.js';
import { DEMO_CALLS, DEMO_LINE, type DemoRingback, startDemoRingback } from './lib/demoRingback.js';
import { freePort, PLAYGROUND, type RunningPlayground, startPlayground } from './lib/teamsPlayground.js';

const GAP_MS = 1_500;

async function portOr(preferred: number): Promise<number> {
  const probe = await import('node:net');
  return new Promise((resolve) => {
    const server = probe.createServer();
    server.once('error', () => freePort().then(resolve));
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(preferred)));
  });
}

/** Resolves when a browser opens the playground (it then tells the bot the user installed the app). */
function browserWatcher(): { adapter: RegisterAdapter; opened: Promise<void> } {
  let seen: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    seen = resolve;
  });
  const adapter: RegisterAdapter = (ctx) => {
    ctx.addMount((app) => {
      app.use('/api/messages', express.json({ limit: '1mb' }), (req, _res, next) => {
        const activity = req.body as
          | { type?: string; conversation?: { conversationType?: string } }
          | undefined;
        if (activity?.type === 'installationUpdate' && activity.conversation?.conversationType === 'personal')
          seen();
        next();
      });
    });
  };
  return { adapter, opened };
}

async function main(): Promise<void> {
  const sendNow = process.argv.includes('--now');
  const watcher = browserWatcher();
  let demo: DemoRingback | null = null;
  let playground: RunningPlayground | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the playground and Ringback…\n');
    await playground?.stop().catch(() => undefined);
    await demo?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    demo = await startDemoRingback({
      port: await portOr(Number(process.env.DEMO_PORT ?? 3978)),
      logLevel: process.env.LOG_LEVEL ?? 'warn',
      extraAdapters: [watcher.adapter],
    });
    playground = await startPlayground({
      botEndpoint: demo.botEndpoint,
      port: await portOr(Number(process.env.DEMO_PLAYGROUND_PORT ?? 56150)),
    });
    // What Teams does when someone adds the app to a team: Ringback learns the team's channels.
    await playground.addBotToTeam();
  } catch (error) {
    process.stderr.write(
      `demo: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stop(1);
    return;
  }

  process.stdout.write(
    [
      '',
      'Ringback demo: a local Microsoft Teams (Microsoft 365 Agents Playground) and Ringback on embedded SQLite.',
      'Nothing leaves this machine: no Microsoft sign-in, no telemetry.',
      '',
      `  1. Open ${playground.url} in your browser.`,
      `  2. Click "${PLAYGROUND.channel.name}" under "${PLAYGROUND.team.name}": missed calls for the line "${DEMO_LINE}" arrive there.`,
      `  3. Claim one (you are ${PLAYGROUND.user.name}), Call back, choose an outcome and Resolve.`,
      '     The reply chain under each card is its timeline. Try "@Ringback summary today" (you are a manager here),',
      '     "@Ringback open" or "@Ringback help" in the channel.',
      '',
      `  Ringback listens on ${demo.baseUrl} (GET /healthz, POST /webhooks/calls, POST /api/messages).`,
      "  From a terminal (this run's secrets; docs/generic-webhook.md has the body and the signature):",
      `    curl -sS -H 'Authorization: Bearer ${demo.apiToken}' ${demo.baseUrl}/api/calls`,
      `    export RINGBACK_WEBHOOK_SECRET=${demo.webhookSecret}   # signs your own POST /webhooks/calls`,
      '  The playground keeps no history: keep the page open; restart the demo to start over.',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  if (!sendNow) {
    process.stdout.write('Waiting for the page to open…\n');
    await watcher.opened;
  }
  for (const call of DEMO_CALLS) {
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    if (stopping) return;
    await demo.sendCall(call);
    const who = call.callerName ?? call.from ?? 'a withheld number';
    process.stdout.write(`  → missed call from ${who} sent to POST /webhooks/calls\n`);
  }
  process.stdout.write('All demo calls sent. Over to you in the browser.\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
