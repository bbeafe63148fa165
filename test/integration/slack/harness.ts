/** A real Ringback with only the Slack surface, wired to a fake Slack on loopback. */
import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import type { EpisodeDetails } from '../../../src/domain/details.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import {
  createSlackAdapter,
  type SlackAdapterOptions,
  type SlackSurface,
} from '../../../src/surfaces/slack/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { testConfig } from '../../helpers/config.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import {
  type FakeMessage,
  type FakeSlack,
  type FakeSlackOptions,
  startFakeSlack,
} from '../../mocks/fakeSlack.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { blockActions, interactivityBody, postToSlackEvents } from '../../mocks/slackRequests.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const CHANNEL = 'C0123456789';
export const MANAGER = 'UMANAGER01';

export const SLACK_ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    slack: { channel: ${CHANNEL} }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
  - name: No Slack
    match: "*"
managers: { slack: [${MANAGER}], slackChannel: C0MANAGERS1 }
`;

export interface SlackHarness {
  ringback: StartedRingback;
  fake: FakeSlack;
  surface: SlackSurface;
  logLines: () => string[];
  stop(): Promise<void>;
}

export async function startSlackHarness(options: {
  database: TestDatabase;
  routingYaml?: string;
  env?: Record<string, string>;
  slack?: SlackAdapterOptions;
  fake?: FakeSlackOptions;
  extraAdapters?: RegisterAdapter[];
}): Promise<SlackHarness> {
  const fake = await startFakeSlack(options.fake);
  const config = testConfig({
    database: options.database,
    routingYaml: options.routingYaml ?? SLACK_ROUTING_YAML,
    env: {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      ...options.env,
    },
  });
  let surface: SlackSurface | null = null;
  const { logger, lines } = memoryLogger(config.secrets);
  const ringback = await startRingback(config, {
    logger,
    adapters: [
      ...(options.extraAdapters ?? []),
      createSlackAdapter({
        retries: 0,
        ...options.slack,
        onReady: (s) => {
          surface = s;
        },
      }),
    ],
  });
  if (!surface) throw new Error('the Slack surface did not start');
  return {
    ringback,
    fake,
    surface,
    logLines: lines,
    async stop() {
      await ringback.stop();
      await fake.close();
    },
  };
}

/**
 * A Slack harness whose agents are Zendesk's (a fake Zendesk on loopback decides who may act), on one line with
 * one Slack manager. `agents` are added to the fake Zendesk by name and e-mail.
 */
export async function startSlackWithZendesk(options: {
  database: TestDatabase;
  agents: { realName: string; email: string | null }[];
  createTickets: boolean;
  fake?: FakeSlackOptions;
  slack?: SlackAdapterOptions;
}): Promise<{ h: SlackHarness; zendesk: FakeZendesk }> {
  const zendesk = await new FakeZendesk().start();
  for (const agent of options.agents) if (agent.email) zendesk.addAgent(agent.realName, agent.email);
  const h = await startSlackHarness({
    database: options.database,
    routingYaml: `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: ${CHANNEL} }
    country: FR
managers: { slack: [${MANAGER}] }
zendesk: { createTickets: ${options.createTickets} }
`,
    env: { ZENDESK_URL: zendesk.url, ZENDESK_EMAIL: zendesk.email, ZENDESK_API_TOKEN: zendesk.token },
    ...(options.fake ? { fake: options.fake } : {}),
    ...(options.slack ? { slack: options.slack } : {}),
    extraAdapters: [createZendeskAdapter({ pollTalk: false, pollSideConversations: false })],
  });
  return { h, zendesk };
}

/** Stores a new episode and plans its 'opened' effects, as ingest does. */
export async function openEpisode(
  ringback: StartedRingback,
  overrides: Partial<Episode> = {},
  details: Partial<EpisodeDetails> = {},
): Promise<Episode> {
  const now = ringback.clock.now();
  const episode: Episode = {
    ...newEpisode({
      id: randomUUID(),
      line: 'Support FR',
      caller: { number: '+33612345678', name: 'Marie Dupont' },
      missedAt: now - 60_000,
    }),
    ...overrides,
  };
  await ringback.store.transaction(async (repos) => {
    await repos.episodes.insert(episode, details, now);
    await repos.enqueue(
      ringback.commands.planEffects({
        episode,
        previous: null,
        events: [{ type: 'opened', at: episode.missedAt, providerCallKey: `test:${episode.id}` }],
      }),
      now,
    );
  });
  return episode;
}

/** The Slack message of an episode's card, once posted. */
export function cardIn(fake: FakeSlack, channel: string, episodeId: string) {
  return fake
    .messages(channel)
    .find(
      (m) => m.threadTs === null && JSON.stringify(m.blocks ?? []).includes(`ringback.title:${episodeId}`),
    );
}

/** Waits until the card is in Slack and Ringback has recorded where (thread lines and updates need that). */
export async function waitForCard(
  h: SlackHarness,
  episodeId: string,
  channel = CHANNEL,
): Promise<FakeMessage> {
  await vi.waitFor(
    async () => {
      expect(cardIn(h.fake, channel, episodeId)).toBeDefined();
      expect(await h.ringback.store.posts.get(episodeId, 'slack', channel)).not.toBeNull();
    },
    { timeout: 15_000, interval: 20 },
  );
  return cardIn(h.fake, channel, episodeId) as FakeMessage;
}

export function blocksText(message: { text: string; blocks: unknown[] | null } | undefined): string {
  if (!message) return '';
  const texts: string[] = [message.text];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'text' && typeof item === 'string') texts.push(item);
        else walk(item);
      }
    }
  };
  walk(message.blocks);
  return texts.join('\n');
}

export const ANA = { id: 'UANA000001', name: 'ana', realName: 'Ana Lopez', email: 'ana@example.com' };
export const BEN = { id: 'UBEN000001', name: 'ben', realName: 'Ben Martin', email: 'ben@example.com' };
export const MIA = { id: MANAGER, name: 'mia', realName: 'Mia Manager', email: 'mia@example.com' };

/** Clicks a card control as a Slack user. */
export async function click(
  h: SlackHarness,
  options: {
    user: string;
    episodeId: string;
    cardTs: string;
    actionId: string;
    outcome?: string;
    channel?: string;
  },
): Promise<Response> {
  const payload = blockActions({
    userId: options.user,
    channel: options.channel ?? CHANNEL,
    messageTs: options.cardTs,
    actionId: options.actionId,
    ...(options.outcome
      ? {
          selectedValue: `${options.outcome}:${options.episodeId}`,
          blockId: `ringback.actions:${options.episodeId}`,
        }
      : { value: options.episodeId }),
  });
  return postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: interactivityBody(payload),
  });
}
