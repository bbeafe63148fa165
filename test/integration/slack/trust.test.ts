/**
 * Who may talk to Ringback over Slack: only the workspace the bot token belongs to (auth.test's team), and
 * a card action only from a message that is a stored card of the call it names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FOREIGN_BUTTON_MESSAGE } from '../../../src/surfaces/slack/listeners.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import {
  blockActions,
  eventCallbackBody,
  interactivityBody,
  postToSlackEvents,
  slashCommandBody,
} from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  CHANNEL,
  click,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from './harness.js';

const WAIT = { timeout: 10_000, interval: 20 };
const FOREIGN_TEAM = 'T0FOREIGN1';

let db: TestDatabase;
let h: SlackHarness;
const mirrored: unknown[] = [];

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
    extraAdapters: [
      (ctx) => {
        ctx.threads.addMirror((message) => [{ kind: 'test.mirror', payload: message }]);
        ctx.runner.register('test.mirror', async (payload) => {
          mirrored.push(payload);
        });
      },
    ],
  });
  for (const user of [ANA, BEN]) h.fake.addUser(user);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  expect(h.fake.errors).toEqual([]);
});

/** A signed request from the same app installed in another workspace. */
function fromForeignTeam(payload: Record<string, unknown>): Record<string, unknown> {
  return {
    ...payload,
    team: { id: FOREIGN_TEAM, domain: 'evil' },
    user: { ...(payload.user as Record<string, unknown>), team_id: FOREIGN_TEAM },
  };
}

const refusedLog = () =>
  h.logLines().filter((line) => line.includes('refused a request from another workspace'));

describe('a request from another workspace', () => {
  it('a card click is acknowledged with an empty 200, changes nothing, says nothing, and is logged', async () => {
    const episode = await openEpisode(h.ringback);
    const card = await waitForCard(h, episode.id);
    const before = refusedLog().length;
    const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/x-www-form-urlencoded',
      body: interactivityBody(
        fromForeignTeam(
          blockActions({
            userId: ANA.id,
            channel: CHANNEL,
            messageTs: card.ts,
            actionId: 'ringback.claim',
            value: episode.id,
          }),
        ),
      ),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await vi.waitFor(() => expect(refusedLog().length).toBe(before + 1), WAIT);
    expect(refusedLog().at(-1)).toContain(FOREIGN_TEAM);

    // The same click from our own workspace goes through, so the refusal was about the workspace alone.
    await click(h, { user: BEN.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' });
    await vi.waitFor(
      async () =>
        expect((await h.ringback.store.episodes.get(episode.id))?.claimedBy?.id).toBe(`slack:${BEN.id}`),
      WAIT,
    );
    const audit = await h.ringback.store.audit.listForEpisode(episode.id);
    expect(audit.map((a) => a.actor?.id)).toEqual([`slack:${BEN.id}`]);
    expect(h.fake.ephemerals.filter((e) => e.user === ANA.id)).toEqual([]);
  });

  it('/ringback gets no answer and no caller data', async () => {
    await openEpisode(h.ringback, { caller: { number: '+33655554444', name: 'Secret Caller' } });
    const before = refusedLog().length;
    const body = new URLSearchParams(
      slashCommandBody({
        text: 'open',
        userId: ANA.id,
        channel: CHANNEL,
        responseUrl: h.fake.responseUrl('foreign-open'),
      }),
    );
    body.set('team_id', FOREIGN_TEAM);
    body.set('team_domain', 'evil');
    const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/x-www-form-urlencoded',
      body: body.toString(),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await vi.waitFor(() => expect(refusedLog().length).toBe(before + 1), WAIT);
    expect(refusedLog().at(-1)).toContain(FOREIGN_TEAM);
    // Let a job runner round pass: nothing was queued for the response_url.
    await h.ringback.runner.drain();
    expect(h.fake.responses.find((r) => r.id === 'foreign-open')).toBeUndefined();
  });

  it('a message in a card’s thread is not taken as conversation', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33677776666', name: null } });
    const card = await waitForCard(h, episode.id);
    const before = refusedLog().length;
    const event = {
      type: 'message',
      channel: CHANNEL,
      user: ANA.id,
      text: 'injected from elsewhere',
      ts: '1800000001.000100',
      thread_ts: card.ts,
      channel_type: 'channel',
    };
    const body = JSON.parse(eventCallbackBody(event, 'EvForeign1')) as Record<string, unknown>;
    body.team_id = FOREIGN_TEAM;
    body.authorizations = [
      { team_id: FOREIGN_TEAM, user_id: 'UBOT000001', is_bot: true, is_enterprise_install: false },
    ];
    const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(refusedLog().length).toBe(before + 1), WAIT);
    await h.ringback.runner.drain();
    expect(mirrored.filter((m) => (m as { episodeId: string }).episodeId === episode.id)).toEqual([]);
  });
});

describe('a card action that does not come from that call’s card', () => {
  const forgedLog = () => h.logLines().filter((line) => line.includes('is not a card of that call'));

  it('is refused politely when the clicked message is another call’s card, and logged', async () => {
    const target = await openEpisode(h.ringback, { caller: { number: '+33611112222', name: 'Target' } });
    const other = await openEpisode(h.ringback, { caller: { number: '+33633334444', name: 'Other' } });
    await waitForCard(h, target.id);
    const otherCard = await waitForCard(h, other.id);
    const before = forgedLog().length;
    // A real, signed click on the other card whose value was edited to name the target call.
    await click(h, { user: ANA.id, episodeId: target.id, cardTs: otherCard.ts, actionId: 'ringback.claim' });
    await vi.waitFor(
      () =>
        expect(
          h.fake.ephemerals.filter((e) => e.user === ANA.id && e.text === FOREIGN_BUTTON_MESSAGE),
        ).toHaveLength(1),
      WAIT,
    );
    expect(forgedLog().length).toBe(before + 1);
    expect(await h.ringback.store.episodes.get(target.id)).toMatchObject({ state: 'open', claimedBy: null });
    expect(await h.ringback.store.episodes.get(other.id)).toMatchObject({ state: 'open', claimedBy: null });
    expect(await h.ringback.store.audit.listForEpisode(target.id)).toEqual([]);
  });

  it('is refused when the message ts is not a stored card at all (forged container)', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33655556666', name: 'Victim' } });
    await waitForCard(h, episode.id);
    const before = h.fake.ephemerals.filter(
      (e) => e.user === BEN.id && e.text === FOREIGN_BUTTON_MESSAGE,
    ).length;
    await click(h, {
      user: BEN.id,
      episodeId: episode.id,
      cardTs: '1699999999.000001',
      actionId: 'ringback.resolve',
      outcome: 'not_needed',
    });
    await vi.waitFor(
      () =>
        expect(
          h.fake.ephemerals.filter((e) => e.user === BEN.id && e.text === FOREIGN_BUTTON_MESSAGE),
        ).toHaveLength(before + 1),
      WAIT,
    );
    expect(await h.ringback.store.episodes.get(episode.id)).toMatchObject({ state: 'open', outcome: null });
  });

  it('is refused when the card is in another channel than the one clicked', async () => {
    const episode = await openEpisode(h.ringback, { caller: { number: '+33699990000', name: 'Moved' } });
    const card = await waitForCard(h, episode.id);
    await click(h, {
      user: ANA.id,
      episodeId: episode.id,
      cardTs: card.ts,
      channel: 'C0OTHER0001',
      actionId: 'ringback.claim',
    });
    await vi.waitFor(
      () =>
        expect(
          h.fake.ephemerals.some(
            (e) => e.user === ANA.id && e.channel === 'C0OTHER0001' && e.text === FOREIGN_BUTTON_MESSAGE,
          ),
        ).toBe(true),
      WAIT,
    );
    expect(await h.ringback.store.episodes.get(episode.id)).toMatchObject({ state: 'open', claimedBy: null });
  });
});
