/**
 * Drill: two Ringback replicas share PostgreSQL; missed calls arrive at both; halfway through, one is
 * killed with SIGKILL. What it had accepted, taken or was posting is finished by the survivor once its
 * leases run out: every call stored, every card in Slack, duplicates counted and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aircallBody, callerNumber } from '../bench/lib/calls.js';
import { sleep, type World, waitUntil } from '../bench/lib/context.js';
import { HttpClient } from '../bench/lib/http.js';
import type { RingbackProcess } from '../bench/lib/ringbackProcess.js';
import { everyCallerHasACard, sightings } from '../bench/lib/slackView.js';
import { KILL_LINES } from '../bench/lib/world.js';
import { databaseKinds } from '../helpers/databases.js';
import { type Drill, prepareDrill, WITHOUT_ZENDESK } from './support/drill.js';

const CALLS = 16;
const KILL_AFTER = 8;
const postgres = (await databaseKinds()).find((kind) => kind.name === 'postgres');

describe.skipIf(postgres?.skipReason)('two replicas on PostgreSQL, one killed mid-run', () => {
  let drill: Drill;
  let world: World;
  let survivor: RingbackProcess;
  const channels = new Set(KILL_LINES.map((l) => l.channel as string));
  const deliveries: { caller: string; body: string; acked: boolean }[] = [];

  beforeAll(async () => {
    drill = await prepareDrill(4105);
    world = await drill.world('replicas', 'postgres');
    const [doomed, other] = await Promise.all([
      world.startRingback('replica-a', WITHOUT_ZENDESK),
      world.startRingback('replica-b', WITHOUT_ZENDESK),
    ]);
    survivor = other;
    const clients = [new HttpClient(doomed.baseUrl, { timeoutMs: 5_000 }), new HttpClient(other.baseUrl)];
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < CALLS; i++) {
      if (i === KILL_AFTER) await doomed.kill9();
      const caller = callerNumber(i, 4);
      const line = KILL_LINES[i % KILL_LINES.length];
      const body = aircallBody(
        {
          id: 82_000_000 + i,
          caller,
          line: line?.number ?? '',
          direction: 'inbound',
          answered: false,
          startedAt: now - 100 + i,
          durationSeconds: 30,
        },
        'call.ended',
      );
      const answer = await (clients[i % 2] as HttpClient).post('/webhooks/aircall', body);
      deliveries.push({ caller, body, acked: answer.status === 200 });
      await sleep(150);
    }
    // What the dead replica did not acknowledge, Aircall sends again (and only one replica is left).
    for (const delivery of deliveries.filter((d) => !d.acked)) {
      delivery.acked =
        (await (clients[1] as HttpClient).post('/webhooks/aircall', delivery.body)).status === 200;
    }
    for (const client of clients) client.close();
    const callers = deliveries.map((d) => d.caller);
    await waitUntil(() => everyCallerHasACard(world.fakes.slack, channels, callers), 30_000);
  }, 55_000);

  afterAll(async () => {
    await world?.stop();
    drill?.cleanup();
  });

  it('keeps the survivor serving', () => {
    expect(survivor.alive).toBe(true);
    expect(deliveries.every((d) => d.acked)).toBe(true);
  });

  it('loses no call: every missed call is stored as its own episode', async () => {
    const episodes = await world.store.episodes.list({ limit: 1_000 });
    expect(episodes.map((e) => e.caller.number).sort()).toEqual(deliveries.map((d) => d.caller).sort());
  });

  it('delivers every card, counting any posted twice', async () => {
    const seen = sightings(world.fakes.slack, channels);
    const duplicates = [...seen.values()].reduce((n, s) => n + Math.max(0, s.cards - 1), 0);
    console.info(`replica drill: ${CALLS} calls, 1 replica killed, ${duplicates} duplicate card(s)`);
    expect(deliveries.filter((d) => (seen.get(d.caller)?.cards ?? 0) === 0).map((d) => d.caller)).toEqual([]);
    expect(world.fakes.slack.rateLimited).toEqual([]);
    expect(await world.store.jobs.list({ status: 'dead' })).toEqual([]);
  });
});
