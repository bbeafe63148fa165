/**
 * POST /slack/events under 10,000 hostile requests, most signed with the signing secret (so they get past
 * the signature check into Bolt and Ringback's listeners): card clicks on a real card and on made-up ones,
 * `/ringback` commands, thread messages and other events, all mutated; random JSON; damaged bytes; and a
 * share with missing, forged or stale signatures. Replay a failure with FUZZ_SEED=<seed>.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEpisode } from '../../src/domain/episode.js';
import { EPISODE_STATES } from '../../src/domain/types.js';
import { createSlackAdapter } from '../../src/surfaces/slack/register.js';
import { HttpClient } from '../bench/lib/http.js';
import { Random, seedFrom } from '../bench/lib/random.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import type { StartedRingback } from '../helpers/ringback.js';
import { type FakeSlack, startFakeSlack } from '../mocks/fakeSlack.js';
import { blockActions, eventCallbackBody, slackSignature, slashCommandBody } from '../mocks/slackRequests.js';
import {
  CONTENT_TYPES,
  type FuzzCase,
  type FuzzReport,
  fuzzRoute,
  itSurvives,
  logReport,
} from './support/fuzz.js';
import { damageBytes, type Json, mutateJson, randomJson } from './support/mutate.js';
import { startFuzzedRingback } from './support/ringback.js';

const SECRET = 'fuzz-slack-signing-secret';
const SEED = seedFrom('FUZZ_SEED', 3104);
const PATH = '/slack/events';
const CHANNEL = 'C0123456789';
const FORM = 'application/x-www-form-urlencoded';
const ACTIONS = [
  'ringback.claim',
  'ringback.release',
  'ringback.callback',
  'ringback.resolve',
  'ringback.open_ticket',
  'other.button',
];

/** Slack's v0 signature over the exact bytes (damaged bodies need not be valid UTF-8). */
function sign(body: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const digest = createHmac('sha256', SECRET)
    .update(
      Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.isBuffer(body) ? body : Buffer.from(body)]),
    )
    .digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}

describe('POST /slack/events under hostile input', () => {
  let database: TestDatabase;
  let fake: FakeSlack;
  let ringback: StartedRingback;
  let report: FuzzReport;
  let card: { episodeId: string; ts: string };

  beforeAll(async () => {
    database = sqliteDatabase();
    fake = await startFakeSlack();
    ({ ringback } = await startFuzzedRingback({
      database,
      env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url },
      adapters: [createSlackAdapter({ retries: 0 })],
      routingYaml: `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: ${CHANNEL} }
    country: FR
`,
    }));
    card = await postedCard(ringback, fake);

    const makeCase = (index: number): FuzzCase => {
      const random = new Random((SEED * 1_000_003 + index) >>> 0);
      const user = random.bool(0.8)
        ? `UFUZZ${String(random.int(0, 30)).padStart(4, '0')}`
        : String(randomJson(random, 0));
      const episodeId = random.bool(0.6)
        ? card.episodeId
        : random.pick(['', 'nope', `${card.episodeId}x`, '00000000-0000-0000-0000-000000000000']);
      const roll = random.int(0, 99);
      if (roll < 35) {
        const actionId = random.pick(ACTIONS);
        const click = blockActions({
          userId: user,
          channel: CHANNEL,
          messageTs: card.ts,
          actionId,
          ...(actionId === 'ringback.resolve'
            ? {
                selectedValue: `${random.pick(['reached', 'voicemail', 'nope'])}:${episodeId}`,
                blockId: `ringback.actions:${episodeId}`,
              }
            : { value: episodeId }),
        }) as Json;
        const payload = random.bool(0.7)
          ? mutateJson(random, click, { keep: ['type'] })
          : mutateJson(random, click);
        const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
        return { body, headers: { 'content-type': FORM, ...sign(body) } };
      }
      if (roll < 50) {
        const fields = new URLSearchParams(
          slashCommandBody({
            text: random.pick([
              'summary today',
              'summary week',
              'help',
              '',
              'summary 2026-13-45',
              'x'.repeat(4000),
            ]),
            userId: user,
            channel: CHANNEL,
            responseUrl: random.pick([
              fake.responseUrl(`r${index}`),
              'https://evil.example/steal',
              'not a url',
            ]),
          }),
        );
        const drop = random.pick([...fields.keys(), 'none']);
        if (random.bool(0.4)) fields.delete(drop);
        if (random.bool(0.3)) fields.set(random.pick([...fields.keys()]), String(randomJson(random, 0)));
        const body = fields.toString();
        return { body, headers: { 'content-type': FORM, ...sign(body) } };
      }
      if (roll < 65) {
        const event = {
          type: 'message',
          channel: CHANNEL,
          user,
          text: random.pick(['Calling her back now', '<@U1> on it', '']),
          ts: `${Math.floor(Date.now() / 1000)}.${String(index).padStart(6, '0')}`,
          thread_ts: random.bool(0.7) ? card.ts : '1.1',
        };
        const envelope = JSON.parse(eventCallbackBody(event, `Ev${index}`)) as Json;
        const body = JSON.stringify(
          random.bool(0.7) ? mutateJson(random, envelope, { keep: ['type'] }) : mutateJson(random, envelope),
        );
        return { body, headers: { 'content-type': 'application/json', ...sign(body) } };
      }
      if (roll < 75) {
        const value = random.bool(0.3)
          ? { type: 'url_verification', challenge: randomJson(random, 1) }
          : randomJson(random, 4);
        const body = JSON.stringify(value);
        return { body, headers: { 'content-type': random.pick(['application/json', FORM]), ...sign(body) } };
      }
      if (roll < 90) {
        const body = damageBytes(
          random,
          `payload=${encodeURIComponent(JSON.stringify(blockActions({ userId: user, channel: CHANNEL, messageTs: card.ts, actionId: 'ringback.claim', value: episodeId })))}`,
        );
        return { body, headers: { 'content-type': random.pick(CONTENT_TYPES), ...sign(body) } };
      }
      const body = `payload=${encodeURIComponent(JSON.stringify(blockActions({ userId: user, channel: CHANNEL, messageTs: card.ts, actionId: 'ringback.claim', value: episodeId })))}`;
      const kind = random.int(0, 3);
      if (kind === 0) return { body, headers: { 'content-type': FORM } };
      if (kind === 1)
        return {
          body,
          headers: {
            'content-type': FORM,
            ...sign(body, Math.floor(Date.now() / 1000) - random.int(301, 86_400)),
          },
        };
      if (kind === 2) return { body, headers: { 'content-type': FORM, ...sign(`${body}x`) } };
      return {
        body,
        headers: {
          'content-type': FORM,
          'x-slack-request-timestamp': random.pick(['', 'abc', '-1', '99999999999999', String(Date.now())]),
          'x-slack-signature': random.pick(['', 'v0=', 'v1=abc', 'x'.repeat(3000)]),
        },
      };
    };
    // 64 connections, as on the other routes (384 at once left a few requests unanswered for 20 s under load:
    // docs/performance.md). Unhandled Slack payloads wait out Bolt's 3 s ack timer, hence the longer budget.
    report = await fuzzRoute({ baseUrl: ringback.baseUrl, path: PATH, make: makeCase, concurrency: 64 });
    logReport(PATH, SEED, report);
  }, 240_000);

  afterAll(async () => {
    await ringback?.stop();
    await fake?.close();
    await database?.drop();
  });

  itSurvives(() => report, SEED, { '200': 1_000, '401': 300 });

  it('keeps the card consistent: every change hostile clicks made is audited, by a Slack user', async () => {
    const audit = await ringback.store.audit.listForEpisode(card.episodeId);
    const episode = await ringback.store.episodes.get(card.episodeId);
    expect(EPISODE_STATES).toContain(episode?.state);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.filter((a) => a.actor?.surface !== 'slack')).toEqual([]);
  });

  describe('authentication', () => {
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [] }))}`;

    it('refuses an unsigned request', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const answer = await client.post(PATH, body, { 'content-type': FORM });
      client.close();
      expect(answer.status).toBe(401);
    });

    it('refuses forged signatures: another secret, another body', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const now = Math.floor(Date.now() / 1000);
      const answers = await Promise.all(
        [slackSignature('another-secret', now, body), slackSignature(SECRET, now, `${body}&x=1`)].map(
          (signature) =>
            client.post(PATH, body, {
              'content-type': FORM,
              'x-slack-request-timestamp': String(now),
              'x-slack-signature': signature,
            }),
        ),
      );
      client.close();
      expect(answers.map((a) => a.status)).toEqual([401, 401]);
    });

    it('refuses a captured request replayed more than 5 minutes later', async () => {
      const client = new HttpClient(ringback.baseUrl);
      const answer = await client.post(PATH, body, {
        'content-type': FORM,
        ...sign(body, Math.floor(Date.now() / 1000) - 6 * 60),
      });
      client.close();
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'stale_request' });
    });
  });
});

/** Opens one episode the way ingest does and waits for its card, so clicks can land on a real card. */
async function postedCard(
  ringback: StartedRingback,
  fake: FakeSlack,
): Promise<{ episodeId: string; ts: string }> {
  const now = Date.now();
  const episode = newEpisode({
    id: randomUUID(),
    line: 'Support FR',
    caller: { number: '+33612345678', name: 'Marie Dupont' },
    missedAt: now - 60_000,
  });
  await ringback.store.transaction(async (repos) => {
    await repos.episodes.insert(episode, {}, now);
    await repos.enqueue(
      ringback.commands.planEffects({
        episode,
        previous: null,
        events: [{ type: 'opened', at: episode.missedAt, providerCallKey: `fuzz:${episode.id}` }],
      }),
      now,
    );
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const post = await ringback.store.posts.get(episode.id, 'slack', CHANNEL);
    if (post && fake.message(CHANNEL, post.ref)) return { episodeId: episode.id, ts: post.ref };
    if (Date.now() > deadline) throw new Error('the card was never posted');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
