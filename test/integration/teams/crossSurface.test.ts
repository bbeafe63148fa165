/**
 * One call, two surfaces: a line that posts to Slack and to Teams shows one card in each, and a click on
 * either surface updates both (each surface's planner reacts to the same domain events).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { registerProviders } from '../../../src/providers/register.js';
import { createSlackAdapter } from '../../../src/surfaces/slack/register.js';
import { teamsAdapter } from '../../../src/surfaces/teams/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { type FakeSlack, startFakeSlack } from '../../mocks/fakeSlack.js';
import { CALLBACKS, type FakeActivity, FakeTeams, USERS } from '../../mocks/fakeTeams.js';
import { blockActions, interactivityBody, postToSlackEvents } from '../../mocks/slackRequests.js';
import { cardText, WEBHOOK_SECRET } from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
const SIGNING_SECRET = 'cross-surface-signing-secret-01';
const SLACK_CHANNEL = 'C0123456789';
const SLACK_ANA = { id: 'UANA000001', name: 'ana', realName: 'Ana Lima', email: USERS.ana.email };
const SLACK_BEN = { id: 'UBEN000001', name: 'ben', realName: 'Ben Okafor', email: USERS.ben.email };

let db: TestDatabase;
let slack: FakeSlack;
let teams: FakeTeams;
let ringback: StartedRingback;

beforeAll(async () => {
  db = sqliteDatabase();
  slack = await startFakeSlack();
  slack.addUser(SLACK_ANA);
  slack.addUser(SLACK_BEN);
  teams = await FakeTeams.start();
  const config = testConfig({
    database: db,
    routingYaml: `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: ${SLACK_CHANNEL} }
    teams: { channel: "${CALLBACKS.id}" }
    country: FR
`,
    env: {
      RINGBACK_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RINGBACK_TEAMS_PLAYGROUND: '1',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
    },
  });
  ringback = await startRingback(config, {
    logger: memoryLogger(config.secrets).logger,
    adapters: [
      registerProviders,
      createSlackAdapter({ retries: 0 }),
      teamsAdapter({ playgroundCards: false }),
    ],
  });
  await teams.toBot(`${ringback.baseUrl}/api/messages`, teams.botAddedToTeam());
});

afterAll(async () => {
  await ringback?.stop();
  await slack?.close();
  await teams?.close();
  await db?.drop();
});

afterEach(() => {
  expect(teams.invalidRequests).toEqual([]);
  expect(slack.errors).toEqual([]);
});

async function missedCall(callId: string, from: string) {
  const startedAt = Date.now() - 90_000;
  const body = JSON.stringify({
    provider: 'twilio',
    callId,
    direction: 'inbound',
    from,
    line: 'support-fr',
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + 30_000).toISOString(),
    answered: false,
  });
  const res = await fetch(`${ringback.baseUrl}/webhooks/calls`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ringback-signature': signGenericBody(WEBHOOK_SECRET, body),
    },
    body,
  });
  expect(res.status).toBe(200);
  let episodeId = '';
  await vi.waitFor(async () => {
    episodeId = (await ringback.store.providerCalls.get(`generic:twilio:${callId}`))?.episodeId ?? '';
    expect(episodeId).not.toBe('');
  }, WAIT);
  let teamsCard: FakeActivity | undefined;
  let slackTs = '';
  await vi.waitFor(async () => {
    const posts = await ringback.store.posts.listForEpisode(episodeId);
    teamsCard = teams
      .postsIn(CALLBACKS.id)
      .find((p) => p.id === posts.find((x) => x.surface === 'teams')?.ref);
    slackTs = posts.find((x) => x.surface === 'slack')?.ref ?? '';
    expect(teamsCard).toBeDefined();
    expect(slackTs).not.toBe('');
  }, WAIT);
  return { episodeId, teamsCard: teamsCard as FakeActivity, slackTs };
}

function slackCardText(ts: string): string {
  return JSON.stringify(slack.message(SLACK_CHANNEL, ts)?.blocks ?? []);
}

describe('a call routed to Slack and Teams', () => {
  it('is one call with one card on each surface', async () => {
    const { episodeId, teamsCard, slackTs } = await missedCall('CA-both', '+33612345631');
    expect(await ringback.store.episodes.count()).toBe(1);
    expect(cardText(teams.cardOf(teamsCard))).toContain('Unclaimed');
    expect(slackCardText(slackTs)).toContain(episodeId);
  });

  describe('claimed in Slack', () => {
    it('updates the Teams card for everyone', async () => {
      const { episodeId, teamsCard, slackTs } = await missedCall('CA-slack-claim', '+33612345632');
      const res = await postToSlackEvents(ringback.baseUrl, SIGNING_SECRET, {
        contentType: 'application/x-www-form-urlencoded',
        body: interactivityBody(
          blockActions({
            userId: SLACK_ANA.id,
            channel: SLACK_CHANNEL,
            messageTs: slackTs,
            actionId: ACTION_IDS.claim,
            value: episodeId,
          }),
        ),
      });
      expect(res.status).toBe(200);
      await vi.waitFor(
        () => expect(cardText(teams.cardOf(teamsCard))).toContain('Claimed by Ana Lima'),
        WAIT,
      );
      // Ana is the same person in Teams (same e-mail): her Teams view has her controls.
      const answer = await teams.toBot(
        `${ringback.baseUrl}/api/messages`,
        teams.invoke(teamsCard, USERS.ana, 'ringback.refresh', { callId: episodeId }, 'automatic'),
      );
      expect(JSON.stringify(answer.body)).toContain(ACTION_IDS.release);
    });
  });

  describe('claimed in Teams', () => {
    it('updates the Slack card', async () => {
      const { episodeId, teamsCard, slackTs } = await missedCall('CA-teams-claim', '+33612345633');
      const answer = await teams.toBot(
        `${ringback.baseUrl}/api/messages`,
        teams.invoke(teamsCard, USERS.ben, ACTION_IDS.claim, { callId: episodeId }),
      );
      expect(answer.status).toBe(200);
      await vi.waitFor(() => expect(slackCardText(slackTs)).toContain('Claimed by Ben Okafor'), WAIT);
    });
  });
});
