/**
 * Text from outside (caller names, transcripts, people's Slack names) never becomes Slack syntax: no
 * `<!here>` ping, no `<@U…>` mention, no `<https://…|label>` disguised link, in any Slack text Ringback
 * sends (card blocks, fallback text, thread lines, ephemerals, /ringback answers); and a voicemail link
 * is a link only when it is https.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { postToSlackEvents, slashCommandBody } from '../../mocks/slackRequests.js';
import {
  ANA,
  blocksText,
  CHANNEL,
  click,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 20 };
const EVIL_NAME = '<!here> <https://evil.example|click>';
const EVIL_TRANSCRIPT = 'Call me <@U0BOSS0001> <!channel> & see <https://evil.example/pay|your bank>';
/** A Slack user whose display name is Slack syntax. */
const MALLORY = { id: 'UMAL000001', name: 'mallory', realName: '<!channel> Mallory', email: 'm@example.com' };

let db: TestDatabase;
let h: SlackHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    fake: { postsPerSecond: 5, tiers: { 'chat.update': 600 } },
    slack: { sender: { postIntervalMs: 200, updateBurst: 20, updatesPerMinute: 500 } },
  });
  for (const user of [ANA, MALLORY]) h.fake.addUser(user);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  expect(h.fake.errors).toEqual([]);
});

/**
 * The fallback text and every mrkdwn text of a message: what Slack parses for mentions and links.
 * plain_text objects (the header, buttons) are shown as typed and never parsed, so they are left out.
 */
function parsedText(message: { text: string; blocks: unknown[] | null } | undefined): string {
  if (!message) return '';
  const texts: string[] = [message.text];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      if (node.type === 'mrkdwn' && typeof node.text === 'string') texts.push(node.text);
      else if (node.type !== 'plain_text') Object.values(node).forEach(walk);
    }
  };
  walk(message.blocks);
  return texts.join('\n');
}

/** Every mrkdwn text object in some blocks. */
function mrkdwnObjects(blocks: unknown[] | null): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      if (node.type === 'mrkdwn') found.push(node);
      else Object.values(node).forEach(walk);
    }
  };
  walk(blocks);
  return found;
}

/** No Slack control sequence from the outside text survived. */
function expectNoInjection(text: string): void {
  expect(text).not.toContain('<!here>');
  expect(text).not.toContain('<!channel>');
  expect(text).not.toContain('<@U0BOSS0001>');
  expect(text).not.toMatch(/<https?:\/\/evil\.example/);
}

describe('a caller named "<!here> <https://evil|click>" with a hostile transcript', () => {
  it('renders escaped in the card’s blocks and fallback text', async () => {
    const episode = await openEpisode(
      h.ringback,
      { caller: { number: '+33612345001', name: EVIL_NAME } },
      {
        transcript: EVIL_TRANSCRIPT,
        voicemail: { url: 'https://cdn.example/vm.mp3', durationSeconds: 12, at: null },
      },
    );
    const card = await waitForCard(h, episode.id);
    expectNoInjection(parsedText(card));
    // The header says the name as typed, in plain_text, which Slack never parses.
    expect(card.blocks?.[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(blocksText(card)).toContain('&lt;!here&gt; &lt;https://evil.example|click&gt;');
    expect(blocksText(card)).toContain('&lt;@U0BOSS0001&gt; &lt;!channel&gt; &amp; see');
    // An https voicemail is a real link.
    expect(blocksText(card)).toContain('<https://cdn.example/vm.mp3|Listen: Voicemail (12s)>');
    // Slack would link a bare URL or #channel of the transcript by itself: every mrkdwn text of the card
    // is verbatim (the links Ringback writes are spelled out and still render).
    expect(mrkdwnObjects(card.blocks).length).toBeGreaterThan(0);
    expect(mrkdwnObjects(card.blocks).filter((text) => text.verbatim !== true)).toEqual([]);
  });

  it('renders escaped in /ringback open and in the call-back reply', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33612345002', name: EVIL_NAME } });
    const card = await waitForCard(h, episode.id);
    const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/x-www-form-urlencoded',
      body: slashCommandBody({
        text: 'open',
        userId: ANA.id,
        channel: CHANNEL,
        responseUrl: h.fake.responseUrl('escaped-open'),
      }),
    });
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(h.fake.responses.find((r) => r.id === 'escaped-open')).toBeDefined(), WAIT);
    const listed = JSON.stringify(h.fake.responses.find((r) => r.id === 'escaped-open')?.body);
    expectNoInjection(listed);
    expect(listed).toContain('&lt;!here&gt;');

    await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.callback' });
    await vi.waitFor(() => expect(h.fake.ephemerals.some((e) => e.user === ANA.id)).toBe(true), WAIT);
    const reply = h.fake.ephemerals.find((e) => e.user === ANA.id)?.text ?? '';
    expectNoInjection(reply);
    expect(reply).toContain('Call &lt;!here&gt;');
  });
});

describe('a voicemail link that is not https', () => {
  // One caller each (a number drawn at random could repeat one and meet the one-open-episode rule).
  it.each([
    ['http://evil.example/vm.mp3', '+33612345111'],
    ['javascript:alert(1)', '+33612345112'],
    ['slack://open?team=T1', '+33612345113'],
  ])('%s is shown as plain text, not as a link', async (url, number) => {
    const episode = await openEpisode(
      h.ringback,
      { caller: { number, name: null } },
      { voicemail: { url, durationSeconds: 12, at: null } },
    );
    const card = await waitForCard(h, episode.id);
    const text = blocksText(card);
    expect(text).toContain('*Voicemail:* Listen: Voicemail (12s)');
    expect(text).not.toContain(url);
  });
});

describe('a Slack user named "<!channel> Mallory"', () => {
  it('is escaped in the thread line of their claim and in the refusal another clicker sees', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33612345003', name: null } });
    const card = await waitForCard(h, episode.id);
    await click(h, { user: MALLORY.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
    await vi.waitFor(() => expect(h.fake.replies(CHANNEL, card.ts)).toHaveLength(1), WAIT);
    const line = h.fake.replies(CHANNEL, card.ts)[0]?.text ?? '';
    expectNoInjection(line);
    expect(line).toContain('Claimed by *&lt;!channel&gt; Mallory*');
    await vi.waitFor(() => expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain('Mallory'), WAIT);
    expectNoInjection(parsedText(h.fake.message(CHANNEL, card.ts)));

    const before = h.fake.ephemerals.length;
    await click(h, { user: ANA.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
    await vi.waitFor(() => expect(h.fake.ephemerals.length).toBe(before + 1), WAIT);
    const refusal = h.fake.ephemerals.at(-1)?.text ?? '';
    expect(refusal).toMatch(/^&lt;!channel&gt; Mallory already has this call/);
    expectNoInjection(refusal);
  });
});
