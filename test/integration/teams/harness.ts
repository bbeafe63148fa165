/** A real Ringback with the Teams surface and the generic webhook, wired to a fake Teams on loopback. */

import { expect, vi } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { registerProviders } from '../../../src/providers/register.js';
import { type TeamsOptions, teamsAdapter } from '../../../src/surfaces/teams/register.js';
import { testConfig } from '../../helpers/config.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import {
  CALLBACKS,
  type FakeActivity,
  FakeTeams,
  MANAGERS,
  type RateWindow,
  USERS,
} from '../../mocks/fakeTeams.js';

export const WEBHOOK_SECRET = 'generic-webhook-secret-0123456789';

export const TEAMS_ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { genericLine: support-fr }
    teams: { channel: "${CALLBACKS.id}" }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
  - name: Elsewhere
    match: "*"
managers: { emails: [${USERS.mia.email}], teamsChannel: "${MANAGERS.id}" }
`;

export interface TeamsHarness {
  ringback: StartedRingback;
  fake: FakeTeams;
  botUrl: string;
  logLines: () => string[];
  /**
   * The card of a call in the fake Teams, once Ringback has stored it as the call's post: only then does a
   * click on it count (a card action must come from a stored post of its call).
   */
  storedCard(episodeId: string): Promise<FakeActivity>;
  /** A missed call through POST /webhooks/calls, as a telephony system sends it. */
  missedCall(call: {
    callId: string;
    from: string;
    callerName?: string;
    line?: string;
    /** When the call came in (epoch ms), 90 s ago unless said: the same for two deliveries of one call. */
    startedAt?: number;
  }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTeamsHarness(options: {
  database: TestDatabase;
  routingYaml?: string;
  env?: Record<string, string>;
  teams?: TeamsOptions;
  limits?: RateWindow[];
  extraAdapters?: RegisterAdapter[];
}): Promise<TeamsHarness> {
  const fake = await FakeTeams.start(options.limits ? { limits: options.limits } : {});
  const config = testConfig({
    database: options.database,
    routingYaml: options.routingYaml ?? TEAMS_ROUTING_YAML,
    // The fake Teams is on loopback and unauthenticated, as the local Agents Playground is.
    env: { RINGBACK_WEBHOOK_SECRET: WEBHOOK_SECRET, RINGBACK_TEAMS_PLAYGROUND: '1', ...options.env },
  });
  const { logger, lines } = memoryLogger(config.secrets);
  const ringback = await startRingback(config, {
    logger,
    adapters: [
      registerProviders,
      teamsAdapter({ playgroundCards: false, ...options.teams }),
      ...(options.extraAdapters ?? []),
    ],
  });
  return {
    ringback,
    fake,
    botUrl: `${ringback.baseUrl}/api/messages`,
    logLines: lines,
    async storedCard(episodeId) {
      let card: FakeActivity | undefined;
      await vi.waitFor(
        async () => {
          const posts = await ringback.store.posts.listForEpisode(episodeId);
          const ref = posts.find((p) => p.surface === 'teams')?.ref;
          card = fake.postsIn(CALLBACKS.id).find((p) => p.id === ref);
          expect(card).toBeDefined();
        },
        { timeout: 10_000, interval: 25 },
      );
      return card as FakeActivity;
    },
    async missedCall(call) {
      const startedAt = call.startedAt ?? ringback.clock.now() - 90_000;
      const body = JSON.stringify({
        provider: 'twilio',
        callId: call.callId,
        direction: 'inbound',
        from: call.from,
        line: call.line ?? 'support-fr',
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(startedAt + 45_000).toISOString(),
        answered: false,
        missedReason: 'no-answer',
        ...(call.callerName ? { callerName: call.callerName } : {}),
      });
      const res = await fetch(`${ringback.baseUrl}/webhooks/calls`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ringback-signature': signGenericBody(WEBHOOK_SECRET, body),
        },
        body,
      });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    },
    async stop() {
      await ringback.stop();
      await fake.close();
    },
  };
}

/** Every text of an Adaptive Card (TextBlocks, facts, action titles), to read it as a person would. */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if ((key === 'text' || key === 'title' || key === 'value') && typeof item === 'string')
          texts.push(item);
        else walk(item);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}

/** The verbs of a card's Action.Execute buttons. */
export function verbsOf(card: unknown): string[] {
  const actions = (card as { actions?: { type: string; verb?: string }[] } | null)?.actions ?? [];
  return actions.filter((a) => a.type === 'Action.Execute').map((a) => a.verb ?? '');
}
