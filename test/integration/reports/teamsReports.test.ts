/**
 * Managers' reports in Teams: `@Ringback summary week` with its charts in the card, the weekly scheduled
 * summary's charts card, `summary week agents`, `export week` (a link to the API: Teams takes no bot file),
 * and `mine` / `open` in a personal chat as cards with the call actions.
 */
import { DateTime } from 'luxon';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { buildSummary } from '../../../src/app/summary.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Summary } from '../../../src/domain/summary.js';
import { isListClick, LIST_CARD_SOURCE } from '../../../src/surfaces/teams/listCards.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { occurrenceJob, occurrenceOn, scheduleZone } from '../../../src/timers/schedules.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CALLBACKS, MANAGERS, TENANT_ID, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, TEAMS_ROUTING_YAML, type TeamsHarness } from '../teams/harness.js';

const WAIT = { timeout: 15_000, interval: 25 };
const PARIS = 'Europe/Paris';
const today = DateTime.now().setZone(PARIS);

const ROUTING = `${TEAMS_ROUTING_YAML}
schedules:
  - { name: weekly-teams, every: weekly, day: ${today.toFormat('ccc').toLowerCase()}, at: "00:00", period: this_week, teams: { channel: "${MANAGERS.id}" } }
`;

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({
    database: db,
    routingYaml: ROUTING,
    extraAdapters: [registerEscalation],
  });
  await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
  await h.missedCall({ callId: 'CA-1', from: '+33612345611', callerName: 'Marie Dupont' });
  await h.missedCall({ callId: 'CA-2', from: '+33612345612', callerName: 'Jean Petit' });
  await vi.waitFor(async () => expect(await h.ringback.store.episodes.count()).toBe(2), WAIT);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  expect(h.fake.invalidRequests).toEqual([]);
});

async function ask(user: (typeof USERS)[keyof typeof USERS], text: string) {
  const res = await h.fake.toBot(h.botUrl, h.fake.personalMessage(user, text));
  expect(res.status).toBe(200);
  const reply = h.fake.messagesIn(`a:personal-${user.id}`).at(-1);
  return {
    text: String(reply?.activity.text ?? ''),
    card: ((reply?.activity.attachments as { content: unknown }[] | undefined)?.[0]?.content ??
      null) as Record<string, unknown> | null,
  };
}

async function weekSummary(): Promise<Summary> {
  const answer = await buildSummary(
    { store: h.ringback.store, clock: h.ringback.clock, routing: h.ringback.config.routing },
    { period: 'week' },
  );
  if (!answer.ok) throw new Error(answer.error);
  return answer.summary;
}

interface CardImage {
  type: 'Image';
  url: string;
  altText: string;
}

function imagesOf(card: unknown): CardImage[] {
  const body = ((card as { body?: unknown[] } | null)?.body ?? []) as { type?: string }[];
  return body.filter((e): e is CardImage => e.type === 'Image');
}

function expectChartImages(images: CardImage[], summary: Summary): void {
  expect(images).toHaveLength(3);
  for (const image of images) {
    expect(image.url).toMatch(/^data:image\/png;base64,/);
    const png = PNG.sync.read(Buffer.from(image.url.slice('data:image/png;base64,'.length), 'base64'));
    // Teams shows pictures up to 1024 × 1024.
    expect(png.width).toBeLessThanOrEqual(1024);
    expect(png.height).toBeLessThanOrEqual(1024);
    expect(png.width).toBeGreaterThanOrEqual(900);
  }
  const { missedCalls, returnedCalls } = summary.totals;
  expect(images[0]?.altText).toContain(`${missedCalls} missed calls, ${returnedCalls} returned`);
}

describe('@Ringback summary week', () => {
  it('shows the figures and the three charts in the card, alt text numbers equal to the summary', async () => {
    const answer = await ask(USERS.mia, 'summary week');
    expect(cardText(answer.card)).toContain('Missed calls, ');
    expectChartImages(imagesOf(answer.card), await weekSummary());
  });

  it('draws nothing for a summary of one day', async () => {
    const answer = await ask(USERS.mia, 'summary today');
    expect(imagesOf(answer.card)).toEqual([]);
  });
});

describe('the weekly scheduled summary in Teams', () => {
  it('posts the figures, then a card with the three charts, in its channel', async () => {
    const routing = h.ringback.config.routing;
    const schedule = routing.schedules[0];
    if (!schedule) throw new Error('no schedule');
    const zone = scheduleZone(schedule, routing);
    const at = occurrenceOn(schedule, zone, today.toISODate() ?? '');
    if (at === null) throw new Error('the schedule does not post today');
    await h.ringback.store.enqueue([occurrenceJob(schedule, zone, at)], h.ringback.clock.now());
    await vi.waitFor(
      () => expect(h.fake.postsIn(MANAGERS.id).some((p) => imagesOf(h.fake.cardOf(p)).length > 0)).toBe(true),
      WAIT,
    );
    const posts = h.fake.postsIn(MANAGERS.id);
    const figures = posts.findIndex((p) =>
      cardText(h.fake.cardOf(p)).includes('Missed calls this week so far'),
    );
    const charts = posts.findIndex((p) => imagesOf(h.fake.cardOf(p)).length > 0);
    expect(figures).toBeGreaterThanOrEqual(0);
    expectChartImages(imagesOf(h.fake.cardOf(posts[charts] as (typeof posts)[number])), await weekSummary());
  });
});

describe('@Ringback summary week agents', () => {
  it('shows each agent’s legs apart from the missed calls, with the words explained', async () => {
    const [episode] = await h.ringback.store.episodes.list({ limit: 1 });
    if (!episode) throw new Error('no episode');
    await runCommand(h.ringback.commands, episode.id, {
      type: 'claim',
      actor: { id: 'teams:aad-ana', name: USERS.ana.name, email: USERS.ana.email, surface: 'teams' },
      at: h.ringback.clock.now(),
    });
    const answer = await ask(USERS.mia, 'summary week agents');
    // Read as Teams shows it: markdown escapes gone.
    const text = cardText(answer.card).replace(/\\(.)/g, '$1');
    expect(text).toContain('A missed leg is one agent not picking up a call that rang them');
    expect(text).toContain(USERS.ana.name);
    expect(text).toContain('Missed calls: 1 claimed · 0 called back · 0 reached');
    expect(text).toContain('Missed legs on calls a colleague answered: 0 (not missed calls)');
    expect(text).toContain('**Team:** No call legs recorded in this period · 2 missed calls');
  });

  it('is for managers only', async () => {
    const answer = await ask(USERS.ben, 'summary week agents');
    expect(answer.text).toContain('Summaries are for managers');
    expect(answer.card).toBeNull();
  });
});

describe('@Ringback export week', () => {
  it('gives a manager the API link for the CSV (Teams takes no file from a bot)', async () => {
    const answer = await ask(USERS.mia, 'export week');
    // The week's dates, so the link gives the file it names even when followed next week.
    const link = /GET \/api\/export\.csv\?period=(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})/.exec(
      answer.text ?? '',
    );
    expect(link).not.toBeNull();
    expect(answer.text).toContain(`ringback-calls-${link?.[1]}-to-${link?.[2]}.csv`);
    expect(answer.text).toContain('Authorization: Bearer');
  });

  it('refuses anyone else', async () => {
    const answer = await ask(USERS.ben, 'export week');
    expect(answer.text).toContain('managers');
    expect(answer.text).not.toContain('/api/export.csv');
  });
});

describe('mine and open in a personal chat', () => {
  it('open: a card listing the waiting calls, each with Claim', async () => {
    const answer = await ask(USERS.ben, 'open');
    const actions = JSON.stringify(answer.card);
    expect(cardText(answer.card)).toContain('Open calls: 2');
    expect(cardText(answer.card)).toContain('Jean Petit');
    expect(actions).toContain(`"verb":"${ACTION_IDS.claim}"`);
    expect(actions).toContain(`"from":"${LIST_CARD_SOURCE}"`);
  });

  it('mine: a card of my calls with Call back and one Resolve per outcome', async () => {
    const answer = await ask(USERS.ana, 'mine');
    const actions = JSON.stringify(answer.card);
    expect(cardText(answer.card)).toContain('Your claimed calls: 1');
    expect(actions).toContain(`"verb":"${ACTION_IDS.callback}"`);
    expect(actions).toContain('"outcome":"reached"');
    expect(actions).not.toContain(`"verb":"${ACTION_IDS.claim}"`);
  });

  it('claims from the open list in a personal chat, and refuses the same click from a channel', async () => {
    await ask(USERS.ben, 'open');
    const list = h.fake.messagesIn(`a:personal-${USERS.ben.id}`).at(-1);
    if (!list) throw new Error('no list card');
    const claim = JSON.stringify(list.activity).match(
      new RegExp(`"verb":"${ACTION_IDS.claim.replace('.', '\\.')}","data":(\\{[^}]*\\})`),
    );
    if (!claim?.[1]) throw new Error('no Claim on the list card');
    const data = JSON.parse(claim[1]) as { callId: string };
    const personal = {
      ...h.fake.invoke(list, USERS.ben, ACTION_IDS.claim, data),
      conversation: { id: `a:personal-${USERS.ben.id}`, conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID } },
    };
    const inChannel = {
      ...h.fake.invoke(list, USERS.mia, ACTION_IDS.claim, data),
      conversation: { id: CALLBACKS.id, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
    };
    const refused = await h.fake.toBot(h.botUrl, inChannel);
    expect(JSON.stringify(refused.body)).toContain('Ringback did not post this card');
    expect((await h.ringback.store.episodes.get(data.callId))?.state).toBe('open');

    const answered = await h.fake.toBot(h.botUrl, personal);
    expect(answered.status).toBe(200);
    const claimed = await h.ringback.store.episodes.get(data.callId);
    expect(claimed?.state).toBe('claimed');
    expect(claimed?.claimedBy?.email).toBe(USERS.ben.email);
  });

  it('a list click counts only from a personal chat, with the list mark, for a button lists have', () => {
    const data = { callId: 'c1', from: LIST_CARD_SOURCE };
    const personal = { conversationType: 'personal', data };
    expect(isListClick({ ...personal, verb: ACTION_IDS.claim })).toBe(true);
    expect(isListClick({ ...personal, verb: ACTION_IDS.resolve })).toBe(true);
    expect(isListClick({ ...personal, verb: ACTION_IDS.release })).toBe(false);
    expect(
      isListClick({ conversationType: 'personal', data: { callId: 'c1' }, verb: ACTION_IDS.claim }),
    ).toBe(false);
    expect(isListClick({ conversationType: 'channel', data, verb: ACTION_IDS.claim })).toBe(false);
  });

  it('answers a list click under the list, which keeps working, and says why a stale one changed nothing', async () => {
    await h.missedCall({ callId: 'CA-3', from: '+33612345613', callerName: 'Paul Appel' });
    const paul = await vi.waitFor(async () => {
      const found = (await h.ringback.store.episodes.list()).find((e) => e.caller.name === 'Paul Appel');
      if (!found) throw new Error('not yet');
      return found;
    }, WAIT);
    await ask(USERS.ben, 'open');
    const list = h.fake.messagesIn(`a:personal-${USERS.ben.id}`).at(-1);
    if (!list) throw new Error('no list card');
    const inPersonal = (
      user: (typeof USERS)[keyof typeof USERS],
      verb: string,
      data: Record<string, unknown>,
    ) => ({
      ...h.fake.invoke(list, user, verb, data),
      conversation: { id: `a:personal-${user.id}`, conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID } },
    });
    // Ben claims from his list: a message answers, the list stays.
    const claimed = await h.fake.toBot(
      h.botUrl,
      inPersonal(USERS.ben, ACTION_IDS.claim, { callId: paul.id, from: LIST_CARD_SOURCE }),
    );
    expect(JSON.stringify(claimed.body)).toContain('You have the call from Paul Appel');
    // From the same list, later: Call back works (the list's buttons were not replaced by a dead card).
    const calling = await h.fake.toBot(
      h.botUrl,
      inPersonal(USERS.ben, ACTION_IDS.callback, { callId: paul.id, from: LIST_CARD_SOURCE }),
    );
    expect(JSON.stringify(calling.body)).toContain('Call Paul Appel back on +33612345613');
    expect((await h.ringback.store.episodes.get(paul.id))?.state).toBe('calling');
    // Ana's list of a moment ago still offers Claim: she is told who has it, not that the card is foreign.
    const stale = await h.fake.toBot(
      h.botUrl,
      inPersonal(USERS.ana, ACTION_IDS.claim, { callId: paul.id, from: LIST_CARD_SOURCE }),
    );
    expect(JSON.stringify(stale.body)).toContain('already has this call');
    expect(JSON.stringify(stale.body)).not.toContain('did not post this card');
  });
});
