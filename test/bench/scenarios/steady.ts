/**
 * Steady load: 20 missed calls a second for 60 s, round-robin over 20 lines with a Slack channel each
 * (one call per channel per second, Slack's own pace). Each call is one Aircall `call.ended` delivery;
 * the figure is the time from sending it to the fake Slack receiving the card's chat.postMessage.
 */
import { aircallBody, type BenchCall, callerNumber } from '../lib/calls.js';
import { type BenchContext, startWorld, waitUntil } from '../lib/context.js';
import { openJobs } from '../lib/database.js';
import { openLoop } from '../lib/http.js';
import type { FigureResult } from '../lib/report.js';
import { epochNow, rateLimitedBy, sightings } from '../lib/slackView.js';
import { latencyStats, round } from '../lib/stats.js';
import { STEADY_LINES } from '../lib/world.js';

const PER_SECOND = 20;
const SECONDS = 60;

export async function steady(ctx: BenchContext): Promise<FigureResult[]> {
  const world = await startWorld(ctx, 'steady', 'sqlite');
  try {
    const ringback = await world.startRingback('ringback');
    const client = world.client(ringback, 32);
    const total = PER_SECOND * SECONDS;
    const now = Math.floor(Date.now() / 1000);
    const calls: BenchCall[] = Array.from({ length: total }, (_, i) => ({
      id: 10_000_000 + i,
      caller: callerNumber(i, 1),
      line: STEADY_LINES[i % STEADY_LINES.length]?.number ?? '',
      direction: 'inbound',
      answered: false,
      startedAt: now - 40,
      durationSeconds: 35,
    }));
    const bodies = calls.map((call) => aircallBody(call, 'call.ended'));
    const sentAt: number[] = new Array(total).fill(0);
    ctx.log(`steady: ${total} missed calls at ${PER_SECOND}/s over ${STEADY_LINES.length} channels`);
    const { results, lateMs } = await openLoop(total, PER_SECOND, (i) => {
      sentAt[i] = epochNow();
      return client.post('/webhooks/aircall', bodies[i] as string);
    });
    const channels = new Set(STEADY_LINES.map((l) => l.channel as string));
    const allPosted = await waitUntil(() => {
      const seen = sightings(world.fakes.slack, channels);
      return calls.every((c) => seen.get(c.caller)?.firstCardAt != null);
    }, 15_000);
    const unfinished = await openJobs(world.store);
    const seen = sightings(world.fakes.slack, channels);
    const latencies: number[] = [];
    let missing = 0;
    calls.forEach((call, i) => {
      const at = seen.get(call.caller)?.firstCardAt;
      if (at == null) missing += 1;
      else latencies.push(at - (sentAt[i] ?? 0));
    });
    const stats = latencyStats(latencies);
    const ackErrors = results.filter((r) => r.status !== 200).length;
    const limited = rateLimitedBy(world.fakes.slack);
    const duplicates = [...seen.values()].filter((s) => s.cards > 1).length;
    const digests = world.fakes.slack.calls.filter(
      (c) =>
        c.ok &&
        c.method === 'chat.postMessage' &&
        c.args.thread_ts === undefined &&
        typeof c.args.text === 'string' &&
        c.args.text.includes('waiting for'),
    ).length;
    const pass = stats.p99 <= 100 && missing === 0 && ackErrors === 0;
    return [
      {
        scenario: 'steady',
        figure: 'webhook → chat.postMessage p50 / p99 (20 calls/s, 20 channels, 60 s)',
        target: 'p99 ≤ 100 ms',
        measured: `p50 ${round(stats.p50)} ms / p99 ${round(stats.p99)} ms (max ${round(stats.max)}), ${total - missing}/${total} posted${missing ? `, ${missing} NOT posted 15 s after the last call` : ''}`,
        pass,
        data: {
          calls: total,
          ...stats,
          missing,
          allPosted,
          ackErrors,
          slack429: limited,
          duplicateCards: duplicates,
          digestPosts: digests,
          generatorLateMs: round(lateMs),
          unfinishedJobs: unfinished,
        },
      },
    ];
  } finally {
    await world.stop();
  }
}
