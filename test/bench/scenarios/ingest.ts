/**
 * Sustained ingest: Aircall deliveries (whole lifecycles, 20 % missed, every caller distinct) sent as
 * fast as Ringback accepts them (64 in flight) for 10 s, then the time until every one of them went
 * through ingest. The rate is deliveries ÷ (first send → last one ingested): acceptance and processing
 * share the process and the database, so this is what the process sustains end to end. "No loss" is
 * checked in the store: every delivery's job done (none dead), one provider call per call, one
 * episode per missed call. Run on SQLite (one process), and on PostgreSQL when the local server answers:
 * two replicas on one database, the senders alternating between them, the rate counted for both together.
 */
import { type BenchContext, startWorld, waitUntil } from '../lib/context.js';
import { backlog, type DatabaseName, jobCounts, postgresReachable, tableCount } from '../lib/database.js';
import type { HttpAnswer, HttpClient } from '../lib/http.js';
import { Random } from '../lib/random.js';
import type { FigureResult } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { aircallTraffic } from '../lib/traffic.js';
import { BACK_OFFICE } from '../lib/world.js';

const SEND_FOR_MS = 10_000;
const MAX_EVENTS = 40_000;
const IN_FLIGHT = 64;
const DRAIN_TIMEOUT_MS = 90_000;

async function ingestOn(ctx: BenchContext, kind: DatabaseName): Promise<FigureResult> {
  const world = await startWorld(ctx, `ingest-${kind}`, kind);
  try {
    const replicas = kind === 'sqlite' ? 1 : 2;
    const clients: HttpClient[] = [];
    for (let i = 0; i < replicas; i++) {
      clients.push(world.client(await world.startRingback(`ringback-${i + 1}`), IN_FLIGHT));
    }
    const traffic = aircallTraffic(new Random(ctx.seed + 1), {
      events: MAX_EVENTS,
      line: BACK_OFFICE.number,
      missedShare: 0.2,
      block: kind === 'sqlite' ? 4 : 5,
      firstId: kind === 'sqlite' ? 30_000_000 : 40_000_000,
    });
    // Send whole calls only, so the checks below know exactly what should be stored.
    const started = performance.now();
    const answers: HttpAnswer[] = [];
    let next = 0;
    const deadline = started + SEND_FOR_MS;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, sender) => {
        const client = clients[sender % clients.length] as HttpClient;
        while (next < traffic.bodies.length && performance.now() < deadline) {
          const body = traffic.bodies[next++] as string;
          answers.push(await client.post('/webhooks/aircall', body));
        }
      }),
    );
    const sentMs = performance.now() - started;
    const sent = answers.length;
    const accepted = answers.filter((a) => a.status === 200).length;
    ctx.log(
      `ingest/${kind}: ${sent} deliveries sent in ${round(sentMs / 1000)} s; waiting until all are ingested`,
    );
    let drainedAt = 0;
    const drained = await waitUntil(
      async () => {
        if ((await backlog(world.store, ['aircall.event'])) > 0) return false;
        drainedAt = performance.now();
        return true;
      },
      DRAIN_TIMEOUT_MS,
      100,
    );
    const totalMs = (drained ? drainedAt : performance.now()) - started;
    const jobs = await jobCounts(world.store, ['aircall.event'], 'aircall:');
    const rate = jobs.done / (totalMs / 1000);

    // Which calls were sent completely (the send stopped at the deadline, maybe mid-call).
    const sentPerCall = new Array<number>(traffic.calls.length).fill(0);
    for (let i = 0; i < next; i++) {
      const owner = traffic.owners[i] as number;
      sentPerCall[owner] = (sentPerCall[owner] ?? 0) + 1;
    }
    const complete = traffic.calls.filter((_, i) => sentPerCall[i] === traffic.deliveries[i]);
    const touched = sentPerCall.filter((n) => n > 0).length;
    const callsStored = await tableCount(world.store, 'provider_calls');
    const episodes = await tableCount(world.store, 'episodes');
    const missedSent = complete.filter((c) => !c.answered).length;
    const lost =
      Math.max(0, accepted - jobs.done) +
      jobs.dead +
      Math.max(0, touched - callsStored) +
      Math.max(0, missedSent - episodes);
    const target = kind === 'sqlite' ? 2_000 : 1_500;
    const pass = drained && lost === 0 && accepted === sent && rate >= target;
    return {
      scenario: `ingest (${kind})`,
      figure:
        kind === 'sqlite'
          ? 'sustained ingest, SQLite (1 process): call events/s end to end, losses'
          : 'sustained ingest, 2 replicas on one PostgreSQL: call events/s together, losses',
      target: `≥ ${target.toLocaleString('en-US')} events/s, no loss`,
      measured: `${Math.round(rate)} events/s (${jobs.done} events in ${round(totalMs / 1000)} s; accepted at ${Math.round(sent / (sentMs / 1000))}/s), ${lost} lost${drained ? '' : `, NOT drained after ${DRAIN_TIMEOUT_MS / 1000} s`}`,
      pass,
      data: {
        database: kind,
        replicas,
        sent,
        accepted,
        rejected: sent - accepted,
        acceptRatePerSecond: round(sent / (sentMs / 1000)),
        eventsPerSecond: round(rate),
        totalMs: round(totalMs),
        drained,
        jobs,
        calls: { complete: complete.length, touched, stored: callsStored },
        missedCalls: missedSent,
        episodes,
        lost,
      },
    };
  } finally {
    await world.stop();
  }
}

export async function ingest(ctx: BenchContext): Promise<FigureResult[]> {
  const results = [await ingestOn(ctx, 'sqlite')];
  if (await postgresReachable()) results.push(await ingestOn(ctx, 'postgres'));
  else {
    results.push({
      scenario: 'ingest (postgres)',
      figure: 'sustained ingest, PostgreSQL',
      target: 'run when PostgreSQL is available',
      measured: 'SKIPPED: PostgreSQL not reachable at 127.0.0.1:5432',
      pass: true,
    });
  }
  return results;
}
