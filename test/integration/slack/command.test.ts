/** `/ringback` over HTTP: the answer comes back through the command's response_url. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { postToSlackEvents, slashCommandBody } from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  CHANNEL,
  cardIn,
  click,
  MIA,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
let db: TestDatabase;
let h: SlackHarness;
let asked = 0;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
  });
  for (const user of [ANA, BEN, MIA]) h.fake.addUser(user);
  // One call Ana claimed, one still open.
  const claimed = await openEpisode(h.ringback, {
    caller: { number: '+33611111111', name: 'Claire Claimed' },
  });
  await openEpisode(h.ringback, { caller: { number: '+33622222222', name: 'Oscar Open' } });
  await waitForCard(h, claimed.id);
  await click(h, {
    user: ANA.id,
    episodeId: claimed.id,
    cardTs: cardIn(h.fake, CHANNEL, claimed.id)?.ts ?? '',
    actionId: 'ringback.claim',
  });
  await vi.waitFor(
    async () => expect((await h.ringback.store.episodes.get(claimed.id))?.state).toBe('claimed'),
    WAIT,
  );
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

async function ask(user: string, text: string): Promise<Record<string, unknown>> {
  asked += 1;
  const id = `cmd${asked}`;
  const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: slashCommandBody({ text, userId: user, channel: CHANNEL, responseUrl: h.fake.responseUrl(id) }),
  });
  expect(response.status).toBe(200);
  await vi.waitFor(() => expect(h.fake.responses.find((r) => r.id === id)).toBeDefined(), WAIT);
  return h.fake.responses.find((r) => r.id === id)?.body ?? {};
}

describe('/ringback', () => {
  it('help explains every subcommand, privately', async () => {
    const answer = await ask(BEN.id, 'help');
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    for (const part of ['/ringback open', '/ringback mine', '/ringback summary'])
      expect(answer.text).toContain(part);
  });

  it('open lists the calls still waiting, with who has them and a link to each card', async () => {
    const answer = await ask(BEN.id, 'open');
    expect(answer.text).toContain('*Open calls: 2*');
    expect(answer.text).toMatch(
      /Claire Claimed · Support FR · claimed by Ana Lopez · <https:\/\/acme\.slack\.com\/archives\/C0123456789\/p\d+\|card>/,
    );
    expect(answer.text).toContain('Oscar Open · Support FR · unclaimed');
  });

  it('mine lists the calls the asker claimed', async () => {
    expect((await ask(ANA.id, 'mine')).text).toContain('Claire Claimed');
    expect((await ask(BEN.id, 'mine')).text).toBe('Your claimed calls: none.');
  });

  describe('summary', () => {
    it('gives a manager the figures, privately', async () => {
      // Yesterday to tomorrow in the team's zone: a run that crosses midnight still counts its own calls.
      const day = (offset: number) =>
        new Date(Date.now() + offset * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
      const answer = await ask(MIA.id, `summary ${day(-1)}..${day(1)}`);
      expect(answer.response_type).toBe('ephemeral');
      const text = JSON.stringify(answer.blocks);
      expect(text).toContain(`Missed calls, ${day(-1)} to ${day(1)}`);
      expect(text).toContain('*Missed calls:* 2 from 2 unique callers');
      expect(text).toContain('*Claimed:* 1');
      expect(text).toContain('*Open now:* 2');
      expect(text).toContain('*Support FR:* 2 missed');
      expect(text).toContain('*Ana Lopez:* 1 claimed');
    });

    it('is posted for the whole channel when asked with public', async () => {
      const answer = await ask(MIA.id, 'summary week Support FR public');
      expect(answer.response_type).toBe('in_channel');
      expect(JSON.stringify(answer.blocks)).toContain('Support FR');
    });

    it('names the oldest open call by its line and age, not its caller, when posted for the channel', async () => {
      const oldest = /oldest: Support FR, \+33 6 [12]{2} [12]{2} [12]{2} [12]{2}, missed/;
      expect(JSON.stringify((await ask(MIA.id, 'summary week')).blocks)).toMatch(oldest);
      const shared = JSON.stringify((await ask(MIA.id, 'summary week public')).blocks);
      expect(shared).toContain('oldest: Support FR, missed');
      expect(shared).not.toMatch(/\+33 6/);
    });

    it('says what is wrong with a bad line or period', async () => {
      expect((await ask(MIA.id, 'summary today Nowhere')).text).toContain(
        'Cannot make that summary: no line named "Nowhere"',
      );
    });

    it('is for managers only', async () => {
      const answer = await ask(BEN.id, 'summary');
      expect(answer.text).toContain('Summaries are for managers');
      expect(answer.blocks).toBeUndefined();
    });
  });

  it('reads the &, < and > Slack escapes in the command text as the characters', async () => {
    const answer = await ask(BEN.id, 'dance &amp; sing &lt;now&gt;');
    expect(answer.text).toContain('I don\'t know "dance &amp; sing &lt;now&gt;"');
    expect(answer.text).not.toContain('&amp;amp;');
  });

  it('answers an unknown subcommand with the help', async () => {
    expect((await ask(BEN.id, 'dance')).text).toContain('I don\'t know "dance"');
    expect(h.fake.errors).toEqual([]);
    expect(h.fake.warnings).toEqual([]);
  });
});
