/**
 * The Teams surface end to end over HTTP: a real Ringback (generic webhook → ingest → planner → jobs), the
 * teams-ai bot at POST /api/messages, and a fake Teams that checks what the bot sends, enforces Teams' bot
 * rate limits, and posts activities (installs, clicks, replies) the way Teams does.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import { REFRESH_VERB } from '../../../src/surfaces/teams/card.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { queueOutsideText } from '../../helpers/ringback.js';
import { CALLBACKS, type FakeActivity, TEAM, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, type TeamsHarness, verbsOf } from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };

let db: TestDatabase;
let h: TeamsHarness;
const mirrored: { episodeId: string; author: { email: string | null; surface: string }; text: string }[] = [];

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({
    database: db,
    extraAdapters: [
      (ctx) => {
        // Stands in for the Zendesk side-conversation mirror.
        ctx.threads.addMirror((message) => [{ kind: 'test.mirror', payload: message }]);
        ctx.runner.register('test.mirror', async (payload) => {
          mirrored.push(payload as (typeof mirrored)[number]);
        });
      },
    ],
  });
  const added = await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
  expect(added.status).toBe(200);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  // Everything the bot sent is well formed, and Teams never had to slow it down.
  expect(h.fake.invalidRequests).toEqual([]);
  expect(h.fake.throttled).toBe(0);
});

async function episodeOf(callId: string): Promise<Episode> {
  let found: Episode | null = null;
  await vi.waitFor(async () => {
    const call = await h.ringback.store.providerCalls.get(`generic:twilio:${callId}`);
    found = call?.episodeId ? await h.ringback.store.episodes.get(call.episodeId) : null;
    expect(found).not.toBeNull();
  }, WAIT);
  return found as unknown as Episode;
}

function cardOf(episodeId: string): Promise<FakeActivity> {
  return h.storedCard(episodeId);
}

describe('when the app is added to a team', () => {
  it('remembers every channel of the team and says how to route calls there', async () => {
    await vi.waitFor(() => expect(h.fake.messagesIn(TEAM.id).length).toBeGreaterThan(0), WAIT);
    expect(String(h.fake.messagesIn(TEAM.id)[0]?.activity.text)).toContain('@Ringback channels');
    const answer = await h.fake.toBot(h.botUrl, h.fake.personalMessage(USERS.mia, 'channels'));
    expect(answer.status).toBe(200);
    const reply = h.fake.messagesIn(`a:personal-${USERS.mia.id}`).at(-1);
    expect(String(reply?.activity.text)).toContain(CALLBACKS.id);
    expect(String(reply?.activity.text)).toContain('(line Support FR)');
  });
});

describe('a missed call', () => {
  it('becomes a card in the channel the routing file names, as a new post, with the call id on every button', async () => {
    await h.missedCall({ callId: 'CA-post', from: '+33612345601', callerName: 'Marie Dupont' });
    const episode = await episodeOf('CA-post');
    const post = await cardOf(episode.id);
    const card = h.fake.cardOf(post);
    expect(card?.version).toBe('1.5');
    expect(cardText(card)).toContain('Missed call from Marie Dupont');
    expect(verbsOf(card)).toEqual([ACTION_IDS.claim, ACTION_IDS.callback, ACTION_IDS.resolve]);
    for (const action of (card?.actions ?? []) as { data?: { callId?: string } }[]) {
      expect(action.data?.callId).toBe(episode.id);
    }
    // The post is stored once Teams has answered, a moment after the fake has recorded it.
    await vi.waitFor(async () => {
      const [stored] = (await h.ringback.store.posts.listForEpisode(episode.id)).filter(
        (p) => p.surface === 'teams',
      );
      // The card's own id, and its reply chain's conversation id (not the other way round).
      expect(stored).toMatchObject({
        channel: CALLBACKS.id,
        ref: post.id,
        threadRef: `${CALLBACKS.id};messageid=${post.id}`,
      });
    }, WAIT);
  });
});

describe('a caller named by a later delivery of the call', () => {
  it('gets the name on the card already posted, updated in place', async () => {
    const startedAt = h.ringback.clock.now() - 90_000;
    await h.missedCall({ callId: 'CA-named-later', from: '+33612345609', startedAt });
    const episode = await episodeOf('CA-named-later');
    const post = await cardOf(episode.id);
    expect(cardText(h.fake.cardOf(post))).toContain('Missed call from 06 12 34 56 09');
    expect(episode.caller.name).toBeNull();

    await h.missedCall({ callId: 'CA-named-later', from: '+33612345609', startedAt, callerName: 'Zoe Test' });
    await vi.waitFor(
      () => expect(cardText(h.fake.cardOf(post))).toContain('Missed call from Zoe Test'),
      WAIT,
    );
    expect(post.versions.length).toBeGreaterThan(1);
    expect((await h.ringback.store.episodes.get(episode.id))?.caller.name).toBe('Zoe Test');
  });
});

describe('claim', () => {
  it('answers the clicker with their own controls and shows everyone who has it', async () => {
    await h.missedCall({ callId: 'CA-claim', from: '+33612345602', callerName: 'Jean Petit' });
    const episode = await episodeOf('CA-claim');
    const post = await cardOf(episode.id);

    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: episode.id }),
    );

    expect(answer.status).toBe(200);
    const body = answer.body as { statusCode: number; type: string; value: unknown };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(body.value)).toContain('Claimed by Ana Lima at');
    expect(verbsOf(body.value)).toEqual([
      ACTION_IDS.callback,
      ACTION_IDS.release,
      ACTION_IDS.resolve,
      ACTION_IDS.reassign,
    ]);
    // Everyone else: the same message, updated in place, naming the claimer and refreshing for her.
    await vi.waitFor(() => expect(post.versions.length).toBeGreaterThan(1), WAIT);
    const everyone = h.fake.cardOf(post) as { refresh?: { action: { verb: string }; userIds: string[] } };
    expect(cardText(everyone)).toContain('Claimed by Ana Lima at');
    expect(verbsOf(everyone)).toEqual([]);
    expect(everyone.refresh?.action.verb).toBe(REFRESH_VERB);
    // The claimer, and the managers Teams has seen (Mia asked for the channels above).
    expect(everyone.refresh?.userIds).toEqual([USERS.ana.id, USERS.mia.id]);
    // And the timeline in the card's reply chain.
    await vi.waitFor(
      () =>
        expect(h.fake.messagesIn(post.conversationId).map((m) => m.activity.text)).toContainEqual(
          expect.stringContaining('Claimed by **Ana Lima**'),
        ),
      WAIT,
    );
    const stored = await h.ringback.store.episodes.get(episode.id);
    expect(stored?.claimedBy).toMatchObject({
      id: `teams:${USERS.ana.aadObjectId}`,
      email: USERS.ana.email,
      surface: 'teams',
    });
  });

  it('answers the clicker with the newest card when the call changed while the click waited', async () => {
    await h.missedCall({ callId: 'CA-overtaken', from: '+33612345609' });
    const episode = await episodeOf('CA-overtaken');
    const post = await cardOf(episode.id);
    // Teams holds the card update back: the click waits for it, and meanwhile a manager releases the call.
    h.fake.failNext((method, path) => method === 'PUT' && path.includes('/activities/'), 429, 1);
    const clicked = h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: episode.id }),
    );
    await vi.waitFor(
      async () => expect((await h.ringback.store.episodes.get(episode.id))?.state).toBe('claimed'),
      WAIT,
    );
    const released = await runCommand(h.ringback.commands, episode.id, {
      type: 'release',
      actor: {
        id: `teams:${USERS.mia.aadObjectId}`,
        name: USERS.mia.name,
        email: USERS.mia.email,
        surface: 'teams',
      },
      at: h.ringback.clock.now(),
      asManager: true,
    });
    expect(released.status).toBe('accepted');
    const answer = await clicked;
    const body = answer.body as { value: unknown };
    expect(cardText(body.value)).not.toContain('Claimed by Ana Lima');
    expect(verbsOf(body.value)).toContain(ACTION_IDS.claim);
  });

  describe('when already claimed', () => {
    it('tells the clicker who has it, privately, and changes nothing', async () => {
      await h.missedCall({ callId: 'CA-race', from: '+33612345603' });
      const episode = await episodeOf('CA-race');
      const post = await cardOf(episode.id);
      await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: episode.id }));

      const answer = await h.fake.toBot(
        h.botUrl,
        h.fake.invoke(post, USERS.ben, ACTION_IDS.claim, { callId: episode.id }),
      );

      const body = answer.body as { value: unknown };
      expect(cardText(body.value)).toContain('Ana Lima already has this call');
      expect(verbsOf(body.value)).toEqual([]);
      expect((await h.ringback.store.episodes.get(episode.id))?.claimedBy?.name).toBe('Ana Lima');
    });
  });

  describe('a refresh by the claimer', () => {
    it('gives her back her controls', async () => {
      await h.missedCall({ callId: 'CA-refresh', from: '+33612345604' });
      const episode = await episodeOf('CA-refresh');
      const post = await cardOf(episode.id);
      await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: episode.id }));

      const mine = await h.fake.toBot(
        h.botUrl,
        h.fake.invoke(post, USERS.ana, REFRESH_VERB, { callId: episode.id }, 'automatic'),
      );
      const theirs = await h.fake.toBot(
        h.botUrl,
        h.fake.invoke(post, USERS.ben, REFRESH_VERB, { callId: episode.id }, 'automatic'),
      );

      expect(verbsOf((mine.body as { value: unknown }).value)).toContain(ACTION_IDS.release);
      expect(verbsOf((theirs.body as { value: unknown }).value)).toEqual([]);
    });
  });
});

describe('resolve', () => {
  it('asks for an outcome when none was chosen', async () => {
    await h.missedCall({ callId: 'CA-nooutcome', from: '+33612345605' });
    const episode = await episodeOf('CA-nooutcome');
    const post = await cardOf(episode.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.resolve, { callId: episode.id }),
    );
    expect(cardText((answer.body as { value: unknown }).value)).toContain(
      'Choose an outcome, then press Resolve.',
    );
    expect((await h.ringback.store.episodes.get(episode.id))?.state).toBe('open');
  });

  it('records the chosen outcome and shows the final state to everyone', async () => {
    await h.missedCall({ callId: 'CA-resolve', from: '+33612345606', callerName: 'Luc Martin' });
    const episode = await episodeOf('CA-resolve');
    const post = await cardOf(episode.id);
    await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, ACTION_IDS.callback, { callId: episode.id }));

    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.resolve, { callId: episode.id, outcome: 'voicemail' }),
    );

    expect(cardText((answer.body as { value: unknown }).value)).toContain(
      'Resolved by Ana Lima · Left a voicemail',
    );
    await vi.waitFor(
      () => expect(cardText(h.fake.cardOf(post))).toContain('Resolved by Ana Lima · Left a voicemail'),
      WAIT,
    );
    expect(verbsOf(h.fake.cardOf(post))).toEqual([]);
    const stored = await h.ringback.store.episodes.get(episode.id);
    expect(stored).toMatchObject({ state: 'resolved', outcome: 'voicemail', attempts: 1 });
  });
});

describe('a caller name with angle brackets', () => {
  it('is shown on the card as written, with nothing a client could read as a tag', async () => {
    await h.missedCall({ callId: 'CA-name-angles', from: '+33612345613', callerName: 'Dupont <Marie>' });
    const episode = await episodeOf('CA-name-angles');
    const text = cardText(h.fake.cardOf(await cardOf(episode.id)));
    expect(text).toContain('Dupont &lt;Marie&gt;');
    expect(text).not.toContain('<Marie>');
  });
});

describe('the reply chain', () => {
  it('passes what people write there on to the thread mirror, with who wrote it', async () => {
    await h.missedCall({ callId: 'CA-thread', from: '+33612345607' });
    const episode = await episodeOf('CA-thread');
    const post = await cardOf(episode.id);

    const res = await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(post.conversationId, USERS.ben, '<p>She wants a callback after 14:00</p>'),
    );

    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(mirrored.find((m) => m.episodeId === episode.id)).toBeDefined(), WAIT);
    expect(mirrored.find((m) => m.episodeId === episode.id)).toMatchObject({
      text: 'She wants a callback after 14:00',
      author: { email: USERS.ben.email, surface: 'teams' },
    });
  });

  it('shows text from outside the chat (a Zendesk reply) in the card’s reply chain', async () => {
    await h.missedCall({ callId: 'CA-outside', from: '+33612345608' });
    const episode = await episodeOf('CA-outside');
    const post = await cardOf(episode.id);

    await queueOutsideText(h.ringback, {
      episodeId: episode.id,
      authorLabel: 'Marie Dupont via Zendesk',
      text: 'I am available all afternoon',
      sourceRef: 'evt-1',
    });

    await vi.waitFor(
      () =>
        expect(h.fake.messagesIn(post.conversationId).map((m) => m.activity.text)).toContainEqual(
          '**Marie Dupont via Zendesk:** I am available all afternoon',
        ),
      WAIT,
    );
  });

  it('keeps text in angle brackets visible, as text, in a line from outside the chat', async () => {
    await h.missedCall({ callId: 'CA-angles', from: '+33612345610' });
    const episode = await episodeOf('CA-angles');
    const post = await cardOf(episode.id);

    await queueOutsideText(h.ringback, {
      episodeId: episode.id,
      authorLabel: 'Dupont <Marie>',
      text: 'Please call me back on <+33 6 12 34 56 78>, not <at>Mia</at>',
      sourceRef: 'evt-angles',
    });

    // Teams shows &lt; and &gt; as < and >: the number stays, and no tag or mention forms.
    await vi.waitFor(
      () =>
        expect(h.fake.messagesIn(post.conversationId).map((m) => m.activity.text)).toContainEqual(
          '**Dupont &lt;Marie&gt;:** Please call me back on &lt;+33 6 12 34 56 78&gt;, not &lt;at&gt;Mia&lt;/at&gt;',
        ),
      WAIT,
    );
  });

  it('still takes @Ringback commands', async () => {
    await h.missedCall({ callId: 'CA-cmd', from: '+33612345609' });
    const episode = await episodeOf('CA-cmd');
    const post = await cardOf(episode.id);
    const before = mirrored.length;

    await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(post.conversationId, USERS.ben, 'help', { mention: true }),
    );

    expect(h.fake.messagesIn(post.conversationId).map((m) => String(m.activity.text))).toContainEqual(
      expect.stringContaining('@Ringback open'),
    );
    expect(mirrored.length).toBe(before);
  });
});
