/**
 * The agent check in Slack, against a fake Zendesk: callers are shown only to agents (`/ringback open`,
 * `mine`, `summary`), and a click never waits on Zendesk: when it hangs, the last known answer decides,
 * and a person never seen before is refused within the deadline (fail closed).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UNVERIFIED_MESSAGE } from '../../../src/app/directory.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { postToSlackEvents, slashCommandBody } from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  CHANNEL,
  click,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackWithZendesk,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 20 };
const CARL = { id: 'UCARL00001', name: 'carl', realName: 'Carl New', email: 'carl@example.com' };
const DORA = { id: 'UDORA00001', name: 'dora', realName: 'Dora Known', email: 'dora@example.com' };
const CALLER = { number: '+33612340001', name: 'Marie Secret' };

let db: TestDatabase;
let zendesk: FakeZendesk;
let h: SlackHarness;
let asked = 0;

beforeAll(async () => {
  db = sqliteDatabase();
  ({ h, zendesk } = await startSlackWithZendesk({
    database: db,
    agents: [
      { realName: 'Ana Lopez', email: ANA.email },
      { realName: 'Dora Known', email: DORA.email },
    ],
    createTickets: false,
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
  }));
  for (const user of [ANA, BEN, CARL, DORA]) h.fake.addUser(user);
  await openEpisode(h.ringback, { caller: CALLER });
});

afterAll(async () => {
  await h?.stop();
  await zendesk?.stop();
  await db?.drop();
});

async function ask(user: string, text: string): Promise<string> {
  asked += 1;
  const id = `agents${asked}`;
  const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: slashCommandBody({ text, userId: user, channel: CHANNEL, responseUrl: h.fake.responseUrl(id) }),
  });
  expect(response.status).toBe(200);
  await vi.waitFor(() => expect(h.fake.responses.find((r) => r.id === id)).toBeDefined(), WAIT);
  return JSON.stringify(h.fake.responses.find((r) => r.id === id)?.body ?? {});
}

describe('caller data in /ringback', () => {
  it('open lists callers for an agent', async () => {
    const answer = await ask(ANA.id, 'open');
    expect(answer).toContain(CALLER.name);
  });

  it.each(['open', 'open Support FR', 'mine', 'summary today'])(
    '%s shows a non-agent no number, no name, only why',
    async (text) => {
      const answer = await ask(BEN.id, text);
      expect(answer).toContain('You are not set up as an agent');
      expect(answer).not.toContain(CALLER.name);
      expect(answer).not.toMatch(/\+?33\D?6\D?12/);
    },
  );

  it('help stays open to everyone', async () => {
    expect(await ask(BEN.id, 'help')).toContain('/ringback open');
  });
});

describe('while Zendesk hangs', () => {
  it('a claim by someone never seen before is refused within 3 s (a 1.5 s lookup deadline), saying to try again, and logged', async () => {
    zendesk.hangPaths.push(/\/users\/search/);
    try {
      const episode = await openEpisode(h.ringback, { caller: { number: '+33612340002', name: null } });
      const card = await waitForCard(h, episode.id);
      const started = Date.now();
      const response = await click(h, {
        user: CARL.id,
        episodeId: episode.id,
        cardTs: card.ts,
        actionId: 'ringback.claim',
      });
      expect(response.status).toBe(200);
      await vi.waitFor(() => expect(h.fake.ephemerals.find((e) => e.user === CARL.id)).toBeDefined(), WAIT);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(h.fake.ephemerals.find((e) => e.user === CARL.id)?.text).toBe(UNVERIFIED_MESSAGE);
      expect(await h.ringback.store.episodes.get(episode.id)).toMatchObject({
        state: 'open',
        claimedBy: null,
      });
      expect(h.logLines().some((l) => l.includes(`could not check that slack:${CARL.id} is an agent`))).toBe(
        true,
      );
      expect(zendesk.requests.some((r) => r.path.includes('/users/search'))).toBe(true);
    } finally {
      zendesk.hangPaths.length = 0;
    }
  });

  it('a claim by a known agent goes through within 3 s on the last known answer, even a stale one', async () => {
    const now = h.ringback.clock.now();
    // Zendesk said Dora is an agent two days ago; that answer is no longer fresh but still usable.
    await h.ringback.store.agentIdentities.put({
      system: 'zendesk',
      email: DORA.email,
      agent: { id: '9', name: 'Dora Known', role: 'agent' },
      checkedAt: now - 2 * 24 * 3_600_000,
      freshUntil: now - 2 * 24 * 3_600_000 + 600_000,
      usableUntil: now + 5 * 24 * 3_600_000,
    });
    zendesk.hangPaths.push(/\/users\/search/);
    try {
      const episode = await openEpisode(h.ringback, { caller: { number: '+33612340003', name: null } });
      const card = await waitForCard(h, episode.id);
      const started = Date.now();
      await click(h, { user: DORA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
      await vi.waitFor(
        async () =>
          expect((await h.ringback.store.episodes.get(episode.id))?.claimedBy?.id).toBe(`slack:${DORA.id}`),
        WAIT,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(h.logLines().some((l) => l.includes('using its last answer'))).toBe(true);
    } finally {
      zendesk.hangPaths.length = 0;
    }
  });
});
