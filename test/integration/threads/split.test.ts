/**
 * The two halves of a split process (src/threads/split.ts) composed in one test, joined by a real
 * MessageChannel, on one SQLite file: what `npm start` runs, minus the worker thread itself (the spawn
 * test below and the kill drills run that).
 */
import { existsSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import type { Logger } from '../../../src/observability/logger.js';
import { registerProviders } from '../../../src/providers/register.js';
import { createRingback, type Ringback } from '../../../src/ringback.js';
import { InboxReader, inboxPathFor } from '../../../src/threads/inbox.js';
import { INBOX_CURSOR, InboxMover } from '../../../src/threads/inboxMover.js';
import { portLink } from '../../../src/threads/link.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { AIRCALL_FIXTURE_TOKEN, fixtures, shuffled } from '../ingest/support.js';

const API_TOKEN = 'read-api-token-for-tests';

/** The last inbox row moved, from the cursor (`<inbox id>:<row id>`). */
function movedMark(cursor: string | null | undefined): number {
  return Number(cursor?.split(':').at(-1) ?? 0);
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a process split in an answering half and a jobs half, on SQLite', () => {
  let database: TestDatabase;
  let channel: MessageChannel;
  let web: Ringback;
  let baseUrl: string;
  const jobsHalves: Ringback[] = [];
  const config = () =>
    testConfig({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN, RINGBACK_API_TOKEN: API_TOKEN },
    });

  const startJobsHalf = async (): Promise<Ringback> => {
    const jobs = await createRingback(config(), {
      role: 'jobs',
      link: portLink(channel.port2),
      adapters: [registerProviders],
      logger: memoryLogger().logger,
      runner: { pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 500 },
    });
    await jobs.startJobs();
    jobsHalves.push(jobs);
    return jobs;
  };

  beforeEach(async () => {
    database = sqliteDatabase();
    channel = new MessageChannel();
    web = await createRingback(config(), {
      role: 'web',
      link: portLink(channel.port1),
      adapters: [registerProviders],
      logger: memoryLogger().logger,
      port: 0,
      host: '127.0.0.1',
    });
    const http = await web.start();
    baseUrl = `http://127.0.0.1:${http.port}`;
  });

  afterEach(async () => {
    await web.stop();
    for (const jobs of jobsHalves.splice(0)) await jobs.stop().catch(() => undefined);
    channel.port1.close();
    channel.port2.close();
    await database.drop();
  });

  const post = (text: string) =>
    fetch(`${baseUrl}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
  const calls = async () =>
    (
      (await (
        await fetch(`${baseUrl}/api/calls`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
      ).json()) as { calls: Record<string, unknown>[] }
    ).calls;
  const aircallJobs = async () =>
    Number(
      (
        await web.store.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('kind', '=', 'aircall.event')
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('is not ready until its jobs half runs', async () => {
    const before = await fetch(`${baseUrl}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ error: 'starting', detail: 'the jobs thread is still starting' });
    await startJobsHalf();
    await eventually(async () => ((await fetch(`${baseUrl}/readyz`)).status === 200 ? true : undefined));
  });

  it('answers deliveries from its inbox, then the jobs half ingests them into one call', async () => {
    await startJobsHalf();
    const bodies = fixtures('aircall', 'missed-call').flatMap((f) => [f.text, f.text]);
    const answers: string[] = [];
    for (const text of shuffled(bodies, 7)) {
      const response = await post(text);
      expect(response.status).toBe(200);
      answers.push(((await response.json()) as { status: string }).status);
    }
    // A repeat is recognised at once, before anything was moved.
    expect(answers.filter((a) => a === 'accepted')).toHaveLength(6);
    expect(answers.filter((a) => a === 'duplicate')).toHaveLength(6);

    const [call] = await eventually(async () => {
      const listed = await calls();
      return listed.length === 1 && listed[0]?.state === 'open' && listed[0]?.missedAt ? listed : undefined;
    });
    expect(call).toEqual(
      expect.objectContaining({
        line: 'Support FR',
        caller: { number: '+33612345678', name: 'Marie Dupont' },
      }),
    );

    // The jobs half's counters reach /metrics on the answering half; /readyz hears its runner.
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      return /ringback_jobs_total\{kind="aircall.event",result="done"\} 6/.test(text) ? text : undefined;
    });
    expect(metrics).toContain(
      'ringback_webhook_requests_total{route="/webhooks/aircall",outcome="accepted"} 6',
    );
    expect(metrics.match(/^# TYPE ringback_jobs_total counter$/gm)).toHaveLength(1);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('moves what was accepted while no jobs half ran, exactly once, across a restart of the jobs half', async () => {
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    // Nothing reaches the jobs table without the jobs half.
    expect(await aircallJobs()).toBe(0);

    const first = await startJobsHalf();
    await eventually(async () => ((await calls()).length === 1 ? true : undefined));
    await first.stop();
    expect(movedMark(await web.store.cursors.get(INBOX_CURSOR))).toBe(6);

    // Accepted during the restart: the next half moves only these.
    for (const { text } of fixtures('aircall', 'missed-call-again'))
      expect((await post(text)).status).toBe(200);
    const again = fixtures('aircall', 'missed-call-again').length;
    await startJobsHalf();
    const [call] = await eventually(async () => {
      const listed = await calls();
      return listed[0]?.callCount === 2 ? listed : undefined;
    });
    expect(call).toEqual(expect.objectContaining({ callCount: 2 }));
    await eventually(async () =>
      movedMark(await web.store.cursors.get(INBOX_CURSOR)) === 6 + again ? true : undefined,
    );
    // Each delivery became one job (finished jobs leave the table; their dedupe keys stay).
    expect(await aircallKeys()).toBe(6 + again);
  });

  /** The Aircall deliveries' dedupe keys the jobs table holds. */
  async function aircallKeys(): Promise<number> {
    const kept = await web.store.db
      .selectFrom('job_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('key', 'like', 'aircall:%')
      .executeTakeFirstOrThrow();
    return Number(kept.n);
  }

  /** A mover of this test's inbox file on the answering half's store, closed after `use`; answers the file's id. */
  async function withMover(
    logger: Logger,
    told: number[],
    use: (mover: InboxMover) => Promise<void>,
  ): Promise<string> {
    const reader = new InboxReader(inboxPathFor((database.target as { path: string }).path));
    try {
      await use(
        new InboxMover({
          reader,
          store: web.store,
          clock: systemClock,
          logger,
          onMoved: (upTo) => told.push(upTo),
        }),
      );
      return reader.inboxId;
    } finally {
      reader.close();
    }
  }

  it('tells the answering half how far an earlier run moved, though nothing is left to move', async () => {
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    const first = await startJobsHalf();
    await eventually(async () =>
      movedMark(await web.store.cursors.get(INBOX_CURSOR)) === 6 ? true : undefined,
    );
    await first.stop();
    // A new jobs half with nothing to move: the answering half must still learn the mark, or the rows moved
    // before the restart are never pruned.
    const told: number[] = [];
    await withMover(memoryLogger().logger, told, async (mover) => {
      expect(await mover.moveOnce()).toBe(0);
      expect(await mover.moveOnce()).toBe(0);
    });
    expect(told).toEqual([6]);
  });

  it('moves from its start an inbox file made anew, though the cursor says more was moved', async () => {
    // The cursor of an earlier inbox file (the file deleted, or the database restored without it).
    await web.store.cursors.set(INBOX_CURSOR, '100', Date.now());
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    const logs = memoryLogger();
    const jobs = await createRingback(config(), {
      role: 'jobs',
      link: portLink(channel.port2),
      adapters: [registerProviders],
      logger: logs.logger,
      runner: { pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 500 },
    });
    await jobs.startJobs();
    jobsHalves.push(jobs);
    await eventually(async () => ((await calls()).length === 1 ? true : undefined));
    expect(movedMark(await web.store.cursors.get(INBOX_CURSOR))).toBe(6);
    expect(logs.lines()).toContainEqual(expect.stringContaining('the inbox file is new since the last move'));
  });

  it('says once, not at every poll, that a new and still empty inbox file replaces an earlier one', async () => {
    // What a start with one thread leaves (the inbox file deleted, the cursor kept), then two threads again.
    await web.store.cursors.set(INBOX_CURSOR, 'an-earlier-inbox-file:42', Date.now());
    const logs = memoryLogger();
    const inboxId = await withMover(logs.logger, [], async (mover) => {
      for (let poll = 0; poll < 3; poll++) expect(await mover.moveOnce()).toBe(0);
    });
    const said = logs.lines().filter((line) => line.includes('the inbox file is new since the last move'));
    expect(said).toHaveLength(1);
    expect(await web.store.cursors.get(INBOX_CURSOR)).toBe(`${inboxId}:0`);
  });

  it('moves every row of a new inbox file even when it has more rows than the old file’s cursor says', async () => {
    // The old file's cursor says 3 were moved; the new file already holds 6 (accepted before the jobs half
    // started): by ids alone, the first 3 would look moved and be lost.
    await web.store.cursors.set(INBOX_CURSOR, 'an-earlier-inbox-file:3', Date.now());
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    await startJobsHalf();
    await eventually(async () =>
      movedMark(await web.store.cursors.get(INBOX_CURSOR)) === 6 ? true : undefined,
    );
    expect(await aircallKeys()).toBe(6);
  });

  it('moves what waits in the inbox when the jobs half stops, before its store closes', async () => {
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    // A jobs half that never got to move anything (its loop not started) still moves it all on its way out.
    const jobs = await createRingback(config(), {
      role: 'jobs',
      link: portLink(channel.port2),
      adapters: [registerProviders],
      logger: memoryLogger().logger,
      manualJobs: true,
    });
    await jobs.stop();
    expect(movedMark(await web.store.cursors.get(INBOX_CURSOR))).toBe(6);
    expect(await aircallJobs()).toBe(6);
  });

  it('moves what a split process left in its inbox when the next start runs on one thread', async () => {
    for (const { text } of fixtures('aircall', 'missed-call')) expect((await post(text)).status).toBe(200);
    // The split process is killed before its jobs half moved anything; the next start runs on one thread.
    await web.stop();
    const single = await createRingback(config(), {
      adapters: [registerProviders],
      logger: memoryLogger().logger,
      port: 0,
      host: '127.0.0.1',
      runner: { pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 500 },
    });
    try {
      await single.start();
      await eventually(async () =>
        movedMark(await single.store.cursors.get(INBOX_CURSOR)) === 6 ? true : undefined,
      );
      const [episode] = await eventually(async () => {
        const listed = await single.store.episodes.list({ limit: 5 });
        return listed.length === 1 ? listed : undefined;
      });
      expect(episode).toBeDefined();
      // Its bodies (numbers, names) are in the jobs table now; the file no one would prune is gone.
      const inboxPath = inboxPathFor(database.target.dialect === 'sqlite' ? database.target.path : '');
      expect(existsSync(inboxPath)).toBe(false);
      expect(existsSync(`${inboxPath}-wal`)).toBe(false);
    } finally {
      // afterEach stops it.
      web = single;
    }
  });

  it('answers "duplicate" to a repeat of a delivery the inbox has long forgotten, and ingests it once', async () => {
    await startJobsHalf();
    const [first] = fixtures('aircall', 'missed-call');
    if (!first) throw new Error('fixture missing');
    expect(await (await post(first.text)).json()).toEqual(expect.objectContaining({ status: 'accepted' }));
    await eventually(async () =>
      movedMark(await web.store.cursors.get(INBOX_CURSOR)) === 1 ? true : undefined,
    );
    // What the answering half's pruning does to moved rows after INBOX_KEEP_MS.
    const inbox = new SQLite(inboxPathFor((database.target as { path: string }).path));
    inbox.prepare('delete from deliveries').run();
    inbox.close();

    expect(await (await post(first.text)).json()).toEqual(expect.objectContaining({ status: 'duplicate' }));
    await eventually(async () =>
      movedMark(await web.store.cursors.get(INBOX_CURSOR)) === 2 ? true : undefined,
    );
    expect(await aircallJobs()).toBe(0);
    expect(await aircallKeys()).toBe(1);
  });
});
