/**
 * Deliveries that arrive together are written together: webhook deliveries share one insert transaction
 * (src/providers/webhook.ts), and the ingests of one turn share one transaction (src/providers/ingestJob.ts),
 * their locks taken in one statement (PostgreSQL), their calls read in one and written once at the end. What
 * must not change: each answer, the final state, and that one failing delivery neither takes the others down
 * nor leaves anything of itself behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EffectPlanner } from '../../../src/app/effects.js';
import type { IngestDeps } from '../../../src/app/ingest.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { ingestCounted } from '../../../src/providers/ingestJob.js';
import type { IngestMetrics } from '../../../src/providers/metrics.js';
import { enqueueDelivery } from '../../../src/providers/webhook.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { callEvent, ingestDeps, ingestMetrics, recordingPlanner, T0 } from './support.js';

const kinds = await databaseKinds();
const ANNA = '+33611111111';
const BRUNO = '+33622222222';
const CLARA = '+33633333333';

describe.each(kinds)('deliveries arriving together on $name', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let deps: IngestDeps;
  let metrics: IngestMetrics;
  const clock = new ManualClock(T0 + 60 * 60_000);

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    store = new Store(openDatabase(database.target, { onConnectionError: () => undefined }));
    await store.migrate();
    deps = ingestDeps(store, clock, recordingPlanner().planner);
    metrics = ingestMetrics();
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await store.close();
    await database.drop();
  });

  const missed = (id: string, number: string, minutesAfterT0: number) =>
    callEvent({
      providerCallId: id,
      externalNumber: number,
      externalNumberRaw: number,
      startedAt: T0 + minutesAfterT0 * 60_000,
      endedAt: T0 + minutesAfterT0 * 60_000 + 30_000,
      occurredAt: T0 + minutesAfterT0 * 60_000 + 30_000,
    });

  it('ingests them in the order they came, as one after the other would', async () => {
    const results = await Promise.all(
      [
        missed('anna-1', ANNA, 0),
        missed('bruno-1', BRUNO, 1),
        missed('anna-2', ANNA, 2),
        callEvent({ providerCallId: 'clara-1', externalNumber: CLARA, answered: true, missedReason: null }),
      ].map((event) => ingestCounted(deps, metrics, event)),
    );

    expect(results.map((r) => r.outcome)).toEqual(['opened', 'opened', 'joined', 'ignored']);
    const episodes = await store.episodes.list();
    expect(episodes.map((e) => [e.caller.number, e.callCount]).sort()).toEqual([
      [ANNA, 2],
      [BRUNO, 1],
    ]);
    const anna = episodes.find((e) => e.caller.number === ANNA);
    expect(results[2]).toEqual({ outcome: 'joined', episodeId: anna?.id });
    for (const key of ['anna-1', 'anna-2', 'bruno-1', 'clara-1']) {
      expect(await store.providerCalls.get(`generic:test:${key}`)).not.toBeNull();
    }
  });

  it('rolls back a failing delivery alone: the others are stored, it leaves nothing behind', async () => {
    const planner: EffectPlanner = (context) => {
      if (context.episode.caller.number === BRUNO) throw new Error('planner refused Bruno');
      return [{ kind: 'test.effect', payload: { episodeId: context.episode.id } }];
    };
    const failing = { ...deps, planEffects: planner };

    const settled = await Promise.allSettled(
      [missed('anna-1', ANNA, 0), missed('bruno-1', BRUNO, 1), missed('clara-1', CLARA, 2)].map((event) =>
        ingestCounted(failing, metrics, event),
      ),
    );

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('planner refused Bruno');
    const numbers = (await store.episodes.list()).map((e) => e.caller.number).sort();
    expect(numbers).toEqual([ANNA, CLARA]);
    expect(await store.providerCalls.get('generic:test:bruno-1')).toBeNull();
    expect((await store.jobs.list({ kind: 'test.effect' })).length).toBe(2);
  });

  /** An agent's call back to the caller, answered ten minutes after T0. */
  const calledBack = (id: string, number: string) =>
    callEvent({
      providerCallId: id,
      direction: 'outbound',
      externalNumber: number,
      answered: true,
      missedReason: null,
      startedAt: T0 + 10 * 60_000,
      answeredAt: T0 + 10 * 60_000 + 5_000,
      occurredAt: T0 + 11 * 60_000,
    });

  it('resolves at once a missed call whose caller got through on a call stored earlier in the batch', async () => {
    const results = await Promise.all(
      [calledBack('anna-back', ANNA), missed('anna-1', ANNA, 0)].map((event) =>
        ingestCounted(deps, metrics, event),
      ),
    );

    expect(results.map((r) => r.outcome)).toEqual(['ignored', 'opened']);
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({ state: 'resolved', autoResolved: true });
  });

  it('resolves an episode opened earlier in the same batch when its caller then got through', async () => {
    const results = await Promise.all(
      [missed('bruno-1', BRUNO, 0), calledBack('bruno-back', BRUNO)].map((event) =>
        ingestCounted(deps, metrics, event),
      ),
    );

    expect(results.map((r) => r.outcome)).toEqual(['opened', 'auto_resolved']);
    expect((await store.episodes.list())[0]).toMatchObject({ state: 'resolved', autoResolved: true });
  });

  it('merges several deliveries of one call in one batch into one stored call', async () => {
    const ringing = missed('clara-1', CLARA, 0);
    const results = await Promise.all(
      [
        { ...ringing, ended: false, endedAt: null, missedReason: null, occurredAt: T0 },
        { ...ringing, externalName: 'Clara Dupont', occurredAt: T0 + 10_000 },
        ringing,
      ].map((event) => ingestCounted(deps, metrics, event)),
    );

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'opened', 'updated']);
    const stored = await store.providerCalls.get('generic:test:clara-1');
    expect(stored).toMatchObject({ episodeId: expect.any(String), endedAt: ringing.endedAt });
    expect(stored?.data).toMatchObject({ externalName: 'Clara Dupont', ended: true });
    expect(await store.episodes.list()).toHaveLength(1);
  });

  it('answers each of twenty copies of one delivery: one queued, nineteen duplicates, one job', async () => {
    const now = clock.now();
    const job = { kind: 'test.delivery', payload: { n: 1 }, dedupeKey: 'test:same-bytes' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => enqueueDelivery(store, job, now)));

    expect(answers.filter((a) => a === 'queued')).toHaveLength(1);
    expect(answers.filter((a) => a === 'duplicate')).toHaveLength(19);
    expect(await store.jobs.list({ kind: 'test.delivery' })).toHaveLength(1);
  });

  it('queues distinct deliveries arriving together, and a later copy of one is a duplicate', async () => {
    const now = clock.now();
    const jobs = Array.from({ length: 30 }, (_, i) => ({
      kind: 'test.delivery',
      payload: { n: i },
      dedupeKey: `test:delivery-${i}`,
    }));
    const answers = await Promise.all(jobs.map((job) => enqueueDelivery(store, job, now)));

    expect(answers).toEqual(jobs.map(() => 'queued'));
    const stored = await store.jobs.list({ kind: 'test.delivery' });
    expect(
      stored.map((j) => j.payload).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
    ).toEqual(jobs.map((j) => j.payload));
    expect(await enqueueDelivery(store, jobs[7] as (typeof jobs)[number], now)).toBe('duplicate');
  });
});
