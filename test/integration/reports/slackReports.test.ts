/**
 * Managers' reports in Slack: `/ringback summary week` with its charts (files.* upload flow into the DM),
 * the weekly scheduled summary with its charts in the channel, `/ringback summary week agents`, and
 * `/ringback export week` (a CSV in the manager's DM; refused to anyone else).
 */
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSummary } from '../../../src/app/summary.js';
import type { Summary } from '../../../src/domain/summary.js';
import { CSV_BOM, csvHeader } from '../../../src/reports/csv.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { occurrenceJob, occurrenceOn, scheduleZone } from '../../../src/timers/schedules.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeFile } from '../../mocks/fakeSlack.js';
import { postToSlackEvents, slashCommandBody } from '../../mocks/slackRequests.js';
import {
  ANA,
  BEN,
  blocksText,
  CHANNEL,
  MANAGER,
  MIA,
  openEpisode,
  SIGNING_SECRET,
  SLACK_ROUTING_YAML,
  type SlackHarness,
  startSlackHarness,
} from '../slack/harness.js';

const WAIT = { timeout: 15_000, interval: 50 };
const PARIS = 'Europe/Paris';
const today = DateTime.now().setZone(PARIS);
const weekday = today.toFormat('ccc').toLowerCase();

const ROUTING = `
timezone: ${PARIS}
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    slack: { channel: ${CHANNEL} }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
managers: { slack: [${MANAGER}] }
schedules:
  - { name: weekly-charts, every: weekly, day: ${weekday}, at: "00:00", period: this_week, slack: { channel: ${CHANNEL} } }
`;

let db: TestDatabase;
let h: SlackHarness;
let asked = 0;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startSlackHarness({
    database: db,
    routingYaml: ROUTING,
    fake: { postsPerSecond: 5 },
    slack: { sender: { postIntervalMs: 200 } },
    extraAdapters: [registerEscalation],
  });
  for (const user of [ANA, BEN, MIA]) h.fake.addUser(user);
  // Calls of this week: one called back and reached, one claimed, one still open, a few minutes ago. In
  // the first hour of a week (Monday 00:00 in Paris) the minutes shrink to fit in it: at 00:16 on a
  // Monday, "50 minutes ago" was last week and two of these tests failed.
  const now = h.ringback.clock.now();
  const weekBegan = DateTime.fromMillis(now, { zone: PARIS }).startOf('week').toMillis();
  const scale = Math.max(0, Math.min(1, (now - weekBegan - 1_000) / 3_600_000));
  const minutes = (n: number) => Math.round(n * 60_000 * scale);
  await openEpisode(h.ringback, {
    missedAt: now - minutes(50),
    lastCallAt: now - minutes(50),
    state: 'resolved',
    claimedBy: { id: `slack:${ANA.id}`, name: ANA.realName, email: ANA.email, surface: 'slack' },
    claimedAt: now - minutes(45),
    attempts: 1,
    firstAttemptAt: now - minutes(40),
    lastAttemptAt: now - minutes(40),
    outcome: 'reached',
    resolvedAt: now - minutes(39),
    resolvedBy: { id: `slack:${ANA.id}`, name: ANA.realName, email: ANA.email, surface: 'slack' },
    caller: { number: '+33611111111', name: '=HYPERLINK("x")' },
  });
  await openEpisode(h.ringback, {
    missedAt: now - minutes(30),
    lastCallAt: now - minutes(30),
    state: 'claimed',
    claimedBy: { id: `slack:${BEN.id}`, name: BEN.realName, email: BEN.email, surface: 'slack' },
    claimedAt: now - minutes(25),
    caller: { number: '+33622222222', name: 'Bruno, "the caller"' },
  });
  await openEpisode(h.ringback, { missedAt: now - minutes(10), lastCallAt: now - minutes(10) });
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

async function ask(user: string, text: string, on: SlackHarness = h): Promise<Record<string, unknown>> {
  asked += 1;
  const id = `rep${asked}`;
  const response = await postToSlackEvents(on.ringback.baseUrl, SIGNING_SECRET, {
    contentType: 'application/x-www-form-urlencoded',
    body: slashCommandBody({ text, userId: user, channel: CHANNEL, responseUrl: on.fake.responseUrl(id) }),
  });
  expect(response.status).toBe(200);
  await vi.waitFor(() => expect(on.fake.responses.find((r) => r.id === id)).toBeDefined(), WAIT);
  return on.fake.responses.find((r) => r.id === id)?.body ?? {};
}

async function weekSummary(): Promise<Summary> {
  const answer = await buildSummary(
    { store: h.ringback.store, clock: h.ringback.clock, routing: h.ringback.config.routing },
    { period: 'week' },
  );
  if (!answer.ok) throw new Error(answer.error);
  return answer.summary;
}

function expectChartsOf(files: FakeFile[], summary: Summary): void {
  expect(files.map((f) => f.filename)).toEqual([
    'ringback-missed-vs-returned.png',
    'ringback-missed-by-hour.png',
    'ringback-callback-vs-sla.png',
  ]);
  for (const file of files) {
    const png = PNG.sync.read(file.bytes);
    expect(png.width).toBe(1200);
    expect(png.height).toBe(840);
    expect(file.altText?.length).toBeGreaterThan(20);
  }
  const { missedCalls, returnedCalls } = summary.totals;
  expect(files[0]?.altText).toContain(
    `${missedCalls} missed call${missedCalls === 1 ? '' : 's'}, ${returnedCalls} returned`,
  );
  expect(files[1]?.altText).toContain(`${missedCalls} missed call`);
}

describe('/ringback summary week', () => {
  it('answers the manager and shares the three charts in their DM, alt text numbers equal to the summary', async () => {
    const answer = await ask(MANAGER, 'summary week');
    expect(blocksText({ text: String(answer.text), blocks: answer.blocks as unknown[] })).toContain(
      'The charts of this period follow',
    );
    await vi.waitFor(() => expect(h.fake.callsTo('files.completeUploadExternal')).toHaveLength(1), WAIT);
    const dm = `D${MANAGER.slice(1)}`;
    const files = h.fake.files.filter((f) => f.channel === dm);
    expectChartsOf(files, await weekSummary());
    expect(h.fake.callsTo('conversations.open')[0]?.args.users).toBe(MANAGER);
    expect(
      h.fake.callsTo('files.getUploadURLExternal').every((c) => typeof c.args.alt_txt === 'string'),
    ).toBe(true);
    expect(h.fake.errors).toEqual([]);
  });

  it('is for managers only, and then draws nothing', async () => {
    const uploads = h.fake.callsTo('files.getUploadURLExternal').length;
    const answer = await ask(BEN.id, 'summary week');
    expect(answer.text).toContain('Summaries are for managers');
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(uploads);
  });
});

describe('the weekly scheduled summary', () => {
  it('posts the figures and then the charts in its channel', async () => {
    const routing = h.ringback.config.routing;
    const schedule = routing.schedules[0];
    if (!schedule) throw new Error('no schedule');
    const zone = scheduleZone(schedule, routing);
    const at = occurrenceOn(schedule, zone, today.toISODate() ?? '');
    if (at === null) throw new Error('the schedule does not post today');
    await h.ringback.store.enqueue([occurrenceJob(schedule, zone, at)], h.ringback.clock.now());
    await vi.waitFor(() => expect(h.fake.files.filter((f) => f.channel === CHANNEL)).toHaveLength(3), WAIT);
    expect(h.fake.messages(CHANNEL).some((m) => m.text.startsWith('Missed calls this week so far'))).toBe(
      true,
    );
    expectChartsOf(
      h.fake.files.filter((f) => f.channel === CHANNEL),
      await weekSummary(),
    );
    expect(h.fake.files.find((f) => f.channel === CHANNEL)?.initialComment).toContain(
      'Missed calls this week so far',
    );
  });
});

describe('/ringback summary week agents', () => {
  it('shows each agent’s legs apart from the missed calls they worked, and explains the words', async () => {
    const answer = await ask(MANAGER, 'summary week agents');
    const text = blocksText({ text: String(answer.text), blocks: answer.blocks as unknown[] });
    expect(text).toContain('Agents, ');
    expect(text).toContain('A missed leg is one agent not picking up a call that rang them');
    expect(text).toContain(`*${ANA.realName}*`);
    expect(text).toMatch(/Missed calls: 1 claimed · 1 called back · 1 reached/);
    expect(text).toContain('Missed legs on calls a colleague answered: 0 (not missed calls)');
    expect(text).toMatch(/Legs: \d+ offered · \d+ answered · \d+ rang out · \d+ declined/);
    expect((answer.blocks as unknown[]).length).toBeLessThanOrEqual(50);
    expect(h.fake.errors).toEqual([]);
  });

  it('is for managers only', async () => {
    expect((await ask(ANA.id, 'summary week agents')).text).toContain('Summaries are for managers');
  });

  it('is explained in the help', async () => {
    const help = String((await ask(ANA.id, 'help')).text);
    expect(help).toContain('/ringback summary <period> agents');
    expect(help).toContain('/ringback export <period> [line]');
    expect(help).toContain('a missed call is a call nobody answered');
  });
});

describe('/ringback export week', () => {
  it('refuses anyone but a manager, and sends nothing', async () => {
    const uploads = h.fake.callsTo('files.getUploadURLExternal').length;
    const answer = await ask(ANA.id, 'export week');
    expect(answer.text).toContain('managers');
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(uploads);
  });

  it('says what is wrong with a line it does not know', async () => {
    expect((await ask(MANAGER, 'export week Nowhere')).text).toContain('no line named "Nowhere"');
  });

  it('sends the manager the CSV in a DM: one row per call, quoted, formulas neutralised', async () => {
    const answer = await ask(MANAGER, 'export week');
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toContain('is on its way');
    const dm = `D${MANAGER.slice(1)}`;
    await vi.waitFor(() => expect(h.fake.files.find((f) => f.filename.endsWith('.csv'))).toBeDefined(), WAIT);
    const file = h.fake.files.find((f) => f.filename.endsWith('.csv')) as FakeFile;
    expect(file.channel).toBe(dm);
    expect(file.filename).toMatch(/^ringback-calls-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parse(file.bytes.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.caller_name)).toContain(`'=HYPERLINK("x")`);
    expect(rows.map((r) => r.caller_name)).toContain('Bruno, "the caller"');
    expect(rows.find((r) => r.outcome === 'reached')?.claimed_by).toBe(ANA.realName);
    // The file's times carry each line's offset; the message says so, not "UTC".
    expect(file.initialComment).toContain("times in each line's time zone, with its offset");
    expect(h.fake.errors).toEqual([]);
  });
});

describe('/ringback export week, too large for chat', () => {
  // A Ringback of its own: the chat cap is fixed when Slack starts, and the harness above keeps the real one.
  // The cap lets the BOM and header through and not the first call.
  const cap = CSV_BOM.length + csvHeader().length;
  let smallDb: TestDatabase;
  let small: SlackHarness;

  beforeAll(async () => {
    smallDb = sqliteDatabase();
    small = await startSlackHarness({
      database: smallDb,
      routingYaml: SLACK_ROUTING_YAML,
      slack: { maxExportChars: cap },
    });
    small.fake.addUser(MIA);
    await openEpisode(small.ringback, { missedAt: small.ringback.clock.now() });
  });

  afterAll(async () => {
    await small?.stop();
    await smallDb?.drop();
  });

  it('tells the manager privately, with the way to the read API, when the export is too large for chat', async () => {
    const answer = await ask(MANAGER, 'export week', small);
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toContain('is on its way');
    const dm = `D${MANAGER.slice(1)}`;
    await vi.waitFor(
      () =>
        expect(small.logLines()).toContainEqual(
          expect.stringContaining(`slack: no export of week for ${MANAGER}`),
        ),
      WAIT,
    );
    const told = small.fake.messages(dm);
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toMatch(/^No export of week: that export is over \d+ characters/);
    expect(told[0]?.text).toContain(`over ${cap} characters`);
    expect(told[0]?.text).toContain('GET /api/export.csv');
    expect(small.fake.callsTo('conversations.open')[0]?.args.users).toBe(MANAGER);
    expect(small.fake.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    expect(small.fake.callsTo('files.completeUploadExternal')).toHaveLength(0);
    expect(small.fake.files).toEqual([]);
    expect(small.fake.errors).toEqual([]);
  });
});
