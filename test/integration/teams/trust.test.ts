/**
 * Teams trust boundaries over HTTP (issue 11): a card action counts only from a card Ringback posted for
 * that call; caller data (lists, refreshed cards) only reaches agents; what callers and people typed is
 * escaped on the card. Agents are who an agent lookup knows (Ana, Ben); Zoe is in the team but is not one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import { CALLBACK_INPUTS } from '../../../src/surfaces/teams/callbackInputs.js';
import { OUTCOME_INPUT_ID, REFRESH_VERB } from '../../../src/surfaces/teams/card.js';
import { CALLER_DATA_FOR_AGENTS } from '../../../src/surfaces/teams/cards.js';
import { CALLS_ARE_FOR_AGENTS } from '../../../src/surfaces/teams/commands.js';
import { CHOOSE_SOMEONE, REASSIGN_INPUT_ID } from '../../../src/surfaces/teams/reassignCard.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { type FakeActivity, type FakeTeamsUser, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, type TeamsHarness, verbsOf } from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
const AGENTS = new Set([USERS.ana.email, USERS.ben.email]);
const NAMED_LIKE_A_LINK = '*[x](https://evil)*';

let db: TestDatabase;
let h: TeamsHarness;
let linkCaller: Episode;
let plainCaller: Episode;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({
    database: db,
    extraAdapters: [
      (ctx) =>
        ctx.addAgentLookup({
          system: 'helpdesk',
          findByEmail: async (email) => (AGENTS.has(email) ? { id: email, name: email } : null),
        }),
    ],
  });
  expect((await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam())).status).toBe(200);
  await h.missedCall({ callId: 'TR-link', from: '+33612345671', callerName: NAMED_LIKE_A_LINK });
  await h.missedCall({ callId: 'TR-plain', from: '+33612345672', callerName: 'Marie Dupont' });
  linkCaller = await episodeOf('TR-link');
  plainCaller = await episodeOf('TR-plain');
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  expect(h.fake.invalidRequests).toEqual([]);
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

async function ask(user: FakeTeamsUser, text: string): Promise<string> {
  const res = await h.fake.toBot(h.botUrl, h.fake.personalMessage(user, text));
  expect(res.status).toBe(200);
  return String(h.fake.messagesIn(`a:personal-${user.id}`).at(-1)?.activity.text ?? '');
}

describe('a card action', () => {
  it('from a message that is not a stored post of the call is refused politely, and changes nothing', async () => {
    const post = await cardOf(plainCaller.id);
    const forged = { ...h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: plainCaller.id }) };
    forged.replyToId = '1699999999999';

    const answer = await h.fake.toBot(h.botUrl, forged);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('Ringback did not post this card for that call'),
    });
    expect((await h.ringback.store.episodes.get(plainCaller.id))?.state).toBe('open');
    expect(h.logLines()).toContainEqual(expect.stringContaining('teams: a card action refused'));
  });

  it('with a verb Ringback does not know (an old card, a forged one) gets a 400 with a reason, and is logged', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, 'ringback.no_such_action', { callId: plainCaller.id }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'unsupported_activity',
      detail: expect.stringContaining(
        'value.action.verb: "ringback.no_such_action" is not a Ringback card action',
      ),
    });
    expect(h.logLines()).toContainEqual(expect.stringContaining('teams: no handler for'));
    expect((await h.ringback.store.episodes.get(plainCaller.id))?.state).toBe('open');
  });

  it('on one call’s card naming another call is refused', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: linkCaller.id }),
    );
    expect(answer.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect((await h.ringback.store.episodes.get(linkCaller.id))?.state).toBe('open');
  });
});

describe('a card action Ringback cannot read names the field at fault', () => {
  it('a missing call id: the invoke error says data.callId, and it is logged', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(h.botUrl, h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, {}));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'BadRequest', message: expect.stringContaining('data.callId: ') },
    });
    expect(h.logLines()).toContainEqual(expect.stringContaining('data.callId'));
    expect((await h.ringback.store.episodes.get(plainCaller.id))?.state).toBe('open');
  });

  it('a call id present but an outcome that is no text: the error names data.outcome, not the call id', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.resolve, { callId: plainCaller.id, [OUTCOME_INPUT_ID]: 5 }),
    );
    const message = (answer.body as { value: { message: string } }).value.message;
    expect(message).toContain('data.outcome: ');
    expect(message).not.toContain('call id');
  });

  it('a snooze choice that is no text: the answer names data.snoozeChoice', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.snooze, {
        callId: plainCaller.id,
        [CALLBACK_INPUTS.snoozeChoice]: ['30m', '1h'],
      }),
    );
    expect(answer.body).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining(`data.${CALLBACK_INPUTS.snoozeChoice}: `),
    });
    expect((await h.ringback.store.episodes.get(plainCaller.id))?.state).toBe('open');
  });

  it('a Hand over naming several people: the card says data.reassignTo, not "choose a person"', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ana, ACTION_IDS.reassign, {
        callId: plainCaller.id,
        [REASSIGN_INPUT_ID]: `${USERS.ben.aadObjectId},${USERS.zoe.aadObjectId}`,
      }),
    );
    expect(answer.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
    const text = cardText((answer.body as { value: unknown }).value);
    expect(text).toContain(`data.${REASSIGN_INPUT_ID}: one person only`);
    expect(text).not.toContain(CHOOSE_SOMEONE);
  });

  it('an Execute without a verb gets the 400 naming value.action.verb', async () => {
    const post = await cardOf(plainCaller.id);
    const clicked = h.fake.invoke(post, USERS.ana, ACTION_IDS.claim, { callId: plainCaller.id });
    const answer = await h.fake.toBot(h.botUrl, {
      ...clicked,
      value: {
        action: { type: 'Action.Execute', id: '', data: { callId: plainCaller.id } },
        trigger: 'manual',
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'unsupported_activity',
      detail: expect.stringContaining('value.action.verb: missing'),
    });
  });
});

describe('caller data', () => {
  it('is listed by `open` for an agent', async () => {
    const text = await ask(USERS.ana, 'open');
    expect(text).toContain('Marie Dupont');
  });

  it('is not listed by `open` or `mine` for someone who is not an agent: a polite no, no caller', async () => {
    for (const command of ['open', 'mine']) {
      const text = await ask(USERS.zoe, command);
      expect(text).toBe(CALLS_ARE_FOR_AGENTS);
      expect(text).not.toContain('Marie');
      expect(text).not.toMatch(/\d{2} \d{2} \d{2}/);
    }
  });

  it('is left out of a refreshed card for someone who is not an agent', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.zoe, REFRESH_VERB, { callId: plainCaller.id }, 'automatic'),
    );
    const card = (answer.body as { value: unknown }).value;
    const text = JSON.stringify(card);
    expect(text).not.toContain('Marie');
    expect(text).not.toContain('56 72');
    expect(text).not.toContain('tel:');
    expect(cardText(card)).toContain(CALLER_DATA_FOR_AGENTS);
    expect(verbsOf(card)).toEqual([]);
  });

  it('is left out of the answer to a click by someone who is not an agent, who changes nothing', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.zoe, ACTION_IDS.claim, { callId: plainCaller.id }),
    );
    const text = JSON.stringify((answer.body as { value: unknown }).value);
    expect(text).not.toContain('Marie');
    expect((await h.ringback.store.episodes.get(plainCaller.id))?.state).toBe('open');
  });

  it('is in a refreshed card for an agent', async () => {
    const post = await cardOf(plainCaller.id);
    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(post, USERS.ben, REFRESH_VERB, { callId: plainCaller.id }, 'automatic'),
    );
    expect(cardText((answer.body as { value: unknown }).value)).toContain('Marie Dupont');
  });
});

describe('a caller named like a Markdown link', () => {
  it('is shown escaped on the posted card and in `open`, never as a link', async () => {
    const post = await cardOf(linkCaller.id);
    const text = cardText(h.fake.cardOf(post));
    expect(text).toContain('\\*\\[x\\]\\(https://evil\\)\\*');
    expect(text).not.toContain('[x](https://evil)');
    const listed = await ask(USERS.ana, 'open');
    expect(listed).toContain('\\*\\[x\\]\\(https://evil\\)\\*');
  });
});
