/** The Slack App Home: published when opened and when the viewer's callbacks change; its buttons work. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ListedCall } from '../../../src/chat/commands.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { jobOf } from '../../../src/jobs/registry.js';
import { HOME_VIEWERS_DELAY_MS, homeTranslator, homeViewersKind } from '../../../src/surfaces/slack/home.js';
import { HOME_MAX_BLOCKS, homeView } from '../../../src/surfaces/slack/homeView.js';
import { FOREIGN_BUTTON_MESSAGE } from '../../../src/surfaces/slack/listeners.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { blockProblems } from '../../mocks/fakeSlack.js';
import { eventCallbackBody, interactivityBody, postToSlackEvents } from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  blocksText,
  CHANNEL,
  cardIn,
  click,
  MIA,
  openEpisode,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from '../slack/harness.js';

const WAIT = { timeout: 10_000, interval: 25 };
const ZOE = { id: 'UZOE000001', name: 'zoe', realName: 'Zoe Visitor', email: 'zoe@example.com' };
const AGENTS = new Set([ANA.email, BEN.email, MIA.email]);
let db: TestDatabase;
let h: SlackHarness;
let events = 0;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
    // Ana, Ben and Mia are agents of a connected help desk; Zoe is in the workspace only.
    extraAdapters: [
      (ctx) =>
        ctx.addAgentLookup({
          system: 'helpdesk',
          findByEmail: async (email) => (AGENTS.has(email) ? { id: email, name: email } : null),
        }),
    ],
  });
  for (const user of [ANA, BEN, MIA, ZOE]) h.fake.addUser(user);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

async function openHome(user: string): Promise<void> {
  events += 1;
  const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/json',
    body: eventCallbackBody(
      { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: '1.1' },
      `EvHome${events}`,
    ),
  });
  expect(response.status).toBe(200);
}

function homeText(user: string): string {
  const home = h.fake.home(user);
  return home ? blocksText({ text: '', blocks: home.view.blocks as unknown[] }) : '';
}

/** A click on a control of the Home, as Slack sends it: a view container and the view as published. */
async function clickOnHome(
  user: string,
  action: { actionId: string; value?: string; selected?: string; blockId?: string },
  view = h.fake.home(user)?.view,
): Promise<void> {
  const element = action.selected
    ? {
        type: 'static_select',
        action_id: action.actionId,
        block_id: action.blockId ?? 'x',
        selected_option: { text: { type: 'plain_text', text: 'x' }, value: action.selected },
        action_ts: '1.2',
      }
    : {
        type: 'button',
        action_id: action.actionId,
        block_id: action.blockId ?? 'x',
        value: action.value,
        action_ts: '1.2',
      };
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T00000001' },
    api_app_id: 'A00000001',
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: `V${user}` },
    trigger_id: `${Date.now()}.home`,
    team: { id: 'T00000001', domain: 'acme' },
    is_enterprise_install: false,
    view: { id: `V${user}`, team_id: 'T00000001', ...view },
    actions: [element],
  };
  const response = await postToSlackEvents(h.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: interactivityBody(payload),
  });
  expect(response.status).toBe(200);
}

describe('the App Home', () => {
  let waiting: string;
  let second: string;

  it('is published when a person opens the Home tab: their callbacks, the open calls with Claim, today', async () => {
    const first = await openEpisode(h.ringback, { caller: { number: '+33611111111', name: 'Hugo Home' } });
    const other = await openEpisode(h.ringback, { caller: { number: '+33622222222', name: 'Iris Home' } });
    waiting = first.id;
    second = other.id;
    await waitForCard(h, first.id);
    await waitForCard(h, other.id);

    await openHome(ANA.id);
    await vi.waitFor(() => expect(h.fake.home(ANA.id)).toBeDefined(), WAIT);
    const text = homeText(ANA.id);
    expect(text).toContain('My callbacks (0)');
    expect(text).toContain('Open in my lines (2)');
    expect(text).toContain('Hugo Home');
    expect(text).toMatch(/\*Today:\* 2 missed calls/);
    const claims = JSON.stringify(h.fake.home(ANA.id)?.view.blocks).match(/"ringback\.claim"/g) ?? [];
    expect(claims).toHaveLength(2);
    expect(h.fake.errors).toEqual([]);
  });

  it('shows someone who is not an agent the day’s figures and why, never a caller', async () => {
    await openHome(ZOE.id);
    await vi.waitFor(() => expect(h.fake.home(ZOE.id)).toBeDefined(), WAIT);
    const text = homeText(ZOE.id);
    expect(text).toMatch(/\*Today:\* 2 missed calls/);
    expect(text).toContain('not set up as an agent');
    expect(text).not.toContain('Hugo Home');
    expect(text).not.toContain('Open in my lines');
    expect(JSON.stringify(h.fake.home(ZOE.id)?.view.blocks)).not.toMatch(
      /ringback\.claim|6 11 11 11 11|611111111/,
    );
  });

  it('is published again, with Call back and Resolve, when the person claims a call from its card', async () => {
    const before = h.fake.home(ANA.id)?.publishes ?? 0;
    await click(h, {
      user: ANA.id,
      episodeId: waiting,
      cardTs: cardIn(h.fake, CHANNEL, waiting)?.ts ?? '',
      actionId: ACTION_IDS.claim,
    });
    await vi.waitFor(() => expect(homeText(ANA.id)).toContain('My callbacks (1)'), WAIT);
    expect(h.fake.home(ANA.id)?.publishes).toBeGreaterThan(before);
    const text = homeText(ANA.id);
    expect(text).toContain('Open in my lines (1)');
    const blocks = JSON.stringify(h.fake.home(ANA.id)?.view.blocks);
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.callback}","value":"${waiting}"`);
    expect(blocks).toContain(`"value":"reached:${waiting}"`);
    // Ben never opened his Home and claimed nothing: nothing is published for him.
    expect(h.fake.home(BEN.id)).toBeUndefined();
  });

  it('takes Call back from the Home and answers in the app’s DM with the number', async () => {
    await clickOnHome(ANA.id, { actionId: ACTION_IDS.callback, value: waiting });
    await vi.waitFor(
      async () => expect((await h.ringback.store.episodes.get(waiting))?.attempts).toBe(1),
      WAIT,
    );
    await vi.waitFor(
      () => expect(h.fake.messages(ANA.id).some((m) => m.text.includes('Call Hugo Home back on'))).toBe(true),
      WAIT,
    );
  });

  it('takes Resolve from the Home, and the call leaves "My callbacks"', async () => {
    await clickOnHome(ANA.id, {
      actionId: ACTION_IDS.resolve,
      selected: `reached:${waiting}`,
      blockId: `ringback.actions:${waiting}`,
    });
    await vi.waitFor(
      async () => expect((await h.ringback.store.episodes.get(waiting))?.outcome).toBe('reached'),
      WAIT,
    );
    await vi.waitFor(() => expect(homeText(ANA.id)).toContain('My callbacks (0)'), WAIT);
  });

  it('takes Claim from the Home', async () => {
    await clickOnHome(ANA.id, { actionId: ACTION_IDS.claim, value: second });
    await vi.waitFor(
      async () =>
        expect((await h.ringback.store.episodes.get(second))?.claimedBy?.id).toBe(`slack:${ANA.id}`),
      WAIT,
    );
  });

  it('refuses a click whose Home is someone else’s, or does not show that call', async () => {
    const third = await openEpisode(h.ringback, { caller: { number: '+33633333333', name: 'Jade Forged' } });
    await waitForCard(h, third.id);
    const anasHome = h.fake.home(ANA.id)?.view;
    // Ben clicks with Ana's Home (its user is hers), then with a Home that does not list the call.
    await clickOnHome(BEN.id, { actionId: ACTION_IDS.claim, value: third.id }, anasHome);
    await clickOnHome(
      BEN.id,
      { actionId: ACTION_IDS.claim, value: third.id },
      { ...anasHome, private_metadata: BEN.id, blocks: [] },
    );
    await vi.waitFor(
      () => expect(h.fake.messages(BEN.id).filter((m) => m.text === FOREIGN_BUTTON_MESSAGE)).toHaveLength(2),
      WAIT,
    );
    expect((await h.ringback.store.episodes.get(third.id))?.state).toBe('open');
  });
});

describe('the Home of people who opened it lately', () => {
  it('follows new calls: one refresh for all of them, at most every 20 s', async () => {
    await openHome(BEN.id);
    await vi.waitFor(() => expect(h.fake.home(BEN.id)).toBeDefined(), WAIT);
    const fresh = await openEpisode(h.ringback, { caller: { number: '+33644444444', name: 'Kiki New' } });
    const translate = homeTranslator(h.ringback.clock, h.ringback.config.routing);
    const planned = translate({ kind: 'card.post' }, { episode: fresh, previous: null, events: [] });
    const viewers = planned.filter((job) => job.kind === homeViewersKind.name);
    // A call on a line Slack does not show changes nobody's Home: no job for it.
    const elsewhere = translate(
      { kind: 'card.post' },
      { episode: { ...fresh, line: 'a line posted nowhere' }, previous: null, events: [] },
    );
    expect(elsewhere.filter((job) => job.kind === homeViewersKind.name)).toEqual([]);
    expect(viewers).toHaveLength(1);
    expect(viewers[0]?.runAt).toBeGreaterThanOrEqual(h.ringback.clock.now() + HOME_VIEWERS_DELAY_MS - 1_000);
    expect(viewers[0]?.coalesceKey).toBe('slack.home_viewers');
    // The refresh itself, run now rather than in 20 s: both people who opened their Home get the new call.
    await h.ringback.store.enqueue([jobOf(homeViewersKind, {})], h.ringback.clock.now());
    await vi.waitFor(() => {
      expect(homeText(BEN.id)).toContain('Kiki New');
      expect(homeText(ANA.id)).toContain('Kiki New');
    }, WAIT);
    expect(h.fake.errors).toEqual([]);
  });
});

describe('the Home view', () => {
  const call = (i: number, action: ListedCall['action']): ListedCall => ({
    episodeId: `episode-${i}-${'x'.repeat(30)}`,
    when: 'Mon 16 Nov 09:40',
    who: `Caller ${i} ${'é'.repeat(100)}`,
    line: 'Support FR',
    state: action === 'work' ? 'claimed by Ana' : 'waiting',
    posts: [],
    action,
    due: i % 2 === 0 ? 'call back by 14:00' : null,
  });

  it('stays within Block Kit’s limits for a Home however many calls there are', () => {
    const view = homeView({
      user: ANA.id,
      mine: { total: 60, calls: Array.from({ length: 25 }, (_, i) => call(i, 'work')) },
      open: { total: 300, calls: Array.from({ length: 25 }, (_, i) => call(100 + i, 'claim')) },
      today: {
        missedCalls: 300,
        calledBack: 10,
        resolved: 9,
        openNow: 300,
        mineClaimed: 60,
        mineCalledBack: 3,
      },
      asOf: 'Thu 26 Nov, 10:42 (Europe/Paris)',
      refusal: null,
    });
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    expect(blockProblems(view.blocks.slice(0, 50))).toEqual([]);
    expect(blockProblems(view.blocks.slice(50))).toEqual([]);
    const text = blocksText({ text: '', blocks: view.blocks });
    expect(text).toContain('…and 40 more: `/ringback mine`');
    expect(text).toContain('…and 280 more: `/ringback open`');
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(250_000);
  });

  it('offers no Call back, and only the outcomes that need no call, for a call with no number to dial', () => {
    const withheld = { ...call(1, 'work'), who: 'withheld number', callable: false };
    const view = homeView({
      user: ANA.id,
      mine: { total: 1, calls: [withheld] },
      open: { total: 0, calls: [] },
      today: { missedCalls: 1, calledBack: 0, resolved: 0, openNow: 1, mineClaimed: 1, mineCalledBack: 0 },
      asOf: 'Thu 26 Nov, 10:42 (Europe/Paris)',
      refusal: null,
    });
    const json = JSON.stringify(view.blocks);
    expect(json).not.toContain(`"action_id":"${ACTION_IDS.callback}"`);
    // Callers' words: a name that is a URL or a #channel must stay text.
    const texts = view.blocks.flatMap((b) => {
      const text = (b as { text?: { type: string; verbatim?: boolean } }).text;
      return text?.type === 'mrkdwn' ? [text] : [];
    });
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text.verbatim).toBe(true);
    const options = view.blocks.flatMap(
      (b) => (b as { elements?: { options?: { text: { text: string } }[] }[] }).elements ?? [],
    );
    expect(options.flatMap((e) => e.options ?? []).map((o) => o.text.text)).toEqual([
      'Reached the caller',
      'Callback not needed',
    ]);
  });
});
