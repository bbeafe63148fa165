import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyCommandIn } from '../../../src/app/commands.js';
import {
  JOB_RETENTION,
  PURGED_WHAT,
  type Purger,
  purgeRound,
  standardPurgers,
} from '../../../src/app/retention.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { RetentionSchedule } from '../../../src/retention/register.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import { openDatabase } from '../../../src/store/db.js';
import type { ProviderCall } from '../../../src/store/providerCalls.js';
import { Store } from '../../../src/store/store.js';
import { reassignChoicesFor } from '../../../src/surfaces/teams/reassign.js';
import { testConfig } from '../../helpers/config.js';
import { databaseKinds, sqliteDatabase, useStore } from '../../helpers/databases.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { memoryLogger, startRingback } from '../../helpers/ringback.js';

const kinds = await databaseKinds();

const DAY = 24 * 60 * 60 * 1000;
const RETENTION = 400 * DAY;
const LATER = T0 + RETENTION + DAY;

const oldDetails = {
  lineNumber: '+33 1 76 36 06 95',
  callerCountry: 'FR',
  calls: [
    { key: 'aircall:1', at: T0, reason: 'no_available_agent', waitedSeconds: 42 },
    { key: 'aircall:2', at: T0 + 60_000, reason: 'abandoned_in_ivr', waitedSeconds: 5 },
  ],
  rang: ['Ana', 'Ben'],
  voicemail: { url: 'https://voicemail.example.com/vm/1.mp3', durationSeconds: 31, at: T0 + 60_000 },
  transcript: 'Hi, this is Marie Dupont, please call me back on 06 12 34 56 78',
  summary: 'Marie wants a refund',
  requester: { id: 77, name: 'Marie Dupont' },
  outOfHours: false,
  callbackNumber: '+33612345678',
};

function providerCall(key: string, overrides: Partial<ProviderCall> = {}): ProviderCall {
  return {
    key,
    provider: 'aircall',
    providerCallId: key.split(':')[1] ?? key,
    episodeId: 'old',
    direction: 'inbound',
    fromNumber: '+33176360695',
    line: 'Support FR',
    startedAt: T0,
    endedAt: T0 + 30_000,
    answered: false,
    missedReason: 'no_available_agent',
    data: {
      provider: 'aircall',
      providerCallId: '1',
      direction: 'inbound',
      ended: true,
      answered: false,
      externalNumber: '+33176360695',
      externalNumberRaw: '+33 1 76 36 06 95',
      externalName: 'Marie Dupont',
      startedAt: T0,
      endedAt: T0 + 30_000,
      voicemail: { url: 'https://voicemail.example.com/vm/1.mp3', durationSeconds: 31 },
      transcript: 'call me back',
      summary: null,
      legs: [],
      occurredAt: T0,
      events: ['call.ended'],
      stamps: {},
    },
    ...overrides,
  };
}

/**
 * Dead jobs as the runner leaves them, written in one statement (a backlog needs no runner); `queuedAt` when
 * the job was retried or held back for a while before it died at `at`.
 */
async function deadJob(store: Store, at: number, n = 1, queuedAt = at): Promise<void> {
  await store.db
    .insertInto('jobs')
    .values(
      Array.from({ length: n }, (_, i) => ({
        kind: 'test.dead',
        payload: JSON.stringify({ i }),
        status: 'dead',
        run_at: at,
        attempts: 1,
        max_attempts: 12,
        created_at: queuedAt,
        updated_at: at,
        queue_key: null,
      })),
    )
    .execute();
}

describe.each(kinds)('retention on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;
  const { logger } = memoryLogger();

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  // A generous budget: these tests are about what is purged, not about how a round is cut short.
  const round = (now: number, purgers = standardPurgers(store, RETENTION)) =>
    purgeRound(purgers, { clock: new ManualClock(now), logger, budgetMs: 60_000 });

  describe('jobs', () => {
    it('deletes dead jobs (webhook bodies with callers’ numbers) at a call retention shorter than two weeks', async () => {
      await deadJob(store, T0);
      const week = 7 * DAY;
      expect((await round(T0 + week - 1, standardPurgers(store, week))).purged.jobs_dead ?? 0).toBe(0);
      expect((await round(T0 + week + 1, standardPurgers(store, week))).purged).toMatchObject({
        jobs_dead: 1,
      });
      expect(await store.jobs.countByStatus()).toMatchObject({ dead: 0 });
    });

    it('deletes a dead job at the call retention counted from when it was queued, however late it died', async () => {
      // Queued with the caller's number, held back by Retry-After for three days, then dead: counted from
      // its death it kept the number three days past the retention of the call it came with.
      await deadJob(store, T0 + 3 * DAY, 1, T0);
      const week = 7 * DAY;
      expect((await round(T0 + week - 1, standardPurgers(store, week))).purged.jobs_dead ?? 0).toBe(0);
      expect((await round(T0 + week + 1, standardPurgers(store, week))).purged).toMatchObject({
        jobs_dead: 1,
      });
      expect(await store.jobs.countByStatus()).toMatchObject({ dead: 0 });
    });

    it('deletes dead jobs after two weeks, never pending ones', async () => {
      await deadJob(store, T0);
      await deadJob(store, T0 + DAY);
      await store.jobs.enqueue([{ kind: 'test.pending', payload: null, runAt: T0 }], T0);

      const { purged } = await round(T0 + JOB_RETENTION.deadMs + 1);
      expect(purged).toMatchObject({ jobs_dead: 1 });
      expect(await store.jobs.countByStatus()).toMatchObject({ dead: 1, pending: 1 });

      await round(T0 + DAY + JOB_RETENTION.deadMs + 1);
      expect(await store.jobs.countByStatus()).toMatchObject({ dead: 0, pending: 1 });
    });

    it('deletes a backlog in batches of 500, one statement each', async () => {
      await deadJob(store, T0, 1_200);
      const calls: number[] = [];
      const counting: Purger = {
        name: 'jobs_dead',
        run: async (now) => {
          const n = await store.finishedJobs.purgeDead(
            { diedBefore: now - JOB_RETENTION.deadMs, queuedBefore: now - RETENTION },
            500,
          );
          calls.push(n);
          return n;
        },
      };
      const result = await round(T0 + 2 * JOB_RETENTION.deadMs, [counting]);
      expect(calls).toEqual([500, 500, 200]);
      expect(result).toEqual({ purged: { jobs_dead: 1_200 }, more: false });
      expect((await store.jobs.countByStatus()).dead).toBe(0);
    });

    it("keeps a finished job's dedupe key for the call retention, then lets it be used again", async () => {
      await store.jobs.enqueue([{ kind: 'test.once', payload: 1, dedupeKey: 'old' }], T0);
      await store.jobs.enqueue([{ kind: 'test.once', payload: 2, dedupeKey: 'recent' }], LATER - DAY);
      for (const job of await store.jobs.take('w', 10, 1_000, LATER - DAY))
        expect(await store.jobs.complete(job.id, 'w')).toBe(true);
      expect(await store.jobs.list()).toEqual([]);

      const { purged } = await round(LATER);
      expect(purged.job_keys).toBe(1);
      const again = (key: string) =>
        store.jobs.enqueue([{ kind: 'test.once', payload: 3, dedupeKey: key }], LATER);
      expect(await again('recent')).toBe(0);
      expect(await again('old')).toBe(1);
    });
  });

  it('forgets a webhook body’s dedupe key after a week, and an episode’s keys only at the retention', async () => {
    const aWeek = JOB_RETENTION.shortLivedKeysMs;
    await store.jobs.enqueue(
      [
        { kind: 'aircall.ingest', payload: 1, dedupeKey: 'aircall:0f1e2d' },
        { kind: 'generic.ingest', payload: 2, dedupeKey: 'generic:a1b2c3' },
        { kind: 'aircall.availability_refresh', payload: 3, dedupeKey: 'aircall.availability:6000' },
        { kind: 'aircall.comment', payload: 4, dedupeKey: 'aircall.comment:17:123' },
        { kind: 'slack.line', payload: 5, dedupeKey: 'slack.line:ep-1:3' },
      ],
      T0,
    );
    for (const job of await store.jobs.take('w', 10, 1_000, T0)) await store.jobs.complete(job.id, 'w');

    expect((await round(T0 + aWeek - 1)).purged.webhook_keys ?? 0).toBe(0);
    expect((await round(T0 + aWeek + 1)).purged.webhook_keys).toBe(3);
    const known = await store.finishedJobs.knownKeys([
      'aircall:0f1e2d',
      'generic:a1b2c3',
      'aircall.availability:6000',
      'aircall.comment:17:123',
      'slack.line:ep-1:3',
    ]);
    expect([...known].sort()).toEqual(['aircall.comment:17:123', 'slack.line:ep-1:3']);
  });

  describe('cards a surface refused', () => {
    it('keeps a refused card two weeks to say why it is missing, never a card still waiting', async () => {
      const refused = { episodeId: 'ep-refused', surface: 'slack', channel: 'C1' };
      const waiting = { episodeId: 'ep-waiting', surface: 'slack', channel: 'C1' };
      await store.cardQueue.queue([refused, waiting], T0);
      await store.cardQueue.fail(refused, 'channel_not_found', T0);

      expect((await round(T0 + JOB_RETENTION.failedCardMs - 1)).purged.cards_failed).toBe(0);
      expect(await store.cardQueue.get(refused)).not.toBeNull();

      expect((await round(T0 + JOB_RETENTION.failedCardMs + 1)).purged.cards_failed).toBe(1);
      expect(await store.cardQueue.get(refused)).toBeNull();
      expect(await store.cardQueue.get(waiting)).toMatchObject({ failedAt: null });
    });
  });

  describe('cards already posted', () => {
    it('deletes the queued rows of cards whose post is stored, never a card still waiting', async () => {
      const posted = { episodeId: 'ep-posted', surface: 'slack', channel: 'C1' };
      const waiting = { episodeId: 'ep-waiting', surface: 'slack', channel: 'C1' };
      await store.cardQueue.queue([posted, waiting], T0);
      // Left by a version that queued a posted card again: its lane never posts nor removes the row.
      await store.posts.upsert({ ...posted, ref: '1.1', threadRef: '1.1' }, T0 + 1);

      expect((await round(T0 + 2)).purged.cards_posted).toBe(1);
      expect(await store.cardQueue.get(posted)).toBeNull();
      expect(await store.cardQueue.get(waiting)).toMatchObject({ failedAt: null });
    });
  });

  describe('markers and caches', () => {
    it('forgets delivery markers past the retention and keeps recent ones', async () => {
      await store.deliveries.recordOnce('ringback.summary', 'daily:2026-11-20', T0);
      await store.deliveries.recordOnce('ringback.summary', 'daily:2027-12-20', LATER - DAY);
      const { purged } = await round(LATER);
      expect(purged.deliveries).toBe(1);
      expect(await store.deliveries.recordOnce('ringback.summary', 'daily:2026-11-20', LATER)).toBe(true);
      expect(await store.deliveries.recordOnce('ringback.summary', 'daily:2027-12-20', LATER)).toBe(false);
    });

    it('deletes expired identities', async () => {
      await store.identities.put('slack:U1', { email: 'a@example.com' }, T0 + 1000);
      await store.identities.put('slack:U2', { email: 'b@example.com' }, T0 + 5000);
      expect((await round(T0 + 2000)).purged.identities).toBe(1);
      const left = await store.db.selectFrom('identities').select('key').execute();
      expect(left.map((r) => r.key)).toEqual(['slack:U2']);
    });

    it('deletes leases an hour after they ran out (a holder killed while holding one), never a live one', async () => {
      const HOUR = 60 * 60 * 1000;
      await store.leases.acquire('zendesk.ticket:ep-killed', 'worker-a', 6_000, T0);
      await store.leases.acquire('zendesk.ticket:ep-recent', 'worker-b', 6_000, T0 + HOUR);
      await store.leases.acquire('retention', 'worker-c', 2 * HOUR, T0 + HOUR);
      expect((await round(T0 + HOUR + 10_000)).purged.leases).toBe(1);
      const left = await store.db.selectFrom('leases').select('name').orderBy('name').execute();
      expect(left.map((r) => r.name)).toEqual(['retention', 'zendesk.ticket:ep-recent']);
    });
  });

  describe('agents who left the phone system', () => {
    it('are forgotten (name, e-mail) once nothing was said about them for the retention', async () => {
      const availability = new AvailabilityRepository(store.db);
      const agent = (userId: string) => ({
        provider: 'aircall',
        userId,
        email: `${userId}@example.com`,
        name: `Agent ${userId}`,
        available: true,
        changedAt: T0,
      });
      await availability.record(agent('left'), T0);
      await availability.record(agent('still-here'), T0);
      await availability.record({ ...agent('still-here'), changedAt: T0 + RETENTION }, T0 + RETENTION);

      const { purged } = await round(LATER);
      expect(purged).toMatchObject({ agent_availability: 1 });
      expect((await availability.list('aircall')).map((a) => a.userId)).toEqual(['still-here']);
    });
  });

  describe('people met in Teams', () => {
    const member = (userKey: string) => ({
      userKey,
      mri: `29:${userKey}`,
      aadObjectId: userKey,
      name: `Person ${userKey}`,
      email: `${userKey}@example.com`,
      tenantId: 'tenant-1',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      botId: '28:bot',
    });

    it('are forgotten (ids, name, e-mail) once not met for the retention; someone still active stays offered for a hand-over', async () => {
      await store.teams.saveMember(member('gone'), T0);
      await store.teams.saveMember(member('active'), T0);
      // The active one clicked a card again since (every activity saves its sender).
      await store.teams.saveMember({ ...member('active'), email: null }, T0 + RETENTION);

      expect((await round(T0 + RETENTION - 1)).purged.teams_members ?? 0).toBe(0);
      const { purged } = await round(LATER);
      expect(purged).toMatchObject({ teams_members: 1 });
      expect(await store.teams.getMember('gone')).toBeNull();
      expect(await store.teams.findByEmail('gone@example.com')).toBeNull();
      expect(await store.teams.getMember('active')).toMatchObject({ email: 'active@example.com' });
      const held = episode({ id: 'held', state: 'claimed', claimedBy: ana, claimedAt: LATER });
      expect(await reassignChoicesFor(store, held, 'tenant-1')).toEqual([
        { title: 'Person active', value: 'active' },
      ]);
    });

    it('are kept while Ringback still mentions or messages them, though they never click', async () => {
      await store.teams.saveMember(member('manager'), T0);
      await store.teams.markUsed(['manager'], T0 + RETENTION);
      expect((await round(LATER)).purged.teams_members ?? 0).toBe(0);
      expect(await store.teams.getMember('manager')).not.toBeNull();
    });
  });

  describe('call records', () => {
    beforeEach(async () => {
      if (kind.skipReason) return;
      await store.episodes.insert(
        episode({
          id: 'old',
          callCount: 2,
          lastCallAt: T0 + 60_000,
          state: 'resolved',
          claimedBy: ana,
          claimedAt: T0 + 120_000,
          outcome: 'voicemail',
          resolvedAt: T0 + 180_000,
          resolvedBy: ana,
          zendeskTicketId: 456,
        }),
        oldDetails,
        T0,
      );
      await store.episodes.insert(
        episode({
          id: 'recent',
          missedAt: LATER - DAY,
          lastCallAt: LATER - DAY,
          caller: { number: '+33612345678', name: 'Jean' },
        }),
        { transcript: 'recent words' },
        LATER - DAY,
      );
      await store.providerCalls.save(providerCall('aircall:1'), T0);
      await store.providerCalls.save(
        providerCall('aircall:9', { episodeId: 'recent', fromNumber: '+33612345678' }),
        LATER - DAY,
      );
      // An answered call that never became an episode still carries the caller's number.
      await store.providerCalls.save(providerCall('aircall:5', { episodeId: null, answered: true }), T0);
    });

    it('erases caller data of episodes past the retention, keeping counts, times and outcomes', async () => {
      const before = await store.episodes.get('old');
      const { purged } = await round(LATER);
      expect(purged).toMatchObject({ episodes: 1, provider_calls: 2 });

      const erased = await store.episodes.get('old');
      expect(erased?.caller).toEqual({ number: null, name: null });
      expect(erased).toMatchObject({
        line: 'Support FR',
        callCount: 2,
        missedAt: T0,
        lastCallAt: T0 + 60_000,
        state: 'resolved',
        outcome: 'voicemail',
        claimedBy: ana,
        resolvedAt: T0 + 180_000,
        zendeskTicketId: 456,
        version: (before?.version ?? 0) + 1,
      });
      expect(await store.episodes.getDetails('old')).toEqual({
        lineNumber: '+33 1 76 36 06 95',
        callerCountry: 'FR',
        calls: oldDetails.calls,
        rang: ['Ana', 'Ben'],
        voicemail: { url: null, durationSeconds: 31, at: T0 + 60_000 },
        transcript: null,
        summary: null,
        requester: null,
        outOfHours: false,
      });
      const text = JSON.stringify(
        await store.db.selectFrom('episodes').selectAll().where('id', '=', 'old').execute(),
      );
      expect(text).not.toMatch(/Marie|06 12|voicemail\.example|refund|\+336/);

      expect(await store.episodes.get('recent')).toMatchObject({
        caller: { number: '+33612345678', name: 'Jean' },
      });
      expect(await store.episodes.getDetails('recent')).toEqual({ transcript: 'recent words' });
    });

    it('erases again a number written to an erased episode that is still open', async () => {
      await store.episodes.insert(episode({ id: 'still-open', lastCallAt: T0 }), {}, T0);
      await round(LATER);
      expect((await store.episodes.get('still-open'))?.caller.number).toBeNull();

      // An agent types the number to call back on the open card, after the erasure.
      const result = await store.transaction((repos) =>
        applyCommandIn(repos, { clock: new ManualClock(LATER + 1), planEffects: () => [] }, 'still-open', {
          type: 'set_callback_number',
          actor: ana,
          at: LATER + 1,
          number: '+33612349999',
          asManager: false,
        }),
      );
      expect(result.status).toBe('accepted');

      await round(LATER + 2);
      expect((await store.episodes.get('still-open'))?.callbackNumber).toBeNull();
      expect(JSON.stringify(await store.audit.listForEpisode('still-open'))).not.toContain('+33612349999');
    });

    it('erases the caller data in the audit of the episodes it erases, and only that', async () => {
      const entries = (episodeId: string) =>
        [
          { type: 'callback_number_set', actor: ana, data: { number: '+33612340001' } },
          {
            type: 'callback_request_noted',
            actor: null,
            data: { first: true, number: '+33612340002', autoCallback: null },
          },
          {
            type: 'priority_set',
            actor: null,
            data: { level: 'high', previous: 'normal', rule: 'vip', because: 'organization Refund Corp' },
          },
          { type: 'caller_named', actor: null, data: { name: 'Zoe Test' } },
          { type: 'claimed', actor: ana, data: { implicit: false } },
        ].map((entry) => ({ ...entry, episodeId, surface: 'slack' as const, at: T0 + 100_000 }));
      await store.audit.append([...entries('old'), ...entries('recent')]);

      await round(LATER);

      const old = await store.audit.listForEpisode('old');
      expect(old.map((e) => [e.type, e.data])).toEqual([
        ['callback_number_set', { number: null }],
        ['callback_request_noted', { first: true, number: null, autoCallback: null }],
        ['priority_set', { level: 'high', previous: 'normal', rule: 'vip', because: null }],
        ['caller_named', { name: null }],
        ['claimed', { implicit: false }],
      ]);
      expect(old[0]?.actor).toEqual(ana);
      const recent = await store.audit.listForEpisode('recent');
      expect(JSON.stringify(recent)).toContain('+33612340001');
      expect(JSON.stringify(recent)).toContain('Refund Corp');
      expect(JSON.stringify(recent)).toContain('Zoe Test');
    });

    it('erases provider calls not heard of since the retention, with or without an episode', async () => {
      await round(LATER);
      for (const key of ['aircall:1', 'aircall:5']) {
        const call = await store.providerCalls.get(key);
        expect(call).toMatchObject({ fromNumber: null, startedAt: T0, answered: key === 'aircall:5' });
        expect(call?.data).toMatchObject({
          externalNumber: null,
          externalNumberRaw: null,
          externalName: null,
          voicemail: null,
          transcript: null,
          ended: true,
          events: ['call.ended'],
        });
      }
      expect((await store.providerCalls.get('aircall:9'))?.fromNumber).toBe('+33612345678');
      // The read API still lists the erased episode's provider call ids.
      expect((await store.providerCalls.keysForEpisodes(['old'])).get('old')).toEqual(['aircall:1']);
    });

    it('marks what it erased so the next run does not touch it again', async () => {
      await round(LATER);
      const marked = await store.db
        .selectFrom('episodes')
        .select(['id', 'erased_at'])
        .orderBy('id')
        .execute();
      expect(marked.map((r) => [r.id, r.erased_at === null ? null : Number(r.erased_at)])).toEqual([
        ['old', LATER],
        ['recent', null],
      ]);
      const version = (await store.episodes.get('old'))?.version;
      expect((await round(LATER + DAY)).purged).toMatchObject({ episodes: 0, provider_calls: 0 });
      expect((await store.episodes.get('old'))?.version).toBe(version);
    });

    it('keeps a command that read the episode before the erasure from writing the number back', async () => {
      await store.episodes.insert(
        episode({ id: 'open-old', caller: { number: '+33700000000', name: 'Paul' } }),
        {},
        T0,
      );
      const read = await store.episodes.get('open-old');
      await round(LATER);
      const claimed = { ...read!, state: 'claimed' as const, claimedBy: ana, version: read!.version + 1 };
      expect(await store.episodes.updateIfVersion(claimed, read!.version, LATER)).toBe(false);
      expect((await store.episodes.get('open-old'))?.caller.number).toBeNull();
    });

    it('erases again what a late write brought back', async () => {
      await round(LATER);
      await store.providerCalls.save(providerCall('aircall:1'), LATER + 1);
      await store.episodes.setDetails('old', { ...oldDetails }, LATER + 1);
      // The provider call was just heard of: its clock starts again. The episode's last call is old.
      expect((await round(LATER + 2)).purged).toMatchObject({ episodes: 1, provider_calls: 0 });
      expect((await store.episodes.getDetails('old')).transcript).toBeNull();
      expect((await store.providerCalls.get('aircall:1'))?.fromNumber).toBe('+33176360695');
      expect((await round(LATER + RETENTION + 2)).purged.provider_calls).toBeGreaterThanOrEqual(1);
      expect((await store.providerCalls.get('aircall:1'))?.fromNumber).toBeNull();
    });

    it('erases a large backlog in batches until none is left', async () => {
      for (let chunk = 0; chunk < 11; chunk++) {
        await store.db
          .insertInto('provider_calls')
          .values(
            Array.from({ length: 100 }, (_, j) => chunk * 100 + j).map((i) => ({
              key: `generic:x:${i}`,
              provider: 'generic:x',
              provider_call_id: String(i),
              episode_id: null,
              direction: 'inbound',
              from_number: `+3361234${String(i).padStart(4, '0')}`,
              line: null,
              started_at: T0,
              ended_at: T0,
              answered: 1,
              missed_reason: null,
              data: '{}',
              updated_at: T0,
            })),
          )
          .execute();
      }
      const { purged, more } = await round(LATER);
      expect(purged.provider_calls).toBe(1_102);
      expect(more).toBe(false);
      const left = await sql<{
        n: number;
      }>`select count(*) as n from provider_calls where from_number is not null and updated_at < ${T0 + 1}`.execute(
        store.db,
      );
      expect(Number(left.rows[0]?.n)).toBe(0);
    });
  });

  describe('schedule', () => {
    it('purges on one replica only: the one holding the lease', async () => {
      const ran: string[] = [];
      const schedules = ['a', 'b'].map(
        (replica) =>
          new RetentionSchedule({
            store,
            clock: new ManualClock(T0),
            logger,
            metrics: new Metrics({ defaultMetrics: false }),
            purgers: [
              {
                name: 'jobs_dead',
                run: async () => {
                  ran.push(replica);
                  return 0;
                },
              },
            ],
            intervalMs: 20,
            firstRunDelayMs: 0,
          }),
      );
      for (const schedule of schedules) schedule.start();
      try {
        await expect.poll(() => ran.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
      } finally {
        await Promise.all(schedules.map((s) => s.stop()));
      }
      expect(new Set(ran).size).toBe(1);
      expect(schedules.filter((s) => s.isLeader)).toHaveLength(0);
    });

    it('counts what it purged in ringback_purged_total, unknown names as other', async () => {
      await deadJob(store, T0, 3);
      const metrics = new Metrics({ defaultMetrics: false });
      const schedule = new RetentionSchedule({
        store,
        clock: new ManualClock(T0 + 2 * JOB_RETENTION.deadMs),
        logger,
        metrics,
        purgers: [...standardPurgers(store, RETENTION), { name: 'something new', run: async () => 2 }],
        intervalMs: 60_000,
        firstRunDelayMs: 0,
      });
      schedule.start();
      try {
        await expect
          .poll(async () => metrics.registry.getSingleMetricAsString('ringback_purged_total'), {
            timeout: 5_000,
          })
          .toContain('ringback_purged_total{what="jobs_dead"} 3');
      } finally {
        await schedule.stop();
      }
      const text = await metrics.registry.getSingleMetricAsString('ringback_purged_total');
      expect(text).toContain('ringback_purged_total{what="other"} 2');
      expect(text).toContain('ringback_purged_total{what="episodes"} 0');
      expect(text).not.toContain('something new');
    });
  });
});

describe('the retention schedule in a Ringback process', () => {
  it('is plugged in by default and counts in /metrics from the start', async () => {
    const database = sqliteDatabase();
    const ringback = await startRingback(testConfig({ database }));
    try {
      const text = await (await fetch(`${ringback.baseUrl}/metrics`)).text();
      for (const what of PURGED_WHAT) expect(text).toContain(`ringback_purged_total{what="${what}"} 0`);
    } finally {
      await ringback.stop();
      await database.drop();
    }
  });
});

describe('erased caller data in a SQLite file', () => {
  it('is gone from the file’s bytes, not only from its rows', async () => {
    const database = sqliteDatabase();
    const store = new Store(openDatabase(database.target, { onConnectionError: () => undefined }));
    try {
      await store.migrate();
      for (let i = 0; i < 30; i++) {
        await store.episodes.insert(
          episode({
            id: `ep-${i}`,
            caller: { number: `+3361999${String(i).padStart(4, '0')}`, name: `Zorglub${i}` },
          }),
          { transcript: `SECRETTRANSCRIPT${i} `.repeat(20) },
          T0,
        );
      }
      const { logger } = memoryLogger();
      const { purged } = await purgeRound(standardPurgers(store, RETENTION), {
        clock: new ManualClock(LATER),
        logger,
        budgetMs: 60_000,
      });
      expect(purged).toMatchObject({ episodes: 30 });
    } finally {
      await store.close();
    }
    const path = database.target.dialect === 'sqlite' ? database.target.path : '';
    const files = readdirSync(dirname(path)).map((name) =>
      readFileSync(join(dirname(path), name)).toString('latin1'),
    );
    // Without secure_delete the old rows' bytes stayed in the pages' free space (hundreds of transcripts here).
    expect(files.join('').match(/SECRETTRANSCRIPT\d+|Zorglub\d+/g) ?? []).toEqual([]);
    await database.drop();
  });
});
