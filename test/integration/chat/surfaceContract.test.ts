/**
 * The chat-surface contract, run the same way against Slack (fake Slack), Teams (fake Teams) and the
 * in-memory surface: a missed call posts one card; a claim from the card updates it and adds a line to its
 * thread; a resolve does too; a thread line written before its card is posted waits for the card.
 * Each surface is driven through its own way in (signed Slack interactivity, Bot Framework invokes,
 * method calls) and read through its own way out (the fakes' records, the memory surface's arrays).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { actOnCard, type CardAction } from '../../../src/app/act.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Actor } from '../../../src/domain/types.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { registerProviders } from '../../../src/providers/register.js';
import { resolveOptionValue } from '../../../src/surfaces/slack/blocks.js';
import { OUTCOME_INPUT_ID } from '../../../src/surfaces/teams/card.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import { memoryLogger, startRingback } from '../../helpers/ringback.js';
import { CALLBACKS, USERS } from '../../mocks/fakeTeams.js';
import { blockActions, interactivityBody, postToSlackEvents } from '../../mocks/slackRequests.js';
import { MemoryChatSurface } from '../../support/memorySurface/surface.js';
import { blocksText, cardIn, SIGNING_SECRET, startSlackHarness } from '../slack/harness.js';
import { startTeamsHarness, WEBHOOK_SECRET } from '../teams/harness.js';

const WAIT = { timeout: 15_000, interval: 25 };
const SLACK_CHANNEL = 'C0CONTRACT1';
const MEMORY_CHANNEL = 'mem-calls';

/** One surface as the contract sees it. */
interface Driver {
  ringback: StartedRingback;
  /** The card of an episode on the surface, as people see it now, once Ringback stored where it is. */
  card(episodeId: string): Promise<{ text: string; copies: number }>;
  /** The lines in the card's thread, oldest first. */
  thread(episodeId: string): Promise<string[]>;
  /** An agent clicks a control on the card, through the surface's own way in. */
  click(episodeId: string, action: 'claim' | 'resolve'): Promise<void>;
  /** The next card cannot be posted at once (the surface is busy): it goes out a second or two later. */
  delayNextCard(): Promise<void>;
  /** The line name the missed calls of this driver come in on (generic webhook `line`). */
  line: string;
  /** The surface's name and the channel its cards go to. */
  surface: string;
  channel: string;
  stop(): Promise<void>;
}

async function slackDriver(database: TestDatabase): Promise<Driver> {
  const h = await startSlackHarness({
    database,
    routingYaml: `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: ${SLACK_CHANNEL} }
    country: FR
`,
    env: { RINGBACK_WEBHOOK_SECRET: WEBHOOK_SECRET },
    // One post per 1.5 s per channel: a card queued behind another waits for its slot.
    slack: { sender: { postIntervalMs: 1_500, updateBurst: 20, updatesPerMinute: 500 } },
    extraAdapters: [registerProviders],
  });
  h.fake.addUser({ id: 'U0ANA000001', name: 'ana', realName: 'Ana Lima', email: 'ana@example.com' });
  let blockers = 0;
  const card = (episodeId: string) => cardIn(h.fake, SLACK_CHANNEL, episodeId);
  return {
    ringback: h.ringback,
    line: 'support-fr',
    surface: 'slack',
    channel: SLACK_CHANNEL,
    async card(episodeId) {
      await vi.waitFor(async () => {
        expect(card(episodeId)).toBeDefined();
        expect(await h.ringback.store.posts.get(episodeId, 'slack', SLACK_CHANNEL)).not.toBeNull();
      }, WAIT);
      const copies = h.fake
        .messages(SLACK_CHANNEL)
        .filter((m) => m.threadTs === null && blocksText(m).includes(`ringback.title:${episodeId}`)).length;
      return { text: blocksText(card(episodeId)), copies: Math.max(copies, 1) };
    },
    async thread(episodeId) {
      const message = card(episodeId);
      return message ? h.fake.replies(SLACK_CHANNEL, message.ts).map((m) => m.text) : [];
    },
    async click(episodeId, action) {
      const message = card(episodeId);
      if (!message) throw new Error('no card to click');
      const click =
        action === 'claim'
          ? { actionId: ACTION_IDS.claim, value: episodeId }
          : { actionId: ACTION_IDS.resolve, selectedValue: resolveOptionValue('reached', episodeId) };
      const res = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
        body: interactivityBody(
          blockActions({
            userId: 'U0ANA000001',
            userName: 'ana',
            channel: SLACK_CHANNEL,
            messageTs: message.ts,
            ...click,
          }),
        ),
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(200);
    },
    async delayNextCard() {
      // Slack's one post per second per channel: a card for another caller takes the slot first.
      blockers += 1;
      await missedCall(h.ringback, {
        callId: `blocker-${blockers}`,
        from: `+3361299900${blockers}`,
        line: 'support-fr',
      });
    },
    stop: () => h.stop(),
  };
}

async function teamsDriver(database: TestDatabase): Promise<Driver> {
  const h = await startTeamsHarness({ database, teams: { invokeWaitMs: 0 } });
  await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
  return {
    ringback: h.ringback,
    line: 'support-fr',
    surface: 'teams',
    channel: CALLBACKS.id,
    async card(episodeId) {
      const post = await h.storedCard(episodeId);
      const copies = (await h.ringback.store.posts.listForEpisode(episodeId)).filter(
        (p) => p.surface === 'teams',
      );
      return { text: JSON.stringify(post.versions.at(-1)), copies: copies.length };
    },
    async thread(episodeId) {
      const post = (await h.ringback.store.posts.listForEpisode(episodeId)).find(
        (p) => p.surface === 'teams',
      );
      if (!post) return [];
      return h.fake
        .messagesIn(post.threadRef ?? `${post.channel};messageid=${post.ref}`)
        .map((a) => String(a.activity.text ?? ''));
    },
    async click(episodeId, action) {
      const post = await h.storedCard(episodeId);
      const data =
        action === 'claim' ? { callId: episodeId } : { callId: episodeId, [OUTCOME_INPUT_ID]: 'reached' };
      const verb = action === 'claim' ? ACTION_IDS.claim : ACTION_IDS.resolve;
      const answer = await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, verb, data));
      expect(answer.status).toBe(200);
    },
    async delayNextCard() {
      // Teams is busy: the next new conversation is answered 503 with Retry-After: 2.
      h.fake.failNext((method, path) => method === 'POST' && path.endsWith('/v3/conversations'), 503, 2);
    },
    stop: () => h.stop(),
  };
}

async function memoryDriver(database: TestDatabase): Promise<Driver> {
  const surface = new MemoryChatSurface({ channels: { 'Support FR': [MEMORY_CHANNEL] } });
  const config = testConfig({
    database,
    routingYaml: `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    country: FR
`,
    env: { RINGBACK_WEBHOOK_SECRET: WEBHOOK_SECRET },
  });
  const ringback = await startRingback(config, {
    logger: memoryLogger(config.secrets).logger,
    adapters: [registerProviders, surface.adapter()],
  });
  const ana: Actor = { id: 'memory:ana', name: 'Ana Lima', email: 'ana@example.com', surface: 'api' };
  return {
    ringback,
    line: 'support-fr',
    surface: 'memory',
    channel: MEMORY_CHANNEL,
    async card(episodeId) {
      await vi.waitFor(async () => {
        expect(surface.cardOf(episodeId)).toBeDefined();
        expect(await ringback.store.posts.get(episodeId, 'memory', MEMORY_CHANNEL)).not.toBeNull();
      }, WAIT);
      const card = surface.cardOf(episodeId);
      return {
        text: card?.versions.at(-1) ?? '',
        copies: surface.cards.filter((c) => c.episodeId === episodeId).length,
      };
    },
    async thread(episodeId) {
      return surface.cardOf(episodeId)?.thread ?? [];
    },
    async click(episodeId, action) {
      const chosen: CardAction =
        action === 'claim' ? { type: 'claim' } : { type: 'resolve', outcome: 'reached' };
      const result = await surface.click(episodeId, ana, chosen);
      expect(result.status).toBe('accepted');
    },
    async delayNextCard() {
      surface.refuseNextPost();
    },
    stop: () => ringback.stop(),
  };
}

async function missedCall(
  ringback: StartedRingback,
  call: { callId: string; from: string; line: string },
): Promise<string> {
  const startedAt = ringback.clock.now() - 90_000;
  const body = JSON.stringify({
    provider: 'contract',
    callId: call.callId,
    direction: 'inbound',
    from: call.from,
    line: call.line,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + 45_000).toISOString(),
    answered: false,
    missedReason: 'no-answer',
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
  let episodeId: string | null = null;
  await vi.waitFor(async () => {
    episodeId =
      (await ringback.store.providerCalls.get(`generic:contract:${call.callId}`))?.episodeId ?? null;
    expect(episodeId).not.toBeNull();
  }, WAIT);
  return episodeId as unknown as string;
}

const surfaces = [
  { name: 'Slack', start: slackDriver },
  { name: 'Teams', start: teamsDriver },
  { name: 'the memory surface', start: memoryDriver },
];

describe.each(surfaces)('the chat-surface contract on $name', ({ start }) => {
  let database: TestDatabase;
  let driver: Driver;

  beforeAll(async () => {
    database = sqliteDatabase();
    driver = await start(database);
  });

  afterAll(async () => {
    await driver?.stop();
    await database?.drop();
  });

  let episodeId = '';

  it('posts one card for a missed call, in the line’s channel', async () => {
    episodeId = await missedCall(driver.ringback, { callId: 'c-1', from: '+33612345601', line: driver.line });
    const card = await driver.card(episodeId);
    expect(card.text).toContain('06 12 34 56 01');
    // Give a second post every chance to show up: there must not be one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await driver.card(episodeId)).copies).toBe(1);
    // Posted, so no longer queued.
    const spot = { episodeId, surface: driver.surface, channel: driver.channel };
    expect(await driver.ringback.store.cardQueue.get(spot)).toBeNull();
  });

  it('updates the card on a claim from it, and says who claimed in its thread', async () => {
    await driver.click(episodeId, 'claim');
    await vi.waitFor(async () => {
      expect((await driver.card(episodeId)).text).toMatch(/Claimed by Ana Lima/);
      expect((await driver.thread(episodeId)).join('\n')).toMatch(/Claimed by \W*Ana Lima/);
    }, WAIT);
    expect((await driver.card(episodeId)).copies).toBe(1);
  });

  it('updates the card on a resolve, and says the outcome in its thread', async () => {
    await driver.click(episodeId, 'resolve');
    await vi.waitFor(async () => {
      expect((await driver.card(episodeId)).text).toMatch(/Resolved/);
      const lines = await driver.thread(episodeId);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/Resolved by \W*Ana Lima\W*: Reached the caller/);
    }, WAIT);
  });

  it('keeps a thread line written before the card is posted until the card is out, then says it there', async () => {
    await driver.delayNextCard();
    const waiting = await missedCall(driver.ringback, {
      callId: 'c-2',
      from: '+33612345602',
      line: driver.line,
    });
    const { ringback } = driver;
    const spot = { episodeId: waiting, surface: driver.surface, channel: driver.channel };
    expect(await ringback.store.posts.listForEpisode(waiting)).toEqual([]);
    expect(await ringback.store.cardQueue.get(spot)).toMatchObject({ failedAt: null });
    // Claimed from elsewhere (another surface, the API) while the card is still on its way.
    const mia: Actor = { id: 'api:mia', name: 'Mia Chen', email: 'mia@example.com', surface: 'api' };
    const claimed = await actOnCard(
      { commands: ringback.commands, directory: ringback.directory, routing: ringback.config.routing },
      { episodeId: waiting, actor: mia, action: { type: 'claim' } },
    );
    expect(claimed.status).toBe('accepted');
    expect(await ringback.store.posts.listForEpisode(waiting)).toEqual([]);

    await vi.waitFor(async () => {
      expect((await driver.thread(waiting)).join('\n')).toMatch(/Claimed by \W*Mia Chen/);
    }, WAIT);
    // The card went out showing the claim (rendered when posted, or updated once it was out).
    await vi.waitFor(
      async () => expect((await driver.card(waiting)).text).toMatch(/Claimed by Mia Chen/),
      WAIT,
    );
    expect((await driver.card(waiting)).copies).toBe(1);
    expect(await driver.thread(waiting)).toHaveLength(1);
  });
});
