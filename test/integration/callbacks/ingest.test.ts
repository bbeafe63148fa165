/**
 * Callback requests from every provider, through ingest on a real store: Aircall tag sequences (call.tagged,
 * the automated callback's outbound calls, "Callback done"), a Zendesk Talk export row with `callback: true`,
 * and the generic webhook's `callbackRequested` / `callbackNumber`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { type IngestDeps, ingestCallEvent } from '../../../src/app/ingest.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { parseDetails } from '../../../src/domain/details.js';
import { ingestAircallDelivery } from '../../../src/providers/aircall/events.js';
import { normalizeGenericCall } from '../../../src/providers/generic/normalize.js';
import { genericCallSchema } from '../../../src/providers/generic/schema.js';
import type { IngestMetrics } from '../../../src/providers/metrics.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { talkCallSchema } from '../../../src/zendesk/schemas.js';
import { talkCallToEvent } from '../../../src/zendesk/talk/normalize.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import {
  aircallJob,
  callEvent,
  FIXTURES,
  fixture,
  fixtures,
  ingestDeps,
  ingestMetrics,
  recordingPlanner,
  shuffled,
  T0,
  testRouting,
} from '../ingest/support.js';

const kinds = await databaseKinds();
const routing = testRouting(`
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    country: FR
  - name: Talk FR
    match: { zendeskPhoneNumberId: 360001 }
    country: FR
  - name: US
    match: { genericLine: "+1 415 555 0100" }
    country: US
`);

describe.each(kinds)('callback requests on $name', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let recorder: ReturnType<typeof recordingPlanner>;
  let deps: IngestDeps;
  let metrics: IngestMetrics;
  const clock = new ManualClock(Date.parse('2026-11-21T12:00:00Z'));

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    store = new Store(openDatabase(database.target, { onConnectionError: () => undefined }));
    await store.migrate();
    recorder = recordingPlanner();
    deps = ingestDeps(store, clock, recorder.planner, routing);
    metrics = ingestMetrics();
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await store.close();
    await database.drop();
  });

  async function deliver(folder: string, upTo?: number) {
    for (const f of fixtures('aircall', folder).slice(0, upTo)) {
      await ingestAircallDelivery(deps, metrics, aircallJob(f.body));
    }
  }

  it('Aircall: a call.tagged "Callback request" after call.ended makes the open card a callback request', async () => {
    await deliver('callback-tagged-done', 3);
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      state: 'open',
      callbackRequested: true,
      callbackRequestedAt: 1795190000 * 1000,
      autoCallback: null,
    });
    expect(recorder.eventTypes()).toContain('callback_request_noted');
  });

  it('Aircall: the automated callback links to the card (retrying), then "Callback done" resolves it as reached', async () => {
    await deliver('callback-tagged-done', 5);
    let [episode] = await store.episodes.list();
    expect(episode).toMatchObject({ state: 'open', autoCallback: 'retrying', callCount: 1 });
    // The outbound callback is one of the card's calls, not a missed call of it.
    expect(parseDetails(await store.episodes.getDetails(episode?.id ?? '')).calls).toHaveLength(1);
    expect((await store.providerCalls.listForEpisode(episode?.id ?? '')).map((c) => c.key).sort()).toEqual([
      'aircall:1873200801',
      'aircall:1873200802',
    ]);

    await deliver('callback-tagged-done');
    [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      state: 'resolved',
      outcome: 'reached',
      autoResolved: true,
      resolvedBy: { name: 'Aircall', surface: 'aircall' },
    });
  });

  it('Aircall: a missed call logged with the request after the automated retries says a person must call back', async () => {
    await deliver('callback-automatic-failed', 4);
    expect((await store.episodes.list())[0]?.autoCallback).toBe('retrying');
    await deliver('callback-automatic-failed');
    const episodes = await store.episodes.list();
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({
      state: 'open',
      callCount: 2,
      callbackRequested: true,
      autoCallback: 'failed',
    });
  });

  it('Aircall: "Callback done" resolves whatever order the deliveries come in', async () => {
    for (const seed of [1, 2, 3]) {
      for (const f of shuffled(fixtures('aircall', 'callback-tagged-done'), seed)) {
        await ingestAircallDelivery(deps, metrics, aircallJob(f.body));
      }
    }
    const episodes = await store.episodes.list();
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ state: 'resolved', outcome: 'reached', callbackRequested: true });
  });

  it('Aircall: the automated callback answered resolves the card it calls back', async () => {
    await deliver('callback-tagged-done', 4);
    const answered = structuredClone(fixtures('aircall', 'callback-tagged-done')[4]?.body) as {
      event: string;
      data: Record<string, unknown>;
    };
    answered.event = 'call.answered';
    // Aircall may show another number on its callback; the link, not the number, decides.
    answered.data.raw_digits = '+33 6 99 99 99 99';
    answered.data.answered_at = 1795190610;
    await ingestAircallDelivery(deps, metrics, aircallJob(answered));
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      state: 'resolved',
      outcome: 'reached',
      resolvedBy: { name: 'Ben Martin' },
    });
  });

  describe('an automated callback delivered after a later missed call', () => {
    const M = 60_000;
    const missed = (id: string, minutes: number) =>
      ingestCallEvent(
        deps,
        callEvent({
          provider: 'aircall',
          providerCallId: id,
          startedAt: T0 + minutes * M,
          endedAt: T0 + minutes * M + 30_000,
          occurredAt: T0 + minutes * M + 30_000,
        }),
      );
    /** Aircall's automated callback of call 1, run from +5 to +7 min; `answered` at +5.2 or still ringing. */
    const callback = (answered: boolean) =>
      ingestCallEvent(
        deps,
        callEvent({
          provider: 'aircall',
          providerCallId: '2',
          direction: 'outbound',
          startedAt: T0 + 5 * M,
          answered,
          answeredAt: answered ? T0 + 5.2 * M : null,
          ended: answered,
          endedAt: answered ? T0 + 7 * M : null,
          missedReason: null,
          occurredAt: answered ? T0 + 7 * M : T0 + 5 * M,
          callback: { requested: null, number: null, source: null, done: false, automaticCallbackOf: '1' },
        }),
      );
    const states = async () =>
      (await store.episodes.list())
        .sort((a, b) => a.missedAt - b.missedAt)
        .map((e) => [(e.missedAt - T0) / M, (e.lastCallAt - T0) / M, e.state, e.callCount]);

    it('in order: the callback resolves call 1, and call 3 after it gets a card of its own', async () => {
      await missed('1', 0);
      expect(await callback(true)).toMatchObject({ outcome: 'auto_resolved' });
      expect(await missed('3', 10)).toMatchObject({ outcome: 'opened' });
      expect(await states()).toEqual([
        [0, 0, 'resolved', 1],
        [10, 10, 'open', 1],
      ]);
    });

    it('out of order: the card stays open for call 3, made after the callback reached the caller', async () => {
      await missed('1', 0);
      await missed('3', 10);
      expect(await callback(true)).toEqual({ outcome: 'ignored', reason: 'answered, nothing to resolve' });
      expect(await states()).toEqual([[0, 10, 'open', 2]]);
    });

    it('a call first delivered as missed, then as answered, still resolves the card it opened', async () => {
      await missed('1', 0);
      const answered = await ingestCallEvent(
        deps,
        callEvent({ provider: 'aircall', providerCallId: '1', answered: true, answeredAt: T0 + 10_000 }),
      );
      expect(answered).toMatchObject({ outcome: 'auto_resolved' });
      expect(await states()).toEqual([[0, 0, 'resolved', 1]]);
    });

    it('out of order, the callback already linked by an earlier delivery: the card stays open too', async () => {
      await missed('1', 0);
      expect(await callback(false)).toMatchObject({ outcome: 'updated' });
      await missed('3', 10);
      expect(await callback(true)).toEqual({ outcome: 'ignored', reason: 'answered, nothing to resolve' });
      expect(await states()).toEqual([[0, 10, 'open', 2]]);
    });
  });

  it('Zendesk Talk: an export row with callback: true is a callback request to return', async () => {
    const body = JSON.parse(readFileSync(join(FIXTURES, 'zendesk', 'talk-callback-export.json'), 'utf8')) as {
      calls: unknown[];
    };
    const call = talkCallSchema.parse(body.calls[0]);
    const event = talkCallToEvent(
      call,
      { caller: { number: '+33612340077', raw: '+33612340077', name: 'Léa Martin' }, legs: [], agent: null },
      clock.now(),
    );
    const result = await ingestCallEvent(deps, event);
    expect(result.outcome).toBe('opened');
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      line: 'Talk FR',
      callbackRequested: true,
      caller: { name: 'Léa Martin' },
    });
  });

  it('generic: callbackRequested and callbackNumber (read in the line’s country)', async () => {
    const call = genericCallSchema.parse(fixture('generic', 'callback-requested.json').body);
    await ingestCallEvent(deps, normalizeGenericCall(call, clock.now(), routing));
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      line: 'US',
      callbackRequested: true,
      callbackNumber: '+14155550199',
      caller: { number: '+14155550177' },
    });
  });

  it('generic: a callbackNumber that is no phone number is not dialled; the caller’s own number is', async () => {
    const call = genericCallSchema.parse({
      ...fixture('generic', 'callback-requested.json').body,
      callbackNumber: '+1 415 55',
    });
    await ingestCallEvent(deps, normalizeGenericCall(call, clock.now(), routing));
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({
      callbackRequested: true,
      callbackNumber: null,
      caller: { number: '+14155550177' },
    });
  });

  it('generic: an update without the request keeps the request', async () => {
    const call = genericCallSchema.parse(fixture('generic', 'callback-requested.json').body);
    await ingestCallEvent(deps, normalizeGenericCall(call, clock.now(), routing));
    const later = genericCallSchema.parse({
      ...fixture('generic', 'callback-requested.json').body,
      callbackRequested: false,
      callbackNumber: null,
      occurredAt: '2026-11-20T17:20:00Z',
    });
    await ingestCallEvent(deps, normalizeGenericCall(later, clock.now(), routing));
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({ callbackRequested: true, callbackNumber: '+14155550199' });
  });

  it('generic: a number an agent typed is kept when the provider repeats its own number', async () => {
    const call = genericCallSchema.parse(fixture('generic', 'callback-requested.json').body);
    await ingestCallEvent(deps, normalizeGenericCall(call, clock.now(), routing));
    const [noted] = await store.episodes.list();
    const changed = await runCommand({ store, clock, planEffects: recorder.planner }, noted?.id ?? '', {
      type: 'set_callback_number',
      actor: { id: 'slack:UANA000001', name: 'Ana', email: 'ana@example.com', surface: 'slack' },
      at: clock.now(),
      number: '+14155550123',
      asManager: false,
    });
    expect(changed.status).toBe('accepted');

    const repeated = genericCallSchema.parse({
      ...fixture('generic', 'callback-requested.json').body,
      occurredAt: '2026-11-20T17:20:00Z',
    });
    await ingestCallEvent(deps, normalizeGenericCall(repeated, clock.now(), routing));
    const [episode] = await store.episodes.list();
    expect(episode).toMatchObject({ callbackRequested: true, callbackNumber: '+14155550123' });
  });
});
