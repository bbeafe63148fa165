/**
 * The callback workflow on Slack, through the real Bolt app and a fake Slack: an Aircall callback request →
 * claim → "call back later" from the card's select → the reminder at due time (a thread line mentioning the
 * claimer and a private message) → no answer (attempt 1 of 2) → snoozed by the retry policy → no answer →
 * resolved → one public follow-up in French on the fake Zendesk. Also the two modals ("Pick a time…",
 * "Other number…"), their refusals inside the modal, and callback requests first in `/ringback open`.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import {
  MODAL_INPUTS,
  NUMBER_MODAL_ID,
  SNOOZE_MODAL_ID,
} from '../../../src/surfaces/slack/callbackBlocks.js';
import { createSlackAdapter } from '../../../src/surfaces/slack/register.js';
import { FOLLOW_UP_TAG } from '../../../src/zendesk/followUp.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { type FakeMessage, type FakeSlack, startFakeSlack } from '../../mocks/fakeSlack.js';
import {
  blockActions,
  interactivityBody,
  postToSlackEvents,
  slashCommandBody,
} from '../../mocks/slackRequests.js';
import { blocksText, cardIn } from '../slack/harness.js';
import { type CallbackWorld, startCallbackWorld } from './surfaceWorld.js';

const SIGNING_SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0CALLBACK1';
const ANA = { id: 'UANA000001', name: 'ana', realName: 'Ana Lopez', email: 'ana@example.com' };
const WAIT = { timeout: 10_000, interval: 20 };
/** The callers of the fixtures callback-tagged-done (no name: its national number) and missed-call. */
const REQUEST_CALLER = '06 22 33 44 66';
const PLAIN_CALLER = 'Marie Dupont';

let database: TestDatabase;
let slack: FakeSlack;
let world: CallbackWorld;

beforeEach(async () => {
  database = sqliteDatabase();
  slack = await startFakeSlack({ postBurst: 100, postsPerSecond: 100 });
  slack.addUser(ANA);
  world = await startCallbackWorld({
    database,
    surfaceRouting: `slack: { channel: ${CHANNEL} }`,
    env: { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url },
    surface: createSlackAdapter({ retries: 0 }),
  });
  world.zendesk.addAgent('Ana Lopez', ANA.email);
});

afterEach(async () => {
  expect(slack.errors).toEqual([]);
  await world.stop();
  await slack.close();
  await database.drop();
});

function post(payload: unknown): Promise<Response> {
  return postToSlackEvents(world.app.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: interactivityBody(payload),
  });
}

/** A click on the card's button (`value`) or select (`selected`), as Slack sends it. */
async function click(card: FakeMessage, actionId: string, choice: { value?: string; selected?: string }) {
  const payload = blockActions({
    userId: ANA.id,
    channel: CHANNEL,
    messageTs: card.ts,
    actionId,
    ...(choice.selected ? { selectedValue: choice.selected } : { value: choice.value }),
  });
  const answer = await post(payload);
  expect(answer.status).toBe(200);
}

function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, Record<string, unknown>>>,
) {
  return {
    type: 'view_submission',
    team: { id: 'T00000001', domain: 'acme' },
    user: { id: ANA.id, username: ANA.name, name: ANA.name, team_id: 'T00000001' },
    api_app_id: 'A00000001',
    token: 'legacy-verification-token',
    trigger_id: `${randomUUID()}.trigger`,
    view: {
      id: 'VM1',
      team_id: 'T00000001',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: '1.abc',
      blocks: [],
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Submits a modal; resolves with Slack's acknowledgement body (`{}` when the modal closes). */
async function submit(
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, Record<string, unknown>>>,
): Promise<Record<string, unknown>> {
  const answer = await post(viewSubmission(callbackId, privateMetadata, values));
  expect(answer.status).toBe(200);
  const text = await answer.text();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function requestAndCard(): Promise<{ id: string; card: FakeMessage }> {
  await world.webhook('callback-tagged-done', 3);
  const [opened] = await world.app.store.episodes.list();
  const id = opened?.id ?? '';
  await vi.waitFor(() => expect(cardIn(slack, CHANNEL, id)).toBeDefined(), WAIT);
  return { id, card: cardIn(slack, CHANNEL, id) as FakeMessage };
}

async function until(id: string, check: (episode: Episode) => boolean): Promise<Episode> {
  // The click is answered before it is handled: wait for the change, running the jobs it queued.
  await vi.waitFor(async () => {
    await world.drain();
    expect(check(await world.episode(id))).toBe(true);
  }, WAIT);
  await world.drain();
  return world.episode(id);
}

function cardText(id: string): string {
  return blocksText(cardIn(slack, CHANNEL, id));
}

function laterRow(id: string) {
  type Row = { block_id?: string; elements?: { action_id: string; options?: { value: string }[] }[] };
  const blocks = (cardIn(slack, CHANNEL, id)?.blocks ?? []) as Row[];
  return blocks.find((b) => b.block_id === `ringback.later:${id}`);
}

/** Private messages (DMs) Ringback sent Ana that contain `text`. */
function privateMessages(text: string): string[] {
  return slack
    .callsTo('chat.postMessage')
    .map((call) => call.args as Record<string, string>)
    .filter((args) => args.channel !== CHANNEL && String(args.text).includes(text))
    .map((args) => String(args.text));
}

async function openModal(card: FakeMessage, actionId: string, choice: { value?: string; selected?: string }) {
  const before = slack.modals.length;
  await click(card, actionId, choice);
  await vi.waitFor(() => expect(slack.modals.length).toBe(before + 1), WAIT);
  return slack.modals.at(-1)?.view as Record<string, unknown> & {
    private_metadata: string;
    blocks: unknown[];
  };
}

describe('the callback workflow on Slack', () => {
  it('runs request → claim → snooze from the card → reminder → two failed attempts → a French follow-up', async () => {
    world.zendesk.addUser({
      name: 'Marie Dupont',
      email: 'marie@example.fr',
      phone: '+33622334466',
      locale: 'fr',
    });
    const { id, card } = await requestAndCard();
    expect(cardText(id)).toContain('The caller asked to be called back');
    // The card offers "call back later": the presets, then "Pick a time…".
    const select = laterRow(id)?.elements?.find((e) => e.action_id === ACTION_IDS.snooze);
    expect(select?.options?.map((o) => o.value)).toEqual([
      `30m:${id}`,
      `1h:${id}`,
      `2h:${id}`,
      `tomorrow:${id}`,
      `pick:${id}`,
    ]);

    await click(card, ACTION_IDS.claim, { value: id });
    await until(id, (e) => e.state === 'claimed');
    const snoozedAt = world.clock.now();
    await click(card, ACTION_IDS.snooze, { selected: `30m:${id}` });
    const snoozed = await until(id, (e) => e.dueAt !== null);
    const dueAt = snoozedAt + 30 * 60_000;
    expect(snoozed.dueAt).toBe(dueAt);
    await vi.waitFor(() => expect(cardText(id)).toContain('Call back at 17:30'), WAIT);

    // At due time: a thread line that mentions Ana, and a private message to her, once each.
    await world.advanceTo(dueAt);
    await vi.waitFor(() => {
      const lines = slack.replies(CHANNEL, card.ts).filter((m) => m.text.includes('Time to call back'));
      expect(lines).toHaveLength(1);
      expect(lines[0]?.text).toContain(`<@${ANA.id}>`);
      expect(privateMessages('Time to call back')).toHaveLength(1);
    }, WAIT);
    await vi.waitFor(() => expect(cardText(id)).toContain('Due now: call back (planned for 17:30)'), WAIT);

    // No answer: attempt 1 of 2, snoozed again by the retry policy.
    await click(card, ACTION_IDS.resolve, { selected: `no_answer:${id}` });
    const retried = await until(id, (e) => e.attemptLog.length === 1);
    expect(retried).toMatchObject({ state: 'claimed', outcome: null });
    await vi.waitFor(() => expect(cardText(id)).toContain('Call back at 18:00 · attempt 2 of 2'), WAIT);

    await world.advanceTo(retried.dueAt ?? 0);
    await vi.waitFor(() => {
      expect(privateMessages('Time to call back')).toHaveLength(2);
      expect(privateMessages('(attempt 2 of 2)')).toHaveLength(1);
    }, WAIT);

    // Last attempt: resolved, and the caller gets one public reply in French.
    await click(card, ACTION_IDS.resolve, { selected: `no_answer:${id}` });
    const resolved = await until(id, (e) => e.state === 'resolved' && e.followUp !== null);
    await world.drain();
    expect(resolved).toMatchObject({ outcome: 'no_answer', followUp: 'sent' });
    const ticket = world.ticketOf(resolved);
    expect(ticket.comments.filter((c) => c.public).map((c) => c.body)).toEqual([
      'Bonjour Marie Dupont, Ana du service Support FR a essayé de vous rappeler 2 fois.',
    ]);
    expect(ticket.tags).toContain(FOLLOW_UP_TAG);
    await vi.waitFor(() => expect(cardText(id)).toContain('Follow-up e-mailed to the caller'), WAIT);
    expect(laterRow(id)).toBeUndefined();
    expect(privateMessages('Time to call back')).toHaveLength(2);
  });

  it('sends nothing to a requester without e-mail, and the card says so', async () => {
    // No Zendesk user has this number: Ringback creates the requester from the phone alone.
    await world.webhook('callback-automatic-failed');
    const [opened] = await world.app.store.episodes.list();
    const id = opened?.id ?? '';
    await vi.waitFor(() => expect(cardIn(slack, CHANNEL, id)).toBeDefined(), WAIT);
    const card = cardIn(slack, CHANNEL, id) as FakeMessage;
    expect(cardText(id)).toContain(
      'Aircall’s automatic call back did not get through: a person must call back',
    );

    await click(card, ACTION_IDS.resolve, { selected: `no_answer:${id}` });
    const retried = await until(id, (e) => e.attemptLog.length === 1);
    await world.advanceTo(retried.dueAt ?? 0);
    await click(card, ACTION_IDS.resolve, { selected: `no_answer:${id}` });
    const resolved = await until(id, (e) => e.state === 'resolved' && e.followUp !== null);
    expect(resolved.followUp).toBe('no_email');
    expect(world.ticketOf(resolved).comments.filter((c) => c.public)).toHaveLength(0);
    await vi.waitFor(async () => {
      await world.drain();
      expect(cardText(id)).toContain('No follow-up sent: the requester has no e-mail address');
    }, WAIT);
  });

  it('snoozes to a time picked in the modal, and refuses a past time inside the modal', async () => {
    const { id, card } = await requestAndCard();
    const view = await openModal(card, ACTION_IDS.snooze, { selected: `pick:${id}` });
    expect(view.callback_id).toBe(SNOOZE_MODAL_ID);
    const time = (view.blocks as { element?: { type: string; timezone?: string; initial_time?: string } }[])
      .map((b) => b.element)
      .find((e) => e?.type === 'timepicker');
    expect(time).toMatchObject({ timezone: 'Europe/Paris', initial_time: '18:00' });

    const past = await submit(SNOOZE_MODAL_ID, view.private_metadata, {
      [MODAL_INPUTS.date]: { [MODAL_INPUTS.date]: { type: 'datepicker', selected_date: '2026-11-20' } },
      [MODAL_INPUTS.time]: { [MODAL_INPUTS.time]: { type: 'timepicker', selected_time: '08:00' } },
    });
    expect(past).toEqual({
      response_action: 'errors',
      errors: { [MODAL_INPUTS.time]: 'That time has already passed: choose a later one.' },
    });
    expect((await world.episode(id)).dueAt).toBeNull();
    // Metadata that names a message that is not this call's card changes nothing.
    const forged = await submit(
      SNOOZE_MODAL_ID,
      view.private_metadata.replace(card.ts, '1700000000.000999'),
      {
        [MODAL_INPUTS.date]: { [MODAL_INPUTS.date]: { type: 'datepicker', selected_date: '2026-11-23' } },
        [MODAL_INPUTS.time]: { [MODAL_INPUTS.time]: { type: 'timepicker', selected_time: '10:15' } },
      },
    );
    expect(forged).toEqual({
      response_action: 'errors',
      errors: { [MODAL_INPUTS.time]: 'This button does not belong to that call, so nothing changed.' },
    });
    expect((await world.episode(id)).dueAt).toBeNull();

    const picked = await submit(SNOOZE_MODAL_ID, view.private_metadata, {
      [MODAL_INPUTS.date]: { [MODAL_INPUTS.date]: { type: 'datepicker', selected_date: '2026-11-23' } },
      [MODAL_INPUTS.time]: { [MODAL_INPUTS.time]: { type: 'timepicker', selected_time: '10:15' } },
    });
    expect(picked).toEqual({});
    const episode = await world.episode(id);
    // Monday 10:15 in Paris; snoozing an unclaimed call takes it.
    expect(new Date(episode.dueAt ?? 0).toISOString()).toBe('2026-11-23T09:15:00.000Z');
    expect(episode.claimedBy?.email).toBe(ANA.email);
  });

  it('sets another number from the modal, offering the requester’s other numbers and refusing a wrong one', async () => {
    world.zendesk.addUser({
      name: 'Marie Dupont',
      email: 'marie@example.fr',
      phone: '+33622334466',
      locale: 'fr',
      identities: [
        { id: 9001, type: 'phone_number', value: '+33622334466' },
        { id: 9002, type: 'phone_number', value: '+33 1 44 55 66 77' },
      ],
    });
    const { id, card } = await requestAndCard();
    await vi.waitFor(async () => {
      const details = await world.app.store.episodes.getDetails(id);
      expect(JSON.stringify(details)).toContain('"requester"');
      expect((details as { requester?: unknown }).requester).toBeTruthy();
    }, WAIT);

    const view = await openModal(card, ACTION_IDS.callbackNumber, { value: id });
    expect(view.callback_id).toBe(NUMBER_MODAL_ID);
    const offered = (
      view.blocks as { block_id?: string; element?: { options?: { value: string }[] } }[]
    ).find((b) => b.block_id === MODAL_INPUTS.requesterNumber);
    // The number the card already calls is not offered again.
    expect(offered?.element?.options?.map((o) => o.value)).toEqual(['+33144556677']);

    const wrong = await submit(NUMBER_MODAL_ID, view.private_metadata, {
      [MODAL_INPUTS.typedNumber]: { [MODAL_INPUTS.typedNumber]: { type: 'plain_text_input', value: '12' } },
      [MODAL_INPUTS.requesterNumber]: {
        [MODAL_INPUTS.requesterNumber]: { type: 'static_select', selected_option: null },
      },
    });
    expect(wrong).toMatchObject({ response_action: 'errors' });
    expect(String((wrong.errors as Record<string, string>)[MODAL_INPUTS.typedNumber])).toMatch(
      /not a valid phone number/,
    );
    const empty = await submit(NUMBER_MODAL_ID, view.private_metadata, {});
    expect(empty).toMatchObject({ response_action: 'errors' });

    const chosen = await submit(NUMBER_MODAL_ID, view.private_metadata, {
      [MODAL_INPUTS.typedNumber]: { [MODAL_INPUTS.typedNumber]: { type: 'plain_text_input', value: null } },
      [MODAL_INPUTS.requesterNumber]: {
        [MODAL_INPUTS.requesterNumber]: { type: 'static_select', selected_option: { value: '+33144556677' } },
      },
    });
    expect(chosen).toEqual({});
    expect((await world.episode(id)).callbackNumber).toBe('+33144556677');
    await world.drain();
    await vi.waitFor(() => expect(cardText(id)).toContain('Call back on 01 44 55 66 77'), WAIT);
    // Numbers are masked in the logs.
    const logged = world.logLines().filter((line) => line.includes('from the modal'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).toContain('+33*******77');
    expect(world.logLines().filter((line) => /44556677|44 55 66 77/.test(line))).toEqual([]);
  });

  it('opens no modal for someone who is not an agent: they would see the caller and the requester’s numbers', async () => {
    const ZOE = { id: 'UZOE000001', name: 'zoe', realName: 'Zoe Visitor', email: 'zoe@example.com' };
    slack.addUser(ZOE);
    const { id, card } = await requestAndCard();
    const modalsBefore = slack.modals.length;
    const zendeskBefore = world.zendesk.requests.length;
    const payload = blockActions({
      userId: ZOE.id,
      channel: CHANNEL,
      messageTs: card.ts,
      actionId: ACTION_IDS.callbackNumber,
      value: id,
    });
    expect((await post(payload)).status).toBe(200);
    await vi.waitFor(async () => {
      await world.drain();
      expect(slack.ephemerals.some((e) => e.user === ZOE.id)).toBe(true);
    }, WAIT);
    expect(slack.modals.length).toBe(modalsBefore);
    // Nothing asked of Zendesk on their behalf beyond the agent check itself.
    const asked = world.zendesk.requests.slice(zendeskBefore).map((r) => r.path);
    expect(asked.filter((path) => path.includes('/identities'))).toEqual([]);
  });

  it('lists callback requests first in /ringback open, though they were missed later', async () => {
    await world.webhook('missed-call');
    await world.webhook('callback-tagged-done', 3);
    const answer = await postToSlackEvents(world.app.baseUrl, SIGNING_SECRET, {
      contentType: 'application/x-www-form-urlencoded',
      body: slashCommandBody({
        text: 'open',
        userId: ANA.id,
        channel: CHANNEL,
        responseUrl: slack.responseUrl('open-list'),
      }),
    });
    expect(answer.status).toBe(200);
    await vi.waitFor(async () => {
      await world.drain();
      expect(slack.responses.find((r) => r.id === 'open-list')).toBeDefined();
    }, WAIT);
    const listed = JSON.stringify(slack.responses.find((r) => r.id === 'open-list')?.body);
    const episodes = await world.app.store.episodes.list();
    const request = episodes.find((e) => e.callbackRequested) as Episode;
    const plain = episodes.find((e) => !e.callbackRequested) as Episode;
    expect(request.missedAt).toBeGreaterThan(plain.missedAt);
    // Oldest first within a rank, but the callback request ranks above the plain missed call.
    const requestAt = listed.indexOf(REQUEST_CALLER);
    const plainAt = listed.indexOf(PLAIN_CALLER);
    expect(requestAt).toBeGreaterThan(-1);
    expect(plainAt).toBeGreaterThan(requestAt);
  });
});
