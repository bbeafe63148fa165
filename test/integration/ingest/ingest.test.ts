import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCommandIn } from '../../../src/app/commands.js';
import { type IngestDeps, type IngestResult, ingestCallEvent } from '../../../src/app/ingest.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DETAILS_CALLS_KEPT, parseDetails } from '../../../src/domain/details.js';
import type { Outcome } from '../../../src/domain/types.js';
import { ingestAircallDelivery } from '../../../src/providers/aircall/events.js';
import { normalizeGenericCall } from '../../../src/providers/generic/normalize.js';
import { genericCallSchema } from '../../../src/providers/generic/schema.js';
import type { IngestMetrics } from '../../../src/providers/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';
import {
  aircallJob,
  callEvent,
  fixtures,
  ingestDeps,
  ingestMetrics,
  recordingPlanner,
  shuffled,
  T0,
  testRouting,
} from './support.js';

const kinds = await databaseKinds();
const MARIE = '+33612345678';

describe.each(kinds)('ingest on $name', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let recorder: ReturnType<typeof recordingPlanner>;
  let deps: IngestDeps;
  let metrics: IngestMetrics;
  const clock = new ManualClock(T0 + 60 * 60_000);

  const openStore = () => new Store(openDatabase(database.target, { onConnectionError: () => undefined }));

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    store = openStore();
    await store.migrate();
    recorder = recordingPlanner();
    deps = ingestDeps(store, clock, recorder.planner);
    metrics = ingestMetrics();
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await store.close();
    await database.drop();
  });

  it('opens the card of a generic call whose caller name held a NUL (PostgreSQL refused the text whole)', async () => {
    const call = genericCallSchema.parse({
      provider: 'acme',
      callId: 'nul-1',
      direction: 'inbound',
      from: MARIE,
      line: 'Support FR',
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 30_000).toISOString(),
      answered: false,
      callerName: 'Eve\u0000\u0007\u001b[31m',
      transcript: 'one\u0000two',
    });
    const result = await ingestCallEvent(deps, normalizeGenericCall(call, T0 + 31_000, deps.routing));
    expect(result).toMatchObject({ outcome: 'opened' });
    const [episode] = await store.episodes.list();
    expect(episode?.caller.name).toBe('Eve[31m');
  });

  it('dates a generic missed call from a sender whose clock says 2099 when it was received, so the call back resolves it', async () => {
    const received = T0 + 31_000;
    const missed = genericCallSchema.parse({
      provider: 'acme',
      callId: 'future-1',
      direction: 'inbound',
      from: MARIE,
      line: 'Support FR',
      startedAt: '2099-01-01T09:00:00Z',
      endedAt: '2099-01-01T09:00:30Z',
      answered: false,
    });
    const opened = await ingestCallEvent(deps, normalizeGenericCall(missed, received, deps.routing));
    expect(opened).toMatchObject({ outcome: 'opened' });
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({ missedAt: received, lastCallAt: received });

    // The agent calls back ten minutes later, from a phone system with a right clock.
    const callBack = genericCallSchema.parse({
      provider: 'ringcentral',
      callId: 'back-1',
      direction: 'outbound',
      from: MARIE,
      line: 'Support FR',
      startedAt: new Date(T0 + 10 * 60_000).toISOString(),
      endedAt: new Date(T0 + 12 * 60_000).toISOString(),
      answered: true,
      agent: { name: 'Ben Martin' },
    });
    const resolved = await ingestCallEvent(
      deps,
      normalizeGenericCall(callBack, T0 + 12 * 60_000 + 1_000, deps.routing),
    );
    expect(resolved).toEqual({ outcome: 'auto_resolved', episodeIds: [episode?.id] });
    expect(await store.episodes.get(episode?.id ?? '')).toMatchObject({
      state: 'resolved',
      outcome: 'reached',
    });
  });

  /** Delivers a fixture folder in its order, or shuffled when a seed is given. */
  const deliver = (folder: string, times = 1, seed?: number): Promise<IngestResult[]> => {
    const bodies = fixtures('aircall', folder).flatMap((f) => Array.from({ length: times }, () => f.body));
    const ordered = seed === undefined ? bodies : shuffled(bodies, seed);
    return sequentially(ordered.map((body) => () => ingestAircallDelivery(deps, metrics, aircallJob(body))));
  };

  async function sequentially<T>(work: (() => Promise<T>)[]): Promise<T[]> {
    const results: T[] = [];
    for (const step of work) results.push(await step());
    return results;
  }

  describe('an Aircall missed-call sequence', () => {
    it.each([1, 2, 3, 4, 5])(
      'opens exactly one episode when delivered three times in shuffled order (seed %i)',
      async (seed) => {
        const results = await deliver('missed-call', 3, seed);

        expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
        const episodes = await store.episodes.list();
        expect(episodes).toHaveLength(1);
        expect(recorder.eventTypes().filter((type) => type === 'opened')).toHaveLength(1);
        const [episode] = episodes;
        expect(episode).toMatchObject({
          line: 'Support FR',
          state: 'open',
          caller: { number: MARIE, name: 'Marie Dupont' },
          callCount: 1,
          missedAt: Date.parse('2026-11-20T09:32:10Z'),
        });
        const details = parseDetails(await store.episodes.getDetails(episode?.id ?? ''));
        expect(details).toMatchObject({
          lineNumber: '01 76 36 06 95',
          callerCountry: 'FR',
          rang: ['Ana Lopez', 'Ben Martin'],
          calls: [{ key: 'aircall:1873200101', reason: 'agents_did_not_answer', waitedSeconds: 45 }],
        });
      },
    );

    it('writes an audit row for the opening, from the aircall surface', async () => {
      await deliver('missed-call');
      const [episode] = await store.episodes.list();
      const audit = await store.audit.listForEpisode(episode?.id ?? '');
      expect(audit.map((a) => [a.type, a.surface])).toEqual([['opened', 'aircall']]);
    });

    it('queues the planned effects in the same transaction', async () => {
      await deliver('missed-call');
      const jobs = await store.jobs.list({ kind: 'test.effect' });
      expect(jobs.map((j) => j.payload)).toEqual([{ episodeId: expect.any(String), events: ['opened'] }]);
    });
  });

  describe('an Aircall call answered after two missed legs', () => {
    it.each([1, 2, 3])('opens no episode in any order (seed %i)', async (seed) => {
      const results = await deliver('answered-call', 2, seed);
      expect(results.some((r) => r.outcome === 'opened')).toBe(false);
      expect(await store.episodes.count()).toBe(0);
      expect(recorder.contexts).toHaveLength(0);
    });
  });

  describe('a voicemail with its assets, transcript and summary', () => {
    it.each([1, 2, 3])('ends up on the card whatever the order (seed %i)', async (seed) => {
      await deliver('voicemail', 2, seed);
      const [episode] = await store.episodes.list();
      const details = parseDetails(await store.episodes.getDetails(episode?.id ?? ''));
      expect(details.voicemail?.url).toBe('https://assets.aircall.io/calls/1873200303/voicemail');
      expect(details.transcript).toContain('my order 4411 never arrived');
      expect(details.summary).toBe(
        'Tom from Acme reports that order 4411 never arrived and asks for a call back.',
      );
      expect(details.callerCountry).toBe('GB');
      expect(recorder.eventTypes().filter((t) => t === 'opened')).toHaveLength(1);
    });

    it('announces enrichments that arrive after the card opened', async () => {
      await deliver('voicemail');
      const changed = recorder.contexts.flatMap((c) => c.events).filter((e) => e.type === 'details_changed');
      expect(changed.flatMap((e) => (e.type === 'details_changed' ? e.fields : []))).toEqual(
        expect.arrayContaining(['voicemail', 'transcript', 'summary']),
      );
    });
  });

  describe('a caller named by a later delivery of the call', () => {
    it('names the episode through a versioned, audited change that refreshes the cards', async () => {
      expect(await ingestCallEvent(deps, callEvent())).toMatchObject({ outcome: 'opened' });
      const [opened] = await store.episodes.list();
      expect(opened?.caller).toEqual({ number: MARIE, name: null });

      const named = callEvent({ externalName: 'Zoe Test', occurredAt: T0 + 45_000 });
      expect(await ingestCallEvent(deps, named)).toMatchObject({ outcome: 'updated', episodeId: opened?.id });
      const episode = await store.episodes.get(opened?.id ?? '');
      expect(episode).toMatchObject({
        caller: { number: MARIE, name: 'Zoe Test' },
        version: (opened?.version ?? 0) + 1,
      });
      expect(recorder.eventTypes()).toEqual(['opened', 'caller_named']);
      expect(recorder.contexts.at(-1)).toMatchObject({
        previous: { caller: { name: null } },
        episode: { caller: { name: 'Zoe Test' } },
      });
      const audit = await store.audit.listForEpisode(opened?.id ?? '');
      expect(audit.map((a) => [a.type, a.data])).toEqual([
        ['opened', expect.anything()],
        ['caller_named', { name: 'Zoe Test' }],
      ]);

      // The same delivery again, or an older one without the name, changes nothing more.
      await ingestCallEvent(deps, named);
      await ingestCallEvent(deps, callEvent({ occurredAt: T0 + 31_000 }));
      expect((await store.episodes.get(opened?.id ?? ''))?.caller.name).toBe('Zoe Test');
      expect(recorder.eventTypes()).toEqual(['opened', 'caller_named']);
    });

    it('keeps the name the episode opened with when a later delivery gives another', async () => {
      await ingestCallEvent(deps, callEvent({ externalName: 'Marie Dupont' }));
      await ingestCallEvent(deps, callEvent({ externalName: 'M. Dupont', occurredAt: T0 + 45_000 }));
      const [episode] = await store.episodes.list();
      expect(episode?.caller.name).toBe('Marie Dupont');
      expect(recorder.eventTypes()).toEqual(['opened']);
    });

    it('takes the Aircall contact an event after call.ended brings', async () => {
      const withoutContact = fixtures('aircall', 'missed-call').map((f) => ({
        ...f.body,
        data: { ...(f.body.data as Record<string, unknown>), contact: null },
      }));
      for (const body of withoutContact) await ingestAircallDelivery(deps, metrics, aircallJob(body));
      const [opened] = await store.episodes.list();
      expect(opened?.caller).toEqual({ number: MARIE, name: null });

      const ended = fixtures('aircall', 'missed-call').at(-1)?.body as Record<string, unknown>;
      const commented = { ...ended, event: 'call.commented', timestamp: (ended.timestamp as number) + 60 };
      expect(await ingestAircallDelivery(deps, metrics, aircallJob(commented))).toMatchObject({
        outcome: 'updated',
      });
      expect((await store.episodes.get(opened?.id ?? ''))?.caller).toEqual({
        number: MARIE,
        name: 'Marie Dupont',
      });
    });

    it('names the open episode from a repeat call that names the caller', async () => {
      await ingestCallEvent(deps, callEvent());
      const repeat = callEvent({
        providerCallId: 'call-2',
        externalName: 'Zoe Test',
        startedAt: T0 + 600_000,
        endedAt: T0 + 630_000,
        occurredAt: T0 + 630_000,
      });
      expect(await ingestCallEvent(deps, repeat)).toMatchObject({ outcome: 'joined' });
      const [episode] = await store.episodes.list();
      expect(episode).toMatchObject({ callCount: 2, caller: { number: MARIE, name: 'Zoe Test' } });
      expect(recorder.eventTypes()).toEqual(['opened', 'call_joined', 'caller_named']);
    });
  });

  describe('a second missed call from the same number', () => {
    it('joins the open episode: same card, count 2, last call time moved', async () => {
      await deliver('missed-call');
      const results = await deliver('missed-call-again');
      expect(results.at(-1)).toMatchObject({ outcome: 'joined' });
      const episodes = await store.episodes.list();
      expect(episodes).toHaveLength(1);
      expect(episodes[0]).toMatchObject({ callCount: 2, lastCallAt: T0 + 20 * 60_000 });
      const details = parseDetails(await store.episodes.getDetails(episodes[0]?.id ?? ''));
      expect(details.calls.map((c) => c.reason)).toEqual(['agents_did_not_answer', 'no_available_agent']);
      expect(recorder.eventTypes()).toEqual(['opened', 'call_joined']);
    });

    it('keeps counting a number that never stops calling, reading and listing only its newest calls', async () => {
      const total = 60;
      for (let i = 0; i < total; i++) {
        const at = T0 + i * 60_000;
        await ingestCallEvent(
          deps,
          callEvent({
            providerCallId: `dialler-${i}`,
            startedAt: at,
            endedAt: at + 5_000,
            occurredAt: at + 5_000,
          }),
        );
      }
      const [episode] = await store.episodes.list();
      expect(episode).toMatchObject({ callCount: total, lastCallAt: T0 + (total - 1) * 60_000 });
      const details = parseDetails(await store.episodes.getDetails(episode?.id ?? ''));
      expect(details.calls).toHaveLength(DETAILS_CALLS_KEPT);
      expect(details.calls.at(-1)?.at).toBe(T0 + (total - 1) * 60_000);
      const newest = await store.providerCalls.listForEpisode(episode?.id ?? '', 3);
      expect(newest.map((call) => call.startedAt)).toEqual([57, 58, 59].map((i) => T0 + i * 60_000));
    });

    it('is joined once even when delivered again', async () => {
      await deliver('missed-call');
      await deliver('missed-call-again', 3);
      expect((await store.episodes.list())[0]?.callCount).toBe(2);
    });

    it('opens nothing again for a call delivered once more after its episode was resolved', async () => {
      // Webhook dedupe keys are forgotten after a week: a very late redelivery reaches ingest itself.
      await deliver('missed-call');
      await deliver('outbound-answered');
      await deliver('missed-call');
      const episodes = await store.episodes.list();
      expect(episodes).toHaveLength(1);
      expect(episodes[0]).toMatchObject({ state: 'resolved', callCount: 1 });
      expect(recorder.eventTypes()).toEqual(['opened', 'auto_resolved']);
    });
  });

  describe('a later answered call with the caller', () => {
    it('resolves the episode automatically when an agent calls back from Aircall', async () => {
      await deliver('missed-call');
      await deliver('missed-call-again');
      const results = await deliver('outbound-answered');
      expect(results.filter((r) => r.outcome === 'auto_resolved')).toHaveLength(1);
      const [episode] = await store.episodes.list();
      expect(episode).toMatchObject({
        state: 'resolved',
        outcome: 'reached',
        autoResolved: true,
        resolvedBy: { name: 'Ana Lopez', email: 'ana@example.com', surface: 'aircall' },
      });
      const audit = await store.audit.listForEpisode(episode?.id ?? '');
      expect(audit.at(-1)).toMatchObject({ type: 'auto_resolved', surface: 'aircall' });
    });

    it('resolves it from any provider: a generic outbound call answered by the customer', async () => {
      await deliver('missed-call');
      const result = await ingestCallEvent(
        deps,
        callEvent({
          provider: 'generic:twilio',
          providerCallId: 'CA-back-1',
          direction: 'outbound',
          answered: true,
          externalNumber: MARIE,
          startedAt: T0 + 30 * 60_000,
          answeredAt: T0 + 30 * 60_000 + 8_000,
          agent: { name: 'Ben', email: 'ben@example.com' },
          line: { genericLine: 'Twilio Sales' },
        }),
      );
      expect(result.outcome).toBe('auto_resolved');
      expect((await store.episodes.list())[0]).toMatchObject({
        state: 'resolved',
        resolvedBy: { name: 'Ben' },
      });
    });

    it('does not resolve an episode that began after the answered call started', async () => {
      await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'missed-late',
          startedAt: T0 + 10 * 60_000,
          endedAt: T0 + 10 * 60_000 + 20_000,
        }),
      );
      const result = await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'answered-early',
          answered: true,
          answeredAt: T0 + 5_000,
          startedAt: T0,
        }),
      );
      expect(result).toEqual({ outcome: 'ignored', reason: 'answered, nothing to resolve' });
      expect((await store.episodes.list())[0]?.state).toBe('open');
    });

    it('leaves open a card whose later missed call came after the answered call, whatever the delivery order', async () => {
      const missed = (id: string, minutes: number) =>
        ingestCallEvent(
          deps,
          callEvent({
            providerCallId: id,
            externalNumber: MARIE,
            startedAt: T0 + minutes * 60_000,
            endedAt: T0 + minutes * 60_000 + 20_000,
          }),
        );
      // Missed at +0 and +10; the caller got through at +5, but that delivery comes last.
      await missed('first', 0);
      await missed('again', 10);
      const answered = await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'through',
          externalNumber: MARIE,
          answered: true,
          startedAt: T0 + 5 * 60_000,
          answeredAt: T0 + 5 * 60_000 + 5_000,
        }),
      );
      expect(answered).toEqual({ outcome: 'ignored', reason: 'answered, nothing to resolve' });
      const [episode] = await store.episodes.list();
      expect(episode).toMatchObject({ state: 'open', callCount: 2 });
    });

    it('resolves a missed call whose delivery came after the answered call back', async () => {
      await deliver('outbound-answered');
      await deliver('missed-call');
      const [episode] = await store.episodes.list();
      expect(episode).toMatchObject({
        state: 'resolved',
        autoResolved: true,
        resolvedBy: { name: 'Ana Lopez' },
      });
      expect(recorder.eventTypes()).toEqual(['opened', 'auto_resolved']);
    });

    it('adds a missed call delivered after the call back to the episode it belongs to', async () => {
      await deliver('missed-call');
      await deliver('outbound-answered');
      const results = await deliver('missed-call-again');
      const episodes = await store.episodes.list();
      expect(episodes).toHaveLength(1);
      expect(episodes[0]).toMatchObject({ state: 'resolved', callCount: 2 });
      expect(results.at(-1)).toEqual({ outcome: 'joined', episodeId: episodes[0]?.id });
    });

    /** A missed call from Marie that started at `at`. */
    const missed = (id: string, at: number) =>
      ingestCallEvent(
        deps,
        callEvent({ providerCallId: id, externalNumber: MARIE, startedAt: at, endedAt: at + 20_000 }),
      );

    it('puts a late missed call in the episode whose call back came first after it, not in a later or open one', async () => {
      const H = 3_600_000;
      const reached = (id: string, at: number) =>
        ingestCallEvent(
          deps,
          callEvent({
            providerCallId: id,
            externalNumber: MARIE,
            answered: true,
            startedAt: at,
            answeredAt: at + 5_000,
          }),
        );
      await missed('08', T0);
      await reached('08-back', T0 + 0.5 * H);
      await missed('10', T0 + 2 * H);
      await reached('10-back', T0 + 2.5 * H);
      await missed('12', T0 + 4 * H);
      // The 09:00 call is delivered hours late (Aircall retries for up to 12 h).
      expect(await missed('09', T0 + H)).toMatchObject({ outcome: 'joined' });

      const episodes = (await store.episodes.list()).sort((a, b) => a.missedAt - b.missedAt);
      expect(episodes.map((e) => [e.missedAt - T0, e.state, e.callCount])).toEqual([
        [0, 'resolved', 1],
        [H, 'resolved', 2],
        [4 * H, 'open', 1],
      ]);
    });

    it('keeps a late missed call the caller already got past out of the newer open card', async () => {
      const M = 60_000;
      // 09:10 the caller got through (nothing to resolve yet), 09:20 missed again, then 09:00's delivery.
      await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'reached-0910',
          externalNumber: MARIE,
          answered: true,
          startedAt: T0 + 10 * M,
          answeredAt: T0 + 10 * M + 5_000,
        }),
      );
      await missed('0920', T0 + 20 * M);
      expect(await missed('0900', T0)).toMatchObject({ outcome: 'opened' });

      const episodes = (await store.episodes.list()).sort((a, b) => a.missedAt - b.missedAt);
      expect(episodes.map((e) => [(e.missedAt - T0) / M, e.state, e.callCount])).toEqual([
        [0, 'resolved', 1],
        [20, 'open', 1],
      ]);
      expect(episodes[0]?.autoResolved).toBe(true);
    });

    /** An agent resolves the episode by hand, as the card's Resolve menu does. */
    const resolveByHand = (episodeId: string, outcome: Outcome, at: number) =>
      store.transaction((repos) =>
        applyCommandIn(repos, { clock, planEffects: recorder.planner }, episodeId, {
          type: 'resolve',
          actor: ana,
          at,
          outcome,
          asManager: true,
        }),
      );

    it.each(['no_answer', 'wrong_number', 'voicemail'] as const)(
      'gives a late missed call its own card when the episode it came before was resolved %s (the caller was not reached)',
      async (outcome) => {
        const M = 60_000;
        const first = await missed('first', T0);
        const firstId = (first as { episodeId: string }).episodeId;
        // The agent's call back at +5 gets no answer: the caller is on the line to us, queued from +4 to +7.
        expect(await resolveByHand(firstId, outcome, T0 + 5 * M)).toMatchObject({ status: 'accepted' });
        const late = await ingestCallEvent(
          deps,
          callEvent({
            providerCallId: 'queued',
            externalNumber: MARIE,
            startedAt: T0 + 4 * M,
            endedAt: T0 + 7 * M,
            occurredAt: T0 + 7 * M,
          }),
        );
        expect(late).toMatchObject({ outcome: 'opened' });

        const episodes = (await store.episodes.list()).sort((a, b) => a.missedAt - b.missedAt);
        expect(episodes.map((e) => [(e.missedAt - T0) / M, e.state, e.outcome, e.callCount])).toEqual([
          [0, 'resolved', outcome, 1],
          [4, 'open', null, 1],
        ]);
      },
    );

    it('puts a late missed call over before a no_answer resolve in that episode, as in order', async () => {
      const M = 60_000;
      const first = (await missed('0', T0)) as { episodeId: string };
      await resolveByHand(first.episodeId, 'no_answer', T0 + 5 * M);
      const second = (await missed('8', T0 + 8 * M)) as { episodeId: string };
      expect(second.episodeId).not.toBe(first.episodeId);
      await resolveByHand(second.episodeId, 'reached', T0 + 10 * M);
      // Delivered in order, the +4 call (over at +4m20s) would have joined the +0 card before its no_answer.
      expect(await missed('4', T0 + 4 * M)).toEqual({ outcome: 'joined', episodeId: first.episodeId });

      const episodes = (await store.episodes.list()).sort((a, b) => a.missedAt - b.missedAt);
      expect(episodes.map((e) => [(e.missedAt - T0) / M, e.state, e.outcome, e.callCount])).toEqual([
        [0, 'resolved', 'no_answer', 2],
        [8, 'resolved', 'reached', 1],
      ]);
    });

    it.each([
      ['in order', false],
      ['after the resolve', true],
    ])(
      'gives the same episodes whatever the delivery order (a repeat call delivered %s)',
      async (_, late) => {
        const M = 60_000;
        const first = (await missed('0', T0)) as { episodeId: string };
        // The +2 call was over at +2m20s, well before the agent's no_answer at +5.
        if (!late) await missed('2', T0 + 2 * M);
        await resolveByHand(first.episodeId, 'no_answer', T0 + 5 * M);
        if (late) await missed('2', T0 + 2 * M);

        const episodes = await store.episodes.list();
        expect(episodes.map((e) => [(e.missedAt - T0) / M, e.state, e.outcome, e.callCount])).toEqual([
          [0, 'resolved', 'no_answer', 2],
        ]);
      },
    );

    it('opens a new episode for a missed call that came after the call back', async () => {
      await deliver('missed-call');
      await deliver('outbound-answered');
      await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'after',
          externalNumber: MARIE,
          startedAt: T0 + 3 * 3_600_000,
          endedAt: T0 + 3 * 3_600_000 + 20_000,
        }),
      );
      const states = (await store.episodes.list()).map((e) => e.state).sort();
      expect(states).toEqual(['open', 'resolved']);
    });

    it('resolves every open episode of the number, on every line', async () => {
      await ingestCallEvent(deps, callEvent({ providerCallId: 'fr' }));
      await ingestCallEvent(deps, callEvent({ providerCallId: 'other', line: { genericLine: 'Sales' } }));
      expect(await store.episodes.count()).toBe(2);
      const result = await ingestCallEvent(
        deps,
        callEvent({
          providerCallId: 'in-ok',
          answered: true,
          answeredAt: T0 + 3_600_000,
          startedAt: T0 + 3_590_000,
        }),
      );
      expect(result).toMatchObject({ outcome: 'auto_resolved', episodeIds: expect.any(Array) });
      expect(result.outcome === 'auto_resolved' && result.episodeIds).toHaveLength(2);
    });
  });

  describe('an IVR abandon', () => {
    it('is a missed call, with the reason kept', async () => {
      await deliver('ivr-abandon');
      const [episode] = await store.episodes.list();
      const details = parseDetails(await store.episodes.getDetails(episode?.id ?? ''));
      expect(details.calls.map((c) => c.reason)).toEqual(['abandoned_in_ivr']);
    });
  });

  describe('an Aircall callback request', () => {
    it('opens a card that the automated call back resolves', async () => {
      const results = await deliver('callback-request');
      expect(results.map((r) => r.outcome)).toEqual([
        'recorded',
        'opened',
        'recorded',
        'auto_resolved',
        'ignored',
      ]);
      expect((await store.episodes.list())[0]).toMatchObject({
        state: 'resolved',
        autoResolved: true,
        resolvedBy: { name: 'Ben Martin', surface: 'aircall' },
      });
    });
  });

  describe('a withheld number', () => {
    it('gets an episode of its own for every call, never merged', async () => {
      await deliver('anonymous', 2);
      await ingestCallEvent(
        deps,
        callEvent({ providerCallId: 'anon-2', externalNumber: null, externalNumberRaw: 'anonymous' }),
      );
      const episodes = await store.episodes.list();
      expect(episodes).toHaveLength(2);
      expect(episodes.every((e) => e.caller.number === null && e.callCount === 1)).toBe(true);
    });
  });

  describe('calls the line does not want', () => {
    it('ignores a reason the line lists under ignore', async () => {
      deps = ingestDeps(
        store,
        clock,
        recorder.planner,
        testRouting(`lines: [{ name: Support FR, match: "*", ignore: [short_abandoned] }]`),
      );
      const results = await deliver('short-abandoned');
      expect(results).toEqual([{ outcome: 'ignored', reason: 'ignored reason short_abandoned' }]);
      expect(await store.episodes.count()).toBe(0);
      expect(await store.providerCalls.get('aircall:1873200505')).not.toBeNull();
    });

    it('stores but opens nothing for a call no line matches', async () => {
      deps = ingestDeps(
        store,
        clock,
        recorder.planner,
        testRouting(`lines: [{ name: Other, match: { aircallNumber: "+1 415 555 0100" } }]`),
      );
      const results = await deliver('missed-call');
      expect(results.at(-1)).toEqual({ outcome: 'ignored', reason: 'no line' });
      expect(await store.episodes.count()).toBe(0);
    });

    it('keeps an unknown missed-call reason as it is', async () => {
      await ingestCallEvent(deps, callEvent({ missedReason: 'abandoned_in_some_new_way' }));
      const [episode] = await store.episodes.list();
      const details = parseDetails(await store.episodes.getDetails(episode?.id ?? ''));
      expect(details.calls[0]?.reason).toBe('abandoned_in_some_new_way');
    });
  });

  describe('concurrent ingestion', () => {
    it('turns two different missed calls from one number into one episode with count 2', async () => {
      // Two stores: two connections (two pools on PostgreSQL), as two replicas would have.
      const other = openStore();
      const otherDeps = ingestDeps(other, clock, recorder.planner);
      try {
        const numbers = Array.from({ length: 6 }, (_, i) => `+3361234560${i}`);
        await Promise.all(
          numbers.flatMap((number, i) => [
            ingestCallEvent(deps, callEvent({ providerCallId: `a-${i}`, externalNumber: number })),
            ingestCallEvent(
              otherDeps,
              callEvent({
                providerCallId: `b-${i}`,
                externalNumber: number,
                startedAt: T0 + 60_000,
                endedAt: T0 + 90_000,
              }),
            ),
          ]),
        );
        const episodes = await store.episodes.list();
        expect(episodes).toHaveLength(numbers.length);
        expect(episodes.map((e) => e.callCount)).toEqual(numbers.map(() => 2));
        for (const episode of episodes) {
          const details = parseDetails(await store.episodes.getDetails(episode.id));
          expect(details.calls).toHaveLength(2);
        }
        expect(recorder.eventTypes().filter((t) => t === 'opened')).toHaveLength(numbers.length);
      } finally {
        await other.close();
      }
    });

    it('opens one episode for the same withheld call delivered at once several times', async () => {
      const other = openStore();
      const otherDeps = ingestDeps(other, clock, recorder.planner);
      try {
        const event = callEvent({
          providerCallId: 'anon-race',
          externalNumber: null,
          externalNumberRaw: 'anonymous',
        });
        await Promise.all([deps, otherDeps, deps, otherDeps].map((d) => ingestCallEvent(d, event)));
        expect(await store.episodes.count()).toBe(1);
      } finally {
        await other.close();
      }
    });
  });
});
