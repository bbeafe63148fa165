/**
 * Storm: 600 missed calls in 60 s (10 a second) into one channel, whose fake Slack allows one post a
 * second (burst 3). Figures: 429s Slack had to answer, how long until each call was visible and claimable
 * in the channel (its card posted, or counted in the storm queue message while it offered Claim next), and
 * losses. Cards beyond one a second cannot all be out by the end: the rest must still be queued (a
 * card_queue row, not failed).
 */
import { startFakeSlack } from '../../mocks/fakeSlack.js';
import { aircallBody, type BenchCall, callerNumber } from '../lib/calls.js';
import { type BenchContext, sleep, startWorld, waitUntil } from '../lib/context.js';
import { HttpClient, openLoop } from '../lib/http.js';
import { startNaiveBot } from '../lib/naiveBot.js';
import type { FigureResult } from '../lib/report.js';
import { claimNextOffers, epochNow, rateLimitedBy, sightings } from '../lib/slackView.js';
import { latencyStats, round } from '../lib/stats.js';
import { STORM_LINE } from '../lib/world.js';

const CALLS = 600;
const SECONDS = 60;
const CLAIMABLE_WITHIN_MS = 10_000;

export async function storm(ctx: BenchContext): Promise<FigureResult[]> {
  const world = await startWorld(ctx, 'storm', 'sqlite');
  try {
    const ringback = await world.startRingback('ringback');
    const client = world.client(ringback, 32);
    const now = Math.floor(Date.now() / 1000);
    const calls: BenchCall[] = Array.from({ length: CALLS }, (_, i) => ({
      id: 50_000_000 + i,
      caller: callerNumber(i, 6),
      line: STORM_LINE.number,
      direction: 'inbound',
      answered: false,
      startedAt: now - 30,
      durationSeconds: 25,
    }));
    const bodies = calls.map((call) => aircallBody(call, 'call.ended'));
    const sentAt: number[] = new Array(CALLS).fill(0);
    ctx.log(`storm: ${CALLS} missed calls in ${SECONDS} s into ${STORM_LINE.channel}`);
    const { results, lateMs } = await openLoop(CALLS, CALLS / SECONDS, (i) => {
      sentAt[i] = epochNow();
      return client.post('/webhooks/aircall', bodies[i] as string);
    });
    const stormChannel = STORM_LINE.channel as string;
    const channel = new Set([stormChannel]);
    const lastSent = Math.max(...sentAt);
    // When each call was stored (and its card queued, in the same transaction), by caller number.
    const storedAt = async () =>
      new Map(
        (
          await world.store.db
            .selectFrom('episodes')
            .select(['caller_number', 'created_at'])
            .where('line', '=', STORM_LINE.name)
            .execute()
        ).map((row) => [row.caller_number ?? '', Number(row.created_at)] as const),
      );
    /** When each call became claimable: its card out, or the first Claim next offer that counts it. */
    const claimable = async () => {
      const stored = await storedAt();
      const seen = sightings(world.fakes.slack, channel);
      const offers = claimNextOffers(world.fakes.slack, stormChannel);
      return calls.map((call) => {
        const created = stored.get(call.caller);
        if (created === undefined) return null;
        const offer = offers.find((o) => o.through >= created)?.at ?? Number.POSITIVE_INFINITY;
        const at = Math.min(seen.get(call.caller)?.firstCardAt ?? Number.POSITIVE_INFINITY, offer);
        return Number.isFinite(at) ? at : null;
      });
    };
    await waitUntil(
      async () =>
        (await claimable()).every((at) => at !== null) || epochNow() > lastSent + CLAIMABLE_WITHIN_MS + 2_000,
      CLAIMABLE_WITHIN_MS + 5_000,
    );
    // A little longer so a straggler that shows up late is measured, not counted as never claimable.
    await sleep(1_000);
    const seen = sightings(world.fakes.slack, channel);
    const claimableAt = await claimable();
    const delays: number[] = [];
    let neverClaimable = 0;
    calls.forEach((_call, i) => {
      const at = claimableAt[i];
      if (at == null) neverClaimable += 1;
      else delays.push(at - (sentAt[i] ?? 0));
    });
    const stats = latencyStats(delays);
    const late = delays.filter((ms) => ms > CLAIMABLE_WITHIN_MS).length;
    const offers = claimNextOffers(world.fakes.slack, stormChannel).length;
    const cardsPosted = calls.filter((c) => (seen.get(c.caller)?.cards ?? 0) > 0).length;
    const duplicates = [...seen.values()].reduce((n, s) => n + Math.max(0, s.cards - 1), 0);
    const limited = rateLimitedBy(world.fakes.slack);
    const total429 = Object.values(limited).reduce((a, b) => a + b, 0);

    // Nothing lost: every call is an episode, and every episode's card is out or still queued (card_queue).
    const episodes = await world.store.episodes.list({ limit: 10_000 });
    const queueRows = await world.store.db
      .selectFrom('card_queue')
      .select(['episode_id', 'failed_at'])
      .where('surface', '=', 'slack')
      .where('channel', '=', stormChannel)
      .execute();
    const failedCards = queueRows.filter((row) => row.failed_at !== null).length;
    const queuedFor = new Set(queueRows.filter((row) => row.failed_at === null).map((row) => row.episode_id));
    const postedFor = new Set(
      (await world.store.posts.listForEpisodes(episodes.map((e) => e.id))).map((p) => p.episodeId),
    );
    const queued = episodes.filter((e) => !postedFor.has(e.id) && queuedFor.has(e.id)).length;
    const dropped = episodes.filter((e) => !postedFor.has(e.id) && !queuedFor.has(e.id)).length;
    const unaccounted = Math.max(0, CALLS - episodes.length) + dropped + failedCards;
    const ackErrors = results.filter((r) => r.status !== 200).length;

    const stormWindow = `${CALLS} calls / ${SECONDS} s, one channel`;
    ctx.log('storm: the same storm against the naive baseline (one post per call, no pacing)');
    const naive = await naiveStorm(calls, bodies);
    const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1' : '∞') : `${round(a / b, 1)}`);
    return [
      {
        scenario: 'storm',
        figure: 'naive baseline in the same run (one chat.postMessage per call, no pacing, no retry)',
        target: 'measured for comparison',
        measured:
          `naive: ${naive.total429} 429s, ${naive.lost} of ${CALLS} calls never visible, visible p50 ${round(naive.stats.p50 / 1000, 2)} s / p99 ${round(naive.stats.p99 / 1000, 2)} s; ` +
          `Ringback: ${total429} 429s, ${neverClaimable} never claimable, claimable p99 ${round(stats.p99 / 1000, 2)} s; ` +
          `ratios naive/Ringback: 429s ${ratio(naive.total429, total429)}, lost ${ratio(naive.lost, neverClaimable)}, p99 ${ratio(naive.stats.p99, stats.p99)}`,
        pass: true,
        data: { naive, ringback: { total429, neverClaimable, p99: stats.p99 } },
      },
      {
        scenario: 'storm',
        figure: `429s received from Slack (${stormWindow})`,
        target: '0',
        measured: `${total429}${total429 ? ` (${JSON.stringify(limited)})` : ''}`,
        pass: total429 === 0,
        data: { rateLimited: limited },
      },
      {
        scenario: 'storm',
        figure:
          'time from call.ended until each call is visible and claimable in Slack (its card, or counted in the storm queue message with Claim next)',
        target: `every call ≤ ${CLAIMABLE_WITHIN_MS / 1000} s`,
        measured: `p50 ${round(stats.p50 / 1000, 2)} s / p99 ${round(stats.p99 / 1000, 2)} s / max ${round(stats.max / 1000, 2)} s; ${late} later than ${CLAIMABLE_WITHIN_MS / 1000} s, ${neverClaimable} never claimable; ${offers} queue message posts/updates`,
        pass: late === 0 && neverClaimable === 0,
        data: { ...stats, late, neverClaimable, queueMessageWrites: offers, generatorLateMs: round(lateMs) },
      },
      {
        scenario: 'storm',
        figure: 'calls lost (stored, and card posted or still queued)',
        target: '0',
        measured: `${unaccounted} lost; ${episodes.length}/${CALLS} stored, ${cardsPosted} cards out by the end, ${queued} still queued, ${duplicates} duplicate cards`,
        pass: unaccounted === 0 && ackErrors === 0,
        data: {
          episodes: episodes.length,
          posted: postedFor.size,
          cardsPosted,
          queued,
          dropped,
          failedCards,
          duplicates,
          ackErrors,
        },
      },
    ];
  } finally {
    await world.stop();
  }
}

/** The storm against the naive bot and a fresh fake Slack with the same limits: its 429s, losses and visibility. */
async function naiveStorm(
  calls: BenchCall[],
  bodies: string[],
): Promise<{ total429: number; lost: number; stats: ReturnType<typeof latencyStats> }> {
  const slack = await startFakeSlack({ postBurst: 3, postsPerSecond: 1 });
  const bot = await startNaiveBot(slack.url, slack.token, STORM_LINE.channel as string);
  const client = new HttpClient(bot.url, { maxSockets: 32 });
  try {
    const sentAt: number[] = new Array(calls.length).fill(0);
    await openLoop(calls.length, calls.length / SECONDS, (i) => {
      sentAt[i] = epochNow();
      return client.post('/webhooks/aircall', bodies[i] as string);
    });
    // The naive bot posts at once or never: what is not visible a few seconds after the storm never will be.
    await sleep(5_000);
    const seen = sightings(slack, new Set([STORM_LINE.channel as string]));
    const visibility: number[] = [];
    let lost = 0;
    calls.forEach((call, i) => {
      const sighting = seen.get(call.caller);
      if (!sighting) lost += 1;
      else visibility.push(sighting.firstSeenAt - (sentAt[i] ?? 0));
    });
    return { total429: slack.rateLimited.length, lost, stats: latencyStats(visibility) };
  } finally {
    client.close();
    await bot.close();
    await slack.close();
  }
}
