/**
 * What the Slack and Teams callback flows share with flow.test.ts: its routing (Support FR, 2 attempts 30 min
 * apart, a French follow-up after no answer), a manual clock and hand-driven jobs, the Aircall webhook
 * fixtures, and a fake Zendesk. Each flow adds its own surface (real Bolt + FakeSlack, or teams-ai + FakeTeams).
 */
import { DateTime } from 'luxon';
import { expect } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Episode } from '../../../src/domain/types.js';
import { registerProviders } from '../../../src/providers/register.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { testConfig } from '../../helpers/config.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { AIRCALL_FIXTURE_TOKEN, fixtures } from '../ingest/support.js';

export const PARIS = 'Europe/Paris';

/** flow.test.ts's routing, with the line's card routed to `surface`. */
export function callbackRouting(surface: string): string {
  return `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    ${surface}
    country: FR
    locale: fr
    sla: { resolveWithin: 20m }
    reminders: { escalate: [] }
    retry: { attempts: 2, every: 30m }
    followUp:
      after: [no_answer]
      templates:
        en: "Hello {{callerName}}, {{agentFirstName}} from {{line}} tried to call you back {{attempts}} times."
        fr: "Bonjour {{callerName}}, {{agentFirstName}} du service {{line}} a essayé de vous rappeler {{attempts}} fois."
zendesk:
  createTickets: true
`;
}

export interface CallbackWorld {
  app: StartedRingback;
  zendesk: FakeZendesk;
  clock: ManualClock;
  logLines: () => string[];
  /** Runs every due job; jobs that stepped back for a moment are given the seconds they asked for. */
  drain(): Promise<void>;
  advanceTo(at: number): Promise<void>;
  /** Posts an Aircall fixture folder (its first `upTo` files) to the webhook, then drains. */
  webhook(folder: string, upTo?: number): Promise<void>;
  episode(id: string): Promise<Episode>;
  ticketOf(episode: Episode): NonNullable<ReturnType<FakeZendesk['tickets']['get']>>;
  stop(): Promise<void>;
}

export async function startCallbackWorld(options: {
  database: TestDatabase;
  surfaceRouting: string;
  env: Record<string, string>;
  surface: RegisterAdapter;
  /** Friday 20 Nov 2026, 17:00 in Paris unless said. */
  startAt?: string;
}): Promise<CallbackWorld> {
  const clock = new ManualClock(
    DateTime.fromISO(options.startAt ?? '2026-11-20T17:00', { zone: PARIS }).toMillis(),
  );
  const zendesk = await new FakeZendesk({ now: () => clock.now() }).start();
  const config = testConfig({
    database: options.database,
    routingYaml: callbackRouting(options.surfaceRouting),
    env: {
      AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
      ZENDESK_URL: zendesk.url,
      ZENDESK_EMAIL: zendesk.email,
      ZENDESK_API_TOKEN: zendesk.token,
      ...options.env,
    },
  });
  const { logger, lines } = memoryLogger(config.secrets);
  const app = await startRingback(config, {
    clock,
    manualJobs: true,
    logger,
    adapters: [
      registerProviders,
      createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
      registerEscalation,
      options.surface,
    ],
  });

  async function drain(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      await app.runner.drain();
      const soon = (await app.store.jobs.list({})).filter(
        (job) => job.status === 'pending' && job.runAt <= clock.now() + 5_000,
      );
      if (soon.length === 0) return;
      clock.set(clock.now() + 1_100);
    }
  }

  return {
    app,
    zendesk,
    clock,
    logLines: lines,
    drain,
    async advanceTo(at) {
      clock.set(at);
      await drain();
    },
    async webhook(folder, upTo) {
      for (const f of fixtures('aircall', folder).slice(0, upTo)) {
        const answer = await fetch(`${app.baseUrl}/webhooks/aircall`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: f.text,
        });
        expect(answer.status).toBe(200);
      }
      await drain();
    },
    async episode(id) {
      const episode = await app.store.episodes.get(id);
      if (!episode) throw new Error('episode gone');
      return episode;
    },
    ticketOf(episode) {
      const ticket =
        episode.zendeskTicketId !== null ? zendesk.tickets.get(episode.zendeskTicketId) : undefined;
      if (!ticket) throw new Error('no ticket');
      return ticket;
    },
    async stop() {
      await app.stop();
      await zendesk.stop();
    },
  };
}
