/**
 * Acknowledgement under load: 500 Aircall webhook requests a second for 30 s (open loop: requests leave
 * on schedule whatever the answers do), whole call lifecycles of 2,000 callers, 20 % of them missed. The
 * figure is each request's time from send to the last byte of the answer, as Aircall would see it.
 * First the same load goes for 15 s to a bare Node HTTP server answering 200 (lib/bareServer.ts): the
 * machine is shared and noisy, so Ringback's p99 is also judged as a multiple of that one. Both loads
 * are sent from a thread of their own (lib/loadThread.ts). Ringback is measured twice, as `npm start` runs
 * it by default (one thread) and with RINGBACK_THREADS=2 (jobs on a thread of their own), each with a fresh
 * database: two rows.
 */
import { BareServer } from '../lib/bareServer.js';
import { type BenchContext, startWorld, waitUntil } from '../lib/context.js';
import { backlog, jobCounts } from '../lib/database.js';
import { loadFromThread } from '../lib/loadThread.js';
import { Random } from '../lib/random.js';
import type { FigureResult } from '../lib/report.js';
import { latencyStats, round } from '../lib/stats.js';
import { aircallTraffic } from '../lib/traffic.js';
import { BACK_OFFICE } from '../lib/world.js';

const PER_SECOND = 500;
const SECONDS = 30;
const BARE_SECONDS = 15;
const MAX_RATIO = 3;

interface AckRun {
  label: string;
  env: Record<string, string>;
}

/** Ringback as configured by default (one thread), then with RINGBACK_THREADS=2, each on a fresh world. */
const RUNS: AckRun[] = [
  { label: 'one thread (default)', env: {} },
  { label: 'RINGBACK_THREADS=2', env: { RINGBACK_THREADS: '2' } },
];

export async function ack(ctx: BenchContext): Promise<FigureResult[]> {
  const total = PER_SECOND * SECONDS;
  const traffic = aircallTraffic(new Random(ctx.seed), {
    events: total,
    line: BACK_OFFICE.number,
    missedShare: 0.2,
    block: 3,
    callerPool: 2_000,
    firstId: 20_000_000,
  });
  const bodies = traffic.bodies.slice(0, total);

  // Every load comes from a thread of its own (lib/loadThread.ts says why), the same way.
  const bare = await BareServer.start();
  const bareRun = await loadFromThread({
    baseUrl: bare.baseUrl,
    path: '/webhooks/aircall',
    bodies: bodies.slice(0, PER_SECOND * BARE_SECONDS),
    perSecond: PER_SECOND,
    maxSockets: 128,
  }).finally(() => bare.stop());
  const bareStats = latencyStats(bareRun.results.map((r) => r.ms));
  const bareErrors = bareRun.results.filter((r) => r.status !== 200).length;
  ctx.log(
    `ack: bare Node server p50 ${round(bareStats.p50)} ms / p99 ${round(bareStats.p99)} ms (${bareErrors} errors)`,
  );

  const figures: FigureResult[] = [];
  for (const run of RUNS) {
    const world = await startWorld(ctx, 'ack', 'sqlite');
    try {
      const ringback = await world.startRingback('ringback', run.env);
      ctx.log(
        `ack (${run.label}): ${bodies.length} deliveries at ${PER_SECOND}/s (${traffic.calls.length} calls)`,
      );
      const { results, lateMs } = await loadFromThread({
        baseUrl: ringback.baseUrl,
        path: '/webhooks/aircall',
        bodies,
        perSecond: PER_SECOND,
        maxSockets: 128,
      });
      const stats = latencyStats(results.map((r) => r.ms));
      const errors = results.filter((r) => r.status !== 200);
      const byStatus: Record<string, number> = {};
      for (const r of results)
        byStatus[r.error ?? String(r.status)] = (byStatus[r.error ?? String(r.status)] ?? 0) + 1;
      // Not part of the figure: how long the deliveries took to be processed after the load.
      const afterLoad = performance.now();
      const drained = await waitUntil(
        async () => (await backlog(world.store, ['aircall.event'])) === 0,
        60_000,
        250,
      );
      const drainMs = performance.now() - afterLoad;
      const jobs = await jobCounts(world.store, ['aircall.event'], 'aircall:');
      const ratio = stats.p99 / bareStats.p99;
      figures.push({
        scenario: 'ack',
        figure: `webhook ack p50 / p99 at ${PER_SECOND} req/s for ${SECONDS} s, errors: ${run.label}`,
        target: `p99 ≤ 20 ms and ≤ ${MAX_RATIO}× bare Node's p99, 0 errors`,
        measured: `p50 ${round(stats.p50)} ms / p99 ${round(stats.p99)} ms (max ${round(stats.max)}); bare Node p99 ${round(bareStats.p99, 2)} ms → ${round(ratio, 2)}×; ${errors.length} errors of ${results.length}`,
        pass: stats.p99 <= 20 && ratio <= MAX_RATIO && errors.length === 0,
        data: {
          threads: run.env.RINGBACK_THREADS ?? '1',
          requests: results.length,
          ...stats,
          bareNode: { ...bareStats, errors: bareErrors, generatorLateMs: round(bareRun.lateMs) },
          ratioToBareNode: round(ratio, 2),
          errors: errors.length,
          answers: byStatus,
          generatorLateMs: round(lateMs),
          processedAfterLoadMs: drained ? round(drainMs) : null,
          ingestJobs: jobs,
        },
      });
    } finally {
      await world.stop();
    }
  }
  return figures;
}
