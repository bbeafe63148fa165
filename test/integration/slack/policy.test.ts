/** Who may act, and what the call-back reply says when Aircall and Zendesk are configured. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import {
  ANA,
  BEN,
  CHANNEL,
  cardIn,
  click,
  openEpisode,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
let db: TestDatabase;
let h: SlackHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    routingYaml: `
timezone: Europe/Paris
allowUnmappedUsers: false
lines:
  - name: Support FR
    match: "*"
    slack: { channel: ${CHANNEL} }
    country: FR
`,
    env: {
      AIRCALL_API_ID: 'aircall-id',
      AIRCALL_API_TOKEN: 'aircall-token',
      ZENDESK_URL: 'https://acme.zendesk.example',
    },
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
    extraAdapters: [
      // Stands in for the Zendesk agent lookup: only Ana is an agent.
      (ctx) =>
        ctx.addAgentLookup({
          system: 'zendesk',
          findByEmail: async (email) =>
            email === ANA.email ? { id: '1', name: 'Ana Lopez', role: 'agent' } : null,
        }),
    ],
  });
  h.fake.addUser(ANA);
  h.fake.addUser(BEN);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

describe('a Slack user who maps to no agent', () => {
  it('gets a clear private message and nothing changes', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33633333333', name: null } });
    await waitForCard(h, episode.id);
    await click(h, {
      user: BEN.id,
      episodeId: episode.id,
      cardTs: cardIn(h.fake, CHANNEL, episode.id)?.ts ?? '',
      actionId: 'ringback.claim',
    });
    await vi.waitFor(() => expect(h.fake.ephemerals.filter((e) => e.user === BEN.id)).toHaveLength(1), WAIT);
    expect(h.fake.ephemerals.find((e) => e.user === BEN.id)?.text).toContain(
      'You are not set up as an agent',
    );
    expect(await h.ringback.store.episodes.get(episode.id)).toMatchObject({
      state: 'open',
      claimedBy: null,
      version: 1,
    });
    expect(await h.ringback.store.audit.listForEpisode(episode.id)).toEqual([]);
  });
});

describe('call back, with Aircall and Zendesk configured', () => {
  it('replies with the tel: link, the ticket link, and says the number is ready in the Aircall Phone', async () => {
    const episode = await openEpisode(h.ringback, {
      caller: { number: '+33644444444', name: 'Paul Appel' },
      zendeskTicketId: 456,
    });
    await waitForCard(h, episode.id);
    await click(h, {
      user: ANA.id,
      episodeId: episode.id,
      cardTs: cardIn(h.fake, CHANNEL, episode.id)?.ts ?? '',
      actionId: 'ringback.callback',
    });
    await vi.waitFor(() => expect(h.fake.ephemerals.filter((e) => e.user === ANA.id)).toHaveLength(1), WAIT);
    const reply = h.fake.ephemerals.find((e) => e.user === ANA.id)?.text ?? '';
    expect(reply).toContain('Call Paul Appel back on <tel:+33644444444|06 44 44 44 44> (attempt 1).');
    expect(reply).toContain('Zendesk ticket: <https://acme.zendesk.example/agent/tickets/456|#456>');
    expect(reply).toContain('the number is ready in your Aircall Phone: press call there');
    const audit = await h.ringback.store.audit.listForEpisode(episode.id);
    expect(audit.map((a) => a.type)).toEqual(['claimed', 'callback_started']);
    expect(h.fake.errors).toEqual([]);
  });
});
