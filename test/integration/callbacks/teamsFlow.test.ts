/**
 * The callback workflow on Teams, through the real teams-ai bot and a fake Teams: an Aircall callback
 * request → claim → "call back later" with the card's inputs and Execute → the reminder at due time (a reply
 * in the card's chain mentioning the claimer, and a personal message) → no answer (attempt 1 of 2) → snoozed
 * by the retry policy → no answer → resolved → one public follow-up in French on the fake Zendesk. Also a
 * typed time, and another number (typed, refused, or one of the requester's numbers).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { CALLBACK_INPUTS } from '../../../src/surfaces/teams/callbackInputs.js';
import { teamsAdapter } from '../../../src/surfaces/teams/register.js';
import { FOLLOW_UP_TAG } from '../../../src/zendesk/followUp.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CALLBACKS, type FakeActivity, FakeTeams, TENANT_ID, USERS } from '../../mocks/fakeTeams.js';
import { cardText } from '../teams/harness.js';
import { type CallbackWorld, startCallbackWorld } from './surfaceWorld.js';

const WAIT = { timeout: 10_000, interval: 20 };

let database: TestDatabase;
let teams: FakeTeams;
let world: CallbackWorld;
let botUrl: string;

beforeEach(async () => {
  database = sqliteDatabase();
  // Teams' rate limits are counted in real time and Ringback's pacing on the manual clock: pacing has its
  // own tests (test/integration/teams/pacing.test.ts), so this flow runs without limits.
  teams = await FakeTeams.start({ limits: [{ windowMs: 1_000, max: 10_000 }] });
  world = await startCallbackWorld({
    database,
    surfaceRouting: `teams: { channel: "${CALLBACKS.id}" }`,
    // The fake Teams is on loopback and unauthenticated, as the local Agents Playground is.
    env: { RINGBACK_TEAMS_PLAYGROUND: '1' },
    surface: teamsAdapter({ playgroundCards: false, invokeWaitMs: 50 }),
  });
  world.zendesk.addAgent('Ana Lima', USERS.ana.email);
  botUrl = `${world.app.baseUrl}/api/messages`;
  expect((await teams.toBot(botUrl, teams.botAddedToTeam())).status).toBe(200);
  await world.drain();
});

afterEach(async () => {
  expect(teams.invalidRequests).toEqual([]);
  await world.stop();
  await teams.close();
  await database.drop();
});

type InvokeAnswer = { statusCode: number; type: string; value: unknown };

async function execute(
  post: FakeActivity,
  verb: string,
  data: Record<string, unknown>,
): Promise<InvokeAnswer> {
  const answer = await teams.toBot(botUrl, teams.invoke(post, USERS.ana, verb, data));
  expect(answer.status).toBe(200);
  await world.drain();
  return answer.body as InvokeAnswer;
}

async function requestAndCard(): Promise<{ id: string; post: FakeActivity }> {
  await world.webhook('callback-tagged-done', 3);
  const [opened] = await world.app.store.episodes.list();
  const id = opened?.id ?? '';
  let post: FakeActivity | undefined;
  await vi.waitFor(async () => {
    await world.drain();
    const ref = (await world.app.store.posts.listForEpisode(id)).find((p) => p.surface === 'teams')?.ref;
    post = teams.postsIn(CALLBACKS.id).find((p) => p.id === ref);
    expect(post).toBeDefined();
  }, WAIT);
  return { id, post: post as FakeActivity };
}

/** A card's text as a person reads it: without the backslashes that keep Markdown from reading it. */
function readable(card: unknown): string {
  return cardText(card).replace(/\\([\\`*_[\]()#>~<])/g, '$1');
}

function everyone(post: FakeActivity): string {
  return readable(teams.cardOf(post));
}

/** Waits until everyone's card (the channel message) says `text`, running the jobs that update it. */
async function cardSays(post: FakeActivity, text: string): Promise<void> {
  await vi.waitFor(async () => {
    await world.drain();
    expect(everyone(post)).toContain(text);
  }, WAIT);
}

/** Every input and Execute verb of a card, wherever they sit (body ActionSets included). */
function controls(card: unknown): { inputs: string[]; verbs: string[] } {
  const inputs: string[] = [];
  const verbs: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const item = value as { type?: string; id?: string; verb?: string };
      if (item.type?.startsWith('Input.') && item.id) inputs.push(item.id);
      if (item.type === 'Action.Execute' && item.verb && item.verb !== 'ringback.refresh')
        verbs.push(item.verb);
      Object.values(value).forEach(walk);
    }
  };
  walk(card);
  return { inputs, verbs };
}

/** Messages Ringback sent outside the channel's posts and reply chains (personal chats) with `text`. */
function personalMessages(text: string): string[] {
  return [...teams.activities.values()]
    .filter((a) => !a.conversationId.startsWith(CALLBACKS.id) && String(a.activity.text ?? '').includes(text))
    .map((a) => String(a.activity.text));
}

function threadLines(post: FakeActivity, text: string): FakeActivity[] {
  return teams.messagesIn(post.conversationId).filter((m) => String(m.activity.text ?? '').includes(text));
}

describe('the callback workflow on Teams', () => {
  it('runs request → claim → snooze from the card → reminder → two failed attempts → a French follow-up', async () => {
    world.zendesk.addUser({
      name: 'Marie Dupont',
      email: 'marie@example.fr',
      phone: '+33622334466',
      locale: 'fr',
    });
    const { id, post } = await requestAndCard();
    expect(everyone(post)).toContain('The caller asked to be called back');
    expect(controls(teams.cardOf(post))).toMatchObject({
      inputs: expect.arrayContaining([
        CALLBACK_INPUTS.snoozeChoice,
        CALLBACK_INPUTS.snoozeAt,
        CALLBACK_INPUTS.typedNumber,
      ]),
      verbs: expect.arrayContaining([ACTION_IDS.snooze, ACTION_IDS.callbackNumber]),
    });

    const claimed = await execute(post, ACTION_IDS.claim, { callId: id });
    expect(controls(claimed.value).verbs).toContain(ACTION_IDS.snooze);
    const snoozedAt = world.clock.now();
    const snoozed = await execute(post, ACTION_IDS.snooze, {
      callId: id,
      [CALLBACK_INPUTS.snoozeChoice]: '30m',
      [CALLBACK_INPUTS.snoozeAt]: '',
    });
    expect(snoozed.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(readable(snoozed.value)).toContain('Call back at 17:30');
    const dueAt = snoozedAt + 30 * 60_000;
    expect((await world.episode(id)).dueAt).toBe(dueAt);
    await cardSays(post, 'Call back at 17:30');

    // At due time: a reply in the card's chain that mentions Ana, and a personal message, once each.
    await world.advanceTo(dueAt);
    await vi.waitFor(async () => {
      await world.drain();
      const lines = threadLines(post, 'Time to call back');
      expect(lines).toHaveLength(1);
      expect(String(lines[0]?.activity.text)).toContain('<at>Ana Lima</at>');
      expect(lines[0]?.activity.entities).toEqual([
        expect.objectContaining({ type: 'mention', mentioned: { id: USERS.ana.id, name: 'Ana Lima' } }),
      ]);
      expect(personalMessages('Time to call back')).toHaveLength(1);
    }, WAIT);
    await cardSays(post, 'Due now: call back (planned for 17:30)');

    // No answer: attempt 1 of 2, snoozed again by the retry policy.
    await execute(post, ACTION_IDS.resolve, { callId: id, outcome: 'no_answer' });
    const retried = await world.episode(id);
    expect(retried).toMatchObject({ state: 'claimed', outcome: null, attemptLog: [expect.anything()] });
    await cardSays(post, 'Call back at 18:00 · attempt 2 of 2');

    await world.advanceTo(retried.dueAt ?? 0);
    await vi.waitFor(async () => {
      await world.drain();
      expect(personalMessages('Time to call back')).toHaveLength(2);
      expect(personalMessages('attempt 2 of 2')).toHaveLength(1);
    }, WAIT);

    // Last attempt: resolved, and the caller gets one public reply in French.
    await execute(post, ACTION_IDS.resolve, { callId: id, outcome: 'no_answer' });
    await world.drain();
    const resolved = await world.episode(id);
    expect(resolved).toMatchObject({ state: 'resolved', outcome: 'no_answer', followUp: 'sent' });
    const ticket = world.ticketOf(resolved);
    expect(ticket.comments.filter((c) => c.public).map((c) => c.body)).toEqual([
      'Bonjour Marie Dupont, Ana du service Support FR a essayé de vous rappeler 2 fois.',
    ]);
    expect(ticket.tags).toContain(FOLLOW_UP_TAG);
    await cardSays(post, 'Follow-up e-mailed to the caller');
    expect(controls(teams.cardOf(post)).verbs).not.toContain(ACTION_IDS.snooze);
    expect(personalMessages('Time to call back')).toHaveLength(2);
  });

  it('answers a Resolve from the `mine` list with what became of the call: postponed by the retry policy, then resolved', async () => {
    const { id, post } = await requestAndCard();
    await execute(post, ACTION_IDS.claim, { callId: id });
    const { caller: who } = await world.episode(id);
    const caller = who.name ?? who.number ?? '';
    expect(caller).not.toBe('');

    // Ana's `mine` list, in her personal chat: its Resolve: No answer button is the one clicked below.
    const asked = await teams.toBot(botUrl, teams.personalMessage(USERS.ana, 'mine'));
    expect(asked.status).toBe(200);
    const list = teams.messagesIn(`a:personal-${USERS.ana.id}`).at(-1);
    if (!list) throw new Error('no list card');
    const noAnswer = JSON.stringify(list.activity).match(
      /"title":"Resolve: No answer","verb":"ringback\.resolve","data":(\{[^}]*\})/,
    );
    if (!noAnswer?.[1]) throw new Error('no Resolve: No answer on the list card');
    const data = JSON.parse(noAnswer[1]) as Record<string, unknown>;
    const fromList = async (): Promise<InvokeAnswer> => {
      const answer = await teams.toBot(botUrl, {
        ...teams.invoke(list, USERS.ana, ACTION_IDS.resolve, data),
        conversation: { id: `a:personal-${USERS.ana.id}`, conversationType: 'personal', tenantId: TENANT_ID },
        channelData: { tenant: { id: TENANT_ID } },
      });
      expect(answer.status).toBe(200);
      await world.drain();
      return answer.body as InvokeAnswer;
    };

    // Attempt 1 of 2: the retry policy brings the call back at 17:30, so the answer must not say it is resolved.
    const first = await fromList();
    const retried = await world.episode(id);
    expect(retried.state).toBe('claimed');
    expect(first.type).toBe('application/vnd.microsoft.activity.message');
    const firstText = String(first.value).replace(/\\(.)/g, '$1');
    expect(firstText).not.toContain('Resolved');
    expect(firstText).toBe(
      `Attempt 1 of 2 on the call from ${caller} logged: No answer. The call is not resolved. Call back at 17:30 · attempt 2 of 2.`,
    );
    // The card says the same.
    await cardSays(post, 'Call back at 17:30 · attempt 2 of 2');

    // The last attempt resolves the call, and the answer says so.
    await world.advanceTo(retried.dueAt ?? 0);
    const last = await fromList();
    expect((await world.episode(id)).state).toBe('resolved');
    expect(String(last.value).replace(/\\(.)/g, '$1')).toBe(`Resolved the call from ${caller}: No answer.`);
  });

  it('sends nothing to a requester without e-mail, and the card says so', async () => {
    // No Zendesk user has this number: Ringback creates the requester from the phone alone.
    await world.webhook('callback-automatic-failed');
    const [opened] = await world.app.store.episodes.list();
    const id = opened?.id ?? '';
    let post: FakeActivity | undefined;
    await vi.waitFor(async () => {
      await world.drain();
      const ref = (await world.app.store.posts.listForEpisode(id)).find((p) => p.surface === 'teams')?.ref;
      post = teams.postsIn(CALLBACKS.id).find((p) => p.id === ref);
      expect(post).toBeDefined();
    }, WAIT);
    const card = post as FakeActivity;
    expect(everyone(card)).toContain(
      'Aircall’s automatic call back did not get through: a person must call back',
    );

    await execute(card, ACTION_IDS.resolve, { callId: id, outcome: 'no_answer' });
    await world.advanceTo((await world.episode(id)).dueAt ?? 0);
    await execute(card, ACTION_IDS.resolve, { callId: id, outcome: 'no_answer' });
    await world.drain();
    const resolved = await world.episode(id);
    expect(resolved).toMatchObject({ state: 'resolved', followUp: 'no_email' });
    expect(world.ticketOf(resolved).comments.filter((c) => c.public)).toHaveLength(0);
    await cardSays(card, 'No follow-up sent: the requester has no e-mail address');
  });

  it('snoozes to a typed time, and answers a time that cannot be used as the invoke’s message', async () => {
    const { id, post } = await requestAndCard();
    const past = await execute(post, ACTION_IDS.snooze, {
      callId: id,
      [CALLBACK_INPUTS.snoozeAt]: '2026-11-20 08:00',
    });
    expect(past).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'That time has already passed: choose a later one.',
    });
    const nonsense = await execute(post, ACTION_IDS.snooze, {
      callId: id,
      [CALLBACK_INPUTS.snoozeAt]: 'soon',
    });
    expect(nonsense.value).toMatch(/^Choose 30m, 1h, 2h, tomorrow, or a time like/);
    const nothing = await execute(post, ACTION_IDS.snooze, { callId: id });
    expect(nothing.value).toBe('Choose when to call back, or type a time such as 17:00.');
    expect((await world.episode(id)).dueAt).toBeNull();

    // A bare clock time is its next occurrence (the typed time wins over the preset).
    const typed = await execute(post, ACTION_IDS.snooze, {
      callId: id,
      [CALLBACK_INPUTS.snoozeChoice]: '2h',
      [CALLBACK_INPUTS.snoozeAt]: '17:45',
    });
    expect(readable(typed.value)).toContain('Call back at 17:45');
    expect(new Date((await world.episode(id)).dueAt ?? 0).toISOString()).toBe('2026-11-20T16:45:00.000Z');
  });

  it('sets another number: typed, refused when invalid, or one of the requester’s numbers', async () => {
    world.zendesk.addUser({
      name: 'Marie Dupont',
      email: 'marie@example.fr',
      phone: '+33622334466',
      identities: [
        { id: 9001, type: 'phone_number', value: '+33622334466' },
        { id: 9002, type: 'phone_number', value: '+33 1 44 55 66 77' },
      ],
    });
    const { id, post } = await requestAndCard();
    await vi.waitFor(async () => {
      await world.drain();
      expect((await world.app.store.episodes.getDetails(id)) as { requester?: unknown }).toHaveProperty(
        'requester.id',
      );
    }, WAIT);

    const wrong = await execute(post, ACTION_IDS.callbackNumber, {
      callId: id,
      [CALLBACK_INPUTS.typedNumber]: '12',
    });
    expect(wrong.type).toBe('application/vnd.microsoft.activity.message');
    expect(String(wrong.value)).toMatch(/not a valid phone number/);

    // Pressed empty: the requester's other numbers are offered (not the one the card already calls).
    const offer = await execute(post, ACTION_IDS.callbackNumber, {
      callId: id,
      [CALLBACK_INPUTS.typedNumber]: '',
    });
    expect(offer.type).toBe('application/vnd.microsoft.card.adaptive');
    const choiceSet = (offer.value as { body: { id?: string; choices?: { value: string }[] }[] }).body.find(
      (element) => element.id === CALLBACK_INPUTS.requesterNumber,
    );
    expect(choiceSet?.choices?.map((c) => c.value)).toEqual(['+33144556677']);

    const chosen = await execute(post, ACTION_IDS.callbackNumber, {
      callId: id,
      [CALLBACK_INPUTS.requesterNumber]: '+33144556677',
    });
    expect(readable(chosen.value)).toContain('Call back on 01 44 55 66 77');
    expect((await world.episode(id)).callbackNumber).toBe('+33144556677');

    const typed = await execute(post, ACTION_IDS.callbackNumber, {
      callId: id,
      [CALLBACK_INPUTS.typedNumber]: '06 11 22 33 44',
    });
    expect(readable(typed.value)).toContain('Call back on 06 11 22 33 44');
    const logged = world.logLines().filter((line) => line.includes('ringback.callback_number by'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).toContain('+33*******44');
    expect(world.logLines().filter((line) => /11223344|44556677/.test(line))).toEqual([]);
  });
});
