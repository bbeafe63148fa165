/**
 * While Zendesk hangs (never answers), Slack keeps flowing: new cards are posted, a claim goes through and
 * the card is updated within a few seconds, because Zendesk's requests time out, its breaker opens and
 * its jobs hold at most their share of the runner's slots. Once Zendesk answers again, its work (the
 * tickets) resumes by itself.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Episode } from '../../../src/domain/types.js';
import { vendorPolicies } from '../../../src/resilience/vendorPolicy.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeZendesk } from '../../mocks/fakeZendesk.js';
import {
  ANA,
  CHANNEL,
  cardIn,
  click,
  openEpisode,
  type SlackHarness,
  startSlackWithZendesk,
  waitForCard,
} from '../slack/harness.js';

let db: TestDatabase;
let zendesk: FakeZendesk;
let h: SlackHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  ({ h, zendesk } = await startSlackWithZendesk({
    database: db,
    agents: [{ realName: 'Ana Lopez', email: ANA.email }],
    createTickets: true,
    // Slack paces one post per second per channel; faster here so the test measures Zendesk's effect.
    fake: { postsPerSecond: 20 },
    slack: { sender: { postIntervalMs: 50 } },
  }));
  h.fake.addUser(ANA);
  // Production waits 10 s per request and 10 s before testing an open breaker; compressed here.
  vendorPolicies.reset({ zendesk: { timeoutMs: 1_000, failuresToOpen: 3, halfOpenAfterMs: 1_000 } });
  // Ana claims once while Zendesk is up, so Ringback knows she is an agent.
  const first = await openEpisode(h.ringback, { caller: { number: '+33612349000', name: null } });
  const card = await waitForCard(h, first.id);
  await click(h, { user: ANA.id, episodeId: first.id, cardTs: card.ts, actionId: 'ringback.claim' });
  await vi.waitFor(
    async () => expect((await h.ringback.store.episodes.get(first.id))?.state).toBe('claimed'),
    { timeout: 10_000, interval: 20 },
  );
}, 30_000);

afterAll(async () => {
  zendesk.hangPaths.length = 0;
  await h?.stop();
  await zendesk?.stop();
  await db?.drop();
});

describe('while Zendesk hangs', () => {
  it('posts cards, takes claims and updates cards within a few seconds, then Zendesk catches up', async () => {
    zendesk.hangPaths.push(/./);
    const hungSince = zendesk.requests.length;
    const episodes: Episode[] = [];
    // More hung Zendesk jobs than the runner has slots (8).
    for (let i = 0; i < 10; i++) {
      episodes.push(
        await openEpisode(h.ringback, {
          caller: { number: `+336123490${String(i + 1).padStart(2, '0')}`, name: null },
        }),
      );
    }
    const started = Date.now();
    for (const episode of episodes) await waitForCard(h, episode.id);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Zendesk really was asked, and did not answer.
    expect(zendesk.requests.length).toBeGreaterThan(hungSince);

    const target = episodes[0];
    if (!target) throw new Error('no episode');
    const card = cardIn(h.fake, CHANNEL, target.id);
    if (!card) throw new Error('no card');
    const updatesBefore = card.updates;
    const clicked = Date.now();
    const response = await click(h, {
      user: ANA.id,
      episodeId: target.id,
      cardTs: card.ts,
      actionId: 'ringback.claim',
    });
    expect(response.status).toBe(200);
    await vi.waitFor(
      async () => {
        expect((await h.ringback.store.episodes.get(target.id))?.state).toBe('claimed');
        expect(cardIn(h.fake, CHANNEL, target.id)?.updates ?? 0).toBeGreaterThan(updatesBefore);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(Date.now() - clicked).toBeLessThan(5_000);
    for (const episode of episodes) {
      expect((await h.ringback.store.episodes.get(episode.id))?.zendeskTicketId ?? null).toBeNull();
    }

    zendesk.hangPaths.length = 0;
    await vi.waitFor(
      async () => {
        for (const episode of episodes) {
          expect((await h.ringback.store.episodes.get(episode.id))?.zendeskTicketId).not.toBeNull();
        }
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await h.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  }, 40_000);
});
