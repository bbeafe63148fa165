import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { PermanentFailure, RetryAfter } from '../../../src/jobs/runner.js';
import { AircallUsers } from '../../../src/providers/aircall/agents.js';
import { AircallApiError, AircallClient } from '../../../src/providers/aircall/client.js';
import {
  AIRCALL_COMMENT_JOB,
  AIRCALL_TAG_JOB,
  commentHandler,
  tagHandler,
  type WriteBackDeps,
} from '../../../src/providers/aircall/writeBack.js';
import { registerProviders } from '../../../src/providers/register.js';
import { VendorPolicy, VendorTimeout, vendorPolicies } from '../../../src/resilience/vendorPolicy.js';
import { openDatabase } from '../../../src/store/db.js';
import type { Job } from '../../../src/store/jobs.js';
import { Store } from '../../../src/store/store.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { actor, ana } from '../../helpers/episodes.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { type FakeAircall, startFakeAircall } from '../../mocks/fakeAircall.js';
import { AIRCALL_FIXTURE_TOKEN, fixtures } from '../ingest/support.js';

const USERS = [
  { id: 456001, name: 'Ana Lopez', email: 'ana@example.com' },
  { id: 456002, name: 'Ben Martin', email: 'ben@example.com' },
];
/** The Aircall call of the `missed-call` fixture. */
const MISSED_CALL_ID = 1873200101;
/** The Aircall calls of the fixtures these tests replay, which the fake Aircall must know to serve them. */
const FIXTURE_CALL_IDS = [MISSED_CALL_ID, 1873200177];

const isCommentPost = (method: string, path: string) => method === 'POST' && path.endsWith('/comments');

const routingYaml = (requestsPerMinute: number) => `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    country: FR
aircall:
  tagsOnResolve: [ringback_resolved]
  requestsPerMinute: ${requestsPerMinute}
`;

describe('Aircall write-back', () => {
  let database: TestDatabase;
  let fake: FakeAircall;
  let ringback: StartedRingback;

  async function start(
    options: { limit?: number; windowMs?: number; requestsPerMinute?: number; timeoutMs?: number } = {},
  ) {
    fake = await startFakeAircall({
      users: USERS,
      calls: FIXTURE_CALL_IDS,
      limit: options.limit,
      windowMs: options.windowMs,
    });
    database = sqliteDatabase();
    const config = testConfig({
      database,
      env: {
        AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
        AIRCALL_API_ID: fake.apiId,
        AIRCALL_API_TOKEN: fake.apiToken,
        AIRCALL_API_URL: fake.url,
      },
      routingYaml: routingYaml(options.requestsPerMinute ?? 600),
    });
    ringback = await startRingback(config, {
      adapters: [registerProviders],
      manualJobs: true,
      ...(options.timeoutMs === undefined ? {} : { vendors: { aircall: { timeoutMs: options.timeoutMs } } }),
    });
  }

  afterEach(async () => {
    await ringback?.stop();
    await fake?.stop();
    await database?.drop();
    vendorPolicies.reset();
  });

  async function missedEpisode(folders = ['missed-call']): Promise<string> {
    for (const folder of folders) {
      for (const { text } of fixtures('aircall', folder)) {
        await fetch(`${ringback.baseUrl}/webhooks/aircall`, { method: 'POST', body: text });
      }
    }
    await ringback.runner.drain();
    const [episode] = await ringback.store.episodes.list();
    if (!episode) throw new Error('no episode');
    return episode.id;
  }

  const comments = () =>
    fake.accepted('POST', /^\/v1\/calls\/\d+\/comments$/).map((r) => ({ path: r.path, body: r.body }));

  /** Runs the jobs, retries included (they come back after a short backoff), until none of `kind` is left. */
  async function runUntilNone(kind: string): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await ringback.runner.drain();
      const left = [
        ...(await ringback.store.jobs.list({ kind, status: 'pending' })),
        ...(await ringback.store.jobs.list({ kind, status: 'running' })),
      ];
      if (left.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${kind} jobs still waiting`);
  }

  /** What Ringback sent about Aircall calls (not users or numbers), with the status Aircall answered. */
  const callRequests = () =>
    fake.requests
      .filter((r) => r.path.startsWith('/v1/calls/'))
      .map((r) => `${r.method} ${r.path} ${r.status}`);

  describe('when a card is claimed and resolved', () => {
    beforeEach(() => start());

    it('comments on the Aircall call who claimed it, then the outcome, and tags it', async () => {
      const id = await missedEpisode();
      await runCommand(ringback.commands, id, { type: 'claim', actor: ana, at: Date.now() });
      await ringback.runner.drain();
      expect(comments()).toEqual([
        { path: '/v1/calls/1873200101/comments', body: { content: 'Claimed by Ana (Slack)' } },
      ]);

      await runCommand(ringback.commands, id, {
        type: 'resolve',
        actor: ana,
        at: Date.now(),
        outcome: 'no_answer',
        asManager: false,
      });
      await ringback.runner.drain();
      expect(comments().at(-1)).toEqual({
        path: '/v1/calls/1873200101/comments',
        body: { content: 'Resolved by Ana (Slack): No answer' },
      });
      expect(fake.accepted('POST', /\/tags$/).map((r) => r.body)).toEqual([{ tags: ['ringback_resolved'] }]);
    });

    it('comments on every Aircall call of the episode', async () => {
      const id = await missedEpisode(['missed-call', 'missed-call-again']);
      await runCommand(ringback.commands, id, {
        type: 'claim',
        actor: actor('Ben', 'teams'),
        at: Date.now(),
      });
      await ringback.runner.drain();
      expect(
        comments()
          .map((c) => c.path)
          .sort(),
      ).toEqual(['/v1/calls/1873200101/comments', '/v1/calls/1873200177/comments']);
      expect(comments()[0]?.body).toEqual({ content: 'Claimed by Ben (Teams)' });
    });
  });

  describe('when a comment is retried', () => {
    // Production waits 10 s for Aircall's answer; a lost answer is given up on sooner here.
    beforeEach(() => start({ timeoutMs: 300 }));

    it('does not write the comment twice when Aircall stored it but the answer came too late', async () => {
      const id = await missedEpisode();
      fake.hangNextAnswer(isCommentPost, { answerAfterMs: 1_000 });
      await runCommand(ringback.commands, id, { type: 'claim', actor: ana, at: Date.now() });
      await runUntilNone(AIRCALL_COMMENT_JOB);

      expect(fake.call(MISSED_CALL_ID).comments.map((comment) => comment.content)).toEqual([
        'Claimed by Ana (Slack)',
      ]);
      expect(callRequests()).toEqual([
        `POST /v1/calls/${MISSED_CALL_ID}/comments 201`,
        `GET /v1/calls/${MISSED_CALL_ID} 200`,
      ]);
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
    });

    it('writes the comment on its first attempt without reading the call first', async () => {
      const id = await missedEpisode();
      await runCommand(ringback.commands, id, { type: 'claim', actor: ana, at: Date.now() });
      await runUntilNone(AIRCALL_COMMENT_JOB);

      expect(callRequests()).toEqual([`POST /v1/calls/${MISSED_CALL_ID}/comments 201`]);
      expect(fake.call(MISSED_CALL_ID).comments).toHaveLength(1);
    });

    it('posts the comment on the retry when the failed attempt stored nothing', async () => {
      const id = await missedEpisode();
      fake.answerNext(isCommentPost, 503, { error: 'Service Unavailable', troubleshoot: 'try again later' });
      await runCommand(ringback.commands, id, { type: 'claim', actor: ana, at: Date.now() });
      await runUntilNone(AIRCALL_COMMENT_JOB);

      expect(callRequests()).toEqual([
        `POST /v1/calls/${MISSED_CALL_ID}/comments 503`,
        `GET /v1/calls/${MISSED_CALL_ID} 200`,
        `POST /v1/calls/${MISSED_CALL_ID}/comments 201`,
      ]);
      expect(fake.call(MISSED_CALL_ID).comments.map((comment) => comment.content)).toEqual([
        'Claimed by Ana (Slack)',
      ]);
    });
  });

  describe('when an agent starts the call back', () => {
    beforeEach(() => start());

    it("dials the caller on the agent's Aircall Phone", async () => {
      const id = await missedEpisode();
      await runCommand(ringback.commands, id, { type: 'callback', actor: ana, at: Date.now() });
      await ringback.runner.drain();
      expect(fake.accepted('POST', /\/dial$/).map((r) => ({ path: r.path, body: r.body }))).toEqual([
        { path: '/v1/users/456001/dial', body: { to: '+33612345678' } },
      ]);
    });

    it('dials nothing for an agent who has no Aircall user', async () => {
      const id = await missedEpisode();
      await runCommand(ringback.commands, id, { type: 'callback', actor: actor('Zoe'), at: Date.now() });
      await ringback.runner.drain();
      expect(fake.accepted('POST', /\/dial$/)).toEqual([]);
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
    });
  });

  describe('when Aircall answers 429', () => {
    beforeEach(() => start({ limit: 1, windowMs: 1_000 }));

    it('delays the requests until X-AircallApi-Reset instead of failing them', async () => {
      const id = await missedEpisode(['missed-call', 'missed-call-again']);
      // Another integration of the company spends the window first.
      await fetch(`${fake.url}/v1/ping`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${fake.apiId}:${fake.apiToken}`).toString('base64')}`,
        },
      });
      await runCommand(ringback.commands, id, { type: 'claim', actor: ana, at: Date.now() });
      await ringback.runner.drain();
      expect(fake.rateLimited().length).toBeGreaterThan(0);
      const waiting = await ringback.store.jobs.list({ kind: 'aircall.comment', status: 'pending' });
      expect(waiting).toHaveLength(2);
      expect(waiting.map((job) => job.attempts)).toEqual([0, 0]);

      // Run what is due as the windows reset: both comments get through, one window each.
      for (let round = 0; round < 100 && comments().length < 2; round++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await ringback.runner.drain();
      }
      expect(comments()).toHaveLength(2);
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
    });
  });
});

describe('the Aircall API client', () => {
  let fake: FakeAircall;
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    fake = await startFakeAircall({ users: USERS });
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    await fake.stop();
    await database.drop();
  });

  const client = (overrides: Partial<ConstructorParameters<typeof AircallClient>[0]> = {}) =>
    new AircallClient({
      apiId: fake.apiId,
      apiToken: fake.apiToken,
      baseUrl: fake.url,
      requestsPerMinute: 60,
      clock: systemClock,
      ...overrides,
    });

  it('keeps to its own per-minute budget without sending the request over it', async () => {
    const limited = client({ requestsPerMinute: 2 });
    await limited.comment('1', 'one');
    await limited.comment('1', 'two');
    await expect(limited.comment('1', 'three')).rejects.toBeInstanceOf(RetryAfter);
    expect(fake.requests).toHaveLength(2);
  });

  it('stops asking once Aircall says the window is spent', async () => {
    fake.limit = 1;
    const api = client();
    await api.comment('1', 'one'); // answered with X-AircallApi-Remaining: 0
    await expect(api.comment('1', 'two')).rejects.toBeInstanceOf(RetryAfter);
    expect(fake.requests).toHaveLength(1);
  });

  it('waits for the reset Aircall names after a 429', async () => {
    fake.limit = 1;
    // Another replica (or integration) spent the company's window.
    await client().comment('1', 'elsewhere');
    const api = client();
    const error = await api.comment('1', 'two').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryAfter);
    expect((error as RetryAfter).delayMs).toBeGreaterThanOrEqual(1_000);
    expect(fake.rateLimited()).toHaveLength(1);
    // Until the reset it does not even ask.
    await expect(api.comment('1', 'three')).rejects.toBeInstanceOf(RetryAfter);
    expect(fake.requests).toHaveLength(2);
  });

  it('retries refused credentials: the key is wrong (rotated), not the request, so the comment is not lost', async () => {
    const error = await client({ apiToken: 'wrong' })
      .comment('1', 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AircallApiError);
    expect(error).not.toBeInstanceOf(PermanentFailure);
    expect((error as AircallApiError).status).toBe(403);
    // Once the key is fixed, the job's retry goes through.
    await expect(client().comment('1', 'x')).resolves.not.toThrow();
  });

  it('gives up on a comment Aircall stored but never answered, as a timeout', async () => {
    fake.hangNextAnswer(isCommentPost);
    const api = client({ policy: new VendorPolicy('aircall', { timeoutMs: 200 }) });
    await expect(api.comment('1', 'one')).rejects.toBeInstanceOf(VendorTimeout);
    expect(fake.call(1).comments.map((comment) => comment.content)).toEqual(['one']);
  });

  it('lists a company with more pages than one minute of budget, going on where the budget cut it', async () => {
    fake.users = Array.from({ length: 61 * 50 }, (_, i) => ({
      id: 1000 + i,
      name: `Agent ${i}`,
      email: `agent${i}@example.com`,
    }));
    fake.limit = 100_000; // only our own budget of 60 a minute counts here
    const clock = new ManualClock(Date.now());
    const api = client({ clock, requestsPerMinute: 60 });
    let cut = 0;
    let listed: Awaited<ReturnType<AircallClient['listUsers']>> | null = null;
    while (listed === null && cut < 5) {
      try {
        listed = await api.listUsers();
      } catch (error) {
        expect(error).toBeInstanceOf(RetryAfter);
        cut++;
        clock.advance((error as RetryAfter).delayMs); // the job comes back when the budget has room
      }
    }
    expect(cut).toBeGreaterThan(0);
    expect(listed).toHaveLength(61 * 50);
    expect(new Set(listed?.map((user) => user.id)).size).toBe(61 * 50);
    const pages = fake.requests.filter((r) => r.path.startsWith('/v1/users')).map((r) => r.path);
    expect(pages).toHaveLength(61);
    expect(new Set(pages).size).toBe(61);
  });

  it('finds users by email through one cached listing', async () => {
    fake.users = Array.from({ length: 60 }, (_, i) => ({
      id: 1000 + i,
      name: `Agent ${i}`,
      email: `agent${i}@example.com`,
    }));
    const users = new AircallUsers({ store, clock: systemClock, client: client() });
    expect(await users.byEmail('AGENT55@example.com')).toEqual({ id: '1055', name: 'Agent 55' });
    expect(await users.byEmail('agent3@example.com')).toEqual({ id: '1003', name: 'Agent 3' });
    expect(await users.byEmail('nobody@example.com')).toBeNull();
    const listings = fake.requests.filter((r) => r.path.startsWith('/v1/users'));
    // Two pages for the first lookup, one more listing for the unknown email, then the cache answers.
    expect(listings.map((r) => r.path)).toEqual([
      '/v1/users?page=1&per_page=50',
      '/v1/users?page=2&per_page=50',
      '/v1/users?page=1&per_page=50',
      '/v1/users?page=2&per_page=50',
    ]);
    expect(await users.byEmail('nobody@example.com')).toBeNull();
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/users'))).toHaveLength(4);
  });
});

describe('a retried Aircall write-back job', () => {
  let fake: FakeAircall;
  let database: TestDatabase;
  let store: Store;
  let deps: WriteBackDeps;

  beforeEach(async () => {
    fake = await startFakeAircall({ users: USERS, calls: [MISSED_CALL_ID] });
    database = sqliteDatabase();
    store = new Store(openDatabase(database.target));
    await store.migrate();
    deps = {
      store,
      clock: systemClock,
      logger: memoryLogger().logger,
      client: new AircallClient({
        apiId: fake.apiId,
        apiToken: fake.apiToken,
        baseUrl: fake.url,
        requestsPerMinute: 60,
        clock: systemClock,
      }),
      findUser: async () => null,
    };
  });

  afterEach(async () => {
    await store.close();
    await fake.stop();
    await database.drop();
  });

  /** The second attempt of a job created `createdAt`: the first may have reached Aircall. */
  const secondAttempt = (kind: string, payload: unknown, createdAt = Date.now()): Job => ({
    id: 1,
    kind,
    payload,
    attempts: 2,
    maxAttempts: 12,
    runAt: createdAt,
    createdAt,
    queueKey: null,
  });
  const callId = String(MISSED_CALL_ID);
  const writes = () => fake.requests.filter((r) => r.method === 'POST');

  it('writes a comment identical to one posted before the job existed (the same note, meant twice)', async () => {
    fake.call(MISSED_CALL_ID).comments.push({
      id: 1,
      content: 'Claimed by Ana (Slack)',
      posted_at: Math.floor(Date.now() / 1000) - 3_600,
      posted_by: null,
    });
    const payload = { callId, content: 'Claimed by Ana (Slack)' };
    await commentHandler(deps)(payload, secondAttempt(AIRCALL_COMMENT_JOB, payload));
    expect(fake.call(MISSED_CALL_ID).comments).toHaveLength(2);
  });

  it('fails for a retry, without writing, when Aircall answers the call in an unexpected shape', async () => {
    fake.answerNext((method) => method === 'GET', 200, { call: { id: MISSED_CALL_ID, comments: 'none' } });
    const payload = { callId, content: 'Claimed by Ana (Slack)' };
    const error = await commentHandler(deps)(payload, secondAttempt(AIRCALL_COMMENT_JOB, payload)).catch(
      (e: unknown) => e,
    );
    // A plain error: the runner retries it (a PermanentFailure or a RetryAfter would not count the attempt).
    expect(error).toBeInstanceOf(AircallApiError);
    expect(error).not.toBeInstanceOf(PermanentFailure);
    expect((error as Error).message).toMatch(/get_call .*unexpected body.*call\.comments/);
    expect(writes()).toEqual([]);
  });

  it('gives up for good, without writing, when the call is gone', async () => {
    const payload = { callId: '1873299999', content: 'Claimed by Ana (Slack)' };
    await expect(
      commentHandler(deps)(payload, secondAttempt(AIRCALL_COMMENT_JOB, payload)),
    ).rejects.toBeInstanceOf(PermanentFailure);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /v1/calls/1873299999 404',
    ]);
  });

  it('adds on a retry only the tags the call does not have yet', async () => {
    fake.tags.push({ id: 7100, name: 'ringback_resolved' }, { id: 7101, name: 'callback_done' });
    await deps.client.tag(callId, ['ringback_resolved']);
    const payload = { callId, tags: ['ringback_resolved', 7101] };
    await tagHandler(deps)(payload, secondAttempt(AIRCALL_TAG_JOB, payload));

    expect(writes().map((r) => r.body)).toEqual([{ tags: ['ringback_resolved'] }, { tags: [7101] }]);
    expect(fake.call(MISSED_CALL_ID).tags.map((tag) => tag.name)).toEqual([
      'ringback_resolved',
      'callback_done',
    ]);
  });

  it('does not tag again on a retry when every tag is already on the call', async () => {
    await deps.client.tag(callId, ['ringback_resolved']);
    const payload = { callId, tags: ['ringback_resolved'] };
    await tagHandler(deps)(payload, secondAttempt(AIRCALL_TAG_JOB, payload));
    expect(writes()).toHaveLength(1);
  });
});
