/**
 * Drill: Ringback is killed with SIGKILL at a random moment of a burst of missed calls, started again,
 * and again — eight times. Deliveries it did not acknowledge are sent again, as Aircall does. Afterwards
 * every acknowledged call is stored, every missed call has its card in Slack, and cards posted twice (the
 * at-least-once window between Slack answering and the store recording the post) are counted and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aircallBody, callerNumber } from '../bench/lib/calls.js';
import { sleep, type World, waitUntil } from '../bench/lib/context.js';
import { HttpClient } from '../bench/lib/http.js';
import { Random, seedFrom } from '../bench/lib/random.js';
import { everyCallerHasACard, sightings } from '../bench/lib/slackView.js';
import { KILL_LINES } from '../bench/lib/world.js';
import { type Drill, prepareDrill, WITHOUT_ZENDESK } from './support/drill.js';

const SEED = seedFrom('DRILL_SEED', 4101);
const KILLS = 8;

interface Delivery {
  caller: string;
  body: string;
  acked: boolean;
}

// Once as `npm start` runs by default, once with the jobs on a thread of their own (on SQLite the answers
// then wait in an inbox file until the jobs thread moves them: a kill between the two must lose nothing).
describe.each([{ threads: '1' as const }, { threads: '2' as const }])(
  'kill -9 at random points of a burst, repeated (RINGBACK_THREADS=$threads)',
  ({ threads }) => {
    const env = { ...WITHOUT_ZENDESK, RINGBACK_THREADS: threads };
    let drill: Drill;
    let world: World;
    const deliveries: Delivery[] = [];
    const channels = new Set(KILL_LINES.map((l) => l.channel as string));

    beforeAll(async () => {
      drill = await prepareDrill(SEED);
      world = await drill.world(`kill-burst-${threads}`, 'sqlite');
      const random = new Random(SEED);
      const now = Math.floor(Date.now() / 1000);
      const send = async (client: HttpClient, delivery: Delivery, delayMs: number) => {
        await sleep(delayMs);
        const answer = await client.post('/webhooks/aircall', delivery.body);
        if (answer.status === 200) delivery.acked = true;
      };
      for (let kill = 0; kill < KILLS; kill++) {
        const ringback = await world.startRingback('cycle', env);
        const client = new HttpClient(ringback.baseUrl, { maxSockets: 8, timeoutMs: 5_000 });
        const fresh = Array.from({ length: 4 }, () => {
          const index = deliveries.length;
          const line = KILL_LINES[index % KILL_LINES.length];
          const caller = callerNumber(index, 5);
          const call = {
            id: 81_000_000 + index,
            caller,
            line: line?.number ?? '',
            direction: 'inbound' as const,
            answered: false,
            startedAt: now - 120 + index,
            durationSeconds: 30,
          };
          const delivery = { caller, body: aircallBody(call, 'call.ended'), acked: false };
          deliveries.push(delivery);
          return delivery;
        });
        const retries = deliveries.filter((d) => !d.acked && !fresh.includes(d));
        const sends = [...retries, ...fresh].map((d) => send(client, d, random.int(0, 400)));
        await sleep(random.int(50, 1_200));
        await ringback.kill9();
        await Promise.all(sends);
        client.close();
      }
      const last = await world.startRingback('final', env);
      const client = world.client(last, 8);
      for (const delivery of deliveries.filter((d) => !d.acked)) await send(client, delivery, 0);
      const callers = deliveries.map((d) => d.caller);
      await waitUntil(() => everyCallerHasACard(world.fakes.slack, channels, callers), 30_000);
    }, 58_000);

    afterAll(async () => {
      await world?.stop();
      drill?.cleanup();
    });

    it('acknowledges every delivery in the end (the sender retried the unacknowledged ones)', () => {
      expect(deliveries.filter((d) => !d.acked).map((d) => d.caller)).toEqual([]);
    });

    it('loses no call: every acknowledged missed call is stored as its own episode', async () => {
      const episodes = await world.store.episodes.list({ limit: 1_000 });
      const stored = episodes.map((e) => e.caller.number).sort();
      expect(stored).toEqual(deliveries.map((d) => d.caller).sort());
    });

    it('delivers every card, and counts the cards posted twice', async () => {
      const seen = sightings(world.fakes.slack, channels);
      const missing = deliveries.filter((d) => (seen.get(d.caller)?.cards ?? 0) === 0).map((d) => d.caller);
      const duplicates = [...seen.values()].reduce((n, s) => n + Math.max(0, s.cards - 1), 0);
      console.info(
        `kill drill (seed ${SEED}, ${threads} thread(s)): ${KILLS} kills, ${deliveries.length} calls, ${duplicates} duplicate card(s)`,
      );
      expect(missing).toEqual([]);
      expect(world.fakes.slack.rateLimited).toEqual([]);
      expect(await world.store.jobs.list({ status: 'dead' })).toEqual([]);
    });
  },
);
