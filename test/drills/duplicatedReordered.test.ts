/**
 * Drill: Aircall delivers at least once and in any order. Every documented scenario (test/fixtures/aircall)
 * is delivered once in order to one Ringback, and shuffled, each delivery repeated up to three times and
 * sent eight at a time to another. Both end in the same state — same calls, same cards, same outcomes —
 * and neither posts a card twice.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRCALL_EVENT_JOB } from '../../src/providers/aircall/webhook.js';
import { registerProviders } from '../../src/providers/register.js';
import { createSlackAdapter } from '../../src/surfaces/slack/register.js';
import { waitUntil } from '../bench/lib/context.js';
import { HttpClient, pool } from '../bench/lib/http.js';
import { Random, seedFrom } from '../bench/lib/random.js';
import { testConfig } from '../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../helpers/ringback.js';
import { AIRCALL_FIXTURE_TOKEN, FIXTURES, fixtures } from '../integration/ingest/support.js';
import { type FakeSlack, startFakeSlack } from '../mocks/fakeSlack.js';

const SEED = seedFrom('DRILL_SEED', 4104);
const scenarios = readdirSync(join(FIXTURES, 'aircall'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const inOrder = scenarios.flatMap((scenario) => fixtures('aircall', scenario).map((f) => f.text));

interface Side {
  database: TestDatabase;
  fake: FakeSlack;
  ringback: StartedRingback;
}

async function startSide(): Promise<Side> {
  const database = sqliteDatabase();
  const fake = await startFakeSlack();
  const config = testConfig({
    database,
    env: {
      AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: 'drill-signing-secret',
      SLACK_API_URL: fake.url,
    },
  });
  const ringback = await startRingback(config, {
    logger: memoryLogger(config.secrets, 'info').logger,
    adapters: [registerProviders, createSlackAdapter({ retries: 0 })],
  });
  return { database, fake, ringback };
}

async function settle(side: Side): Promise<void> {
  await waitUntil(
    async () => {
      const jobs = await side.ringback.store.jobs.list({ kind: AIRCALL_EVENT_JOB });
      // A completed job is deleted: what is left must be dead.
      return jobs.every((j) => j.status === 'dead');
    },
    20_000,
    50,
  );
  const episodes = await side.ringback.store.episodes.list();
  await waitUntil(
    async () => {
      const posts = await side.ringback.store.posts.listForEpisodes(episodes.map((e) => e.id));
      return posts.length >= episodes.length;
    },
    20_000,
    100,
  );
}

/** What a team would see: each call's card state, independent of ids and of the order things happened in. */
async function outcome(side: Side) {
  const episodes = await side.ringback.store.episodes.list();
  return episodes
    .map((e) => ({
      line: e.line,
      caller: e.caller.number ?? 'withheld',
      name: e.caller.name,
      state: e.state,
      calls: e.callCount,
      outcome: e.outcome,
      autoResolved: e.autoResolved,
      missedAt: e.missedAt,
    }))
    .sort((a, b) => `${a.caller}${a.missedAt}`.localeCompare(`${b.caller}${b.missedAt}`));
}

function cardsPerEpisode(fake: FakeSlack): number[] {
  const counts = new Map<string, number>();
  for (const call of fake.calls) {
    if (!call.ok || call.method !== 'chat.postMessage' || call.args.thread_ts !== undefined) continue;
    const id = /ringback\.title:([0-9a-f-]{36})/.exec(JSON.stringify(call.args.blocks ?? []))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe('duplicated and reordered Aircall deliveries', () => {
  let reference: Side;
  let chaos: Side;
  let sentToChaos = 0;

  beforeAll(async () => {
    [reference, chaos] = await Promise.all([startSide(), startSide()]);
    const ordered = new HttpClient(reference.ringback.baseUrl, { maxSockets: 1 });
    for (const body of inOrder) {
      const answer = await ordered.post('/webhooks/aircall', body);
      if (answer.status !== 200)
        throw new Error(`in-order delivery refused: ${answer.status} ${answer.body}`);
    }
    ordered.close();

    const random = new Random(SEED);
    const shuffled = random.shuffle(
      inOrder.flatMap((body) => Array.from({ length: random.int(1, 3) }, () => body)),
    );
    sentToChaos = shuffled.length;
    const client = new HttpClient(chaos.ringback.baseUrl, { maxSockets: 8 });
    const answers = await pool(shuffled, 8, (body) => client.post('/webhooks/aircall', body));
    client.close();
    const refused = answers.filter((a) => a.status !== 200);
    if (refused.length > 0)
      throw new Error(`chaos deliveries refused: ${refused.map((a) => a.status).join(', ')}`);
    await Promise.all([settle(reference), settle(chaos)]);
  }, 50_000);

  afterAll(async () => {
    for (const side of [reference, chaos]) {
      await side?.ringback.stop();
      await side?.fake.close();
      await side?.database.drop();
    }
  });

  it(`ends in the same state as in-order delivery (${inOrder.length} deliveries, seed ${SEED})`, async () => {
    expect(sentToChaos).toBeGreaterThan(inOrder.length);
    const expected = await outcome(reference);
    expect(expected.length).toBeGreaterThan(3);
    expect(await outcome(chaos)).toEqual(expected);
  });

  it('stores each provider call once, however often it was delivered', async () => {
    const keys = async (side: Side) =>
      (await side.ringback.store.db.selectFrom('provider_calls').select('key').orderBy('key').execute()).map(
        (r) => r.key,
      );
    expect(await keys(chaos)).toEqual(await keys(reference));
  });

  it('posts exactly one card per episode on both sides', async () => {
    const episodes = (await chaos.ringback.store.episodes.list()).length;
    expect(cardsPerEpisode(chaos.fake)).toEqual(Array.from({ length: episodes }, () => 1));
    expect(cardsPerEpisode(reference.fake)).toEqual(Array.from({ length: episodes }, () => 1));
  });

  it('leaves no job dead', async () => {
    expect(await chaos.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
    expect(await reference.ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
  });
});
