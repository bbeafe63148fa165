/**
 * Size: a store holding 100,000 calls (a year or two of a busy team: one episode, one provider call, one
 * posted card and two audit entries each, 3 % still open), then Ringback starts on it. Figures: startup
 * (spawn → /readyz answers 200), resident memory after start and after reading, and the latency of
 * `GET /api/calls?state=open` (the dashboard's question).
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { AuditTable, EpisodesTable, PostsTable, ProviderCallsTable } from '../../../src/store/schema.js';
import type { Store } from '../../../src/store/store.js';
import { callerNumber } from '../lib/calls.js';
import { type BenchContext, startWorld } from '../lib/context.js';
import { tableCount } from '../lib/database.js';
import { Random } from '../lib/random.js';
import type { FigureResult } from '../lib/report.js';
import { latencyStats, round } from '../lib/stats.js';
import { API_TOKEN, STEADY_LINES } from '../lib/world.js';

const CALLS = 100_000;
const OPEN_SHARE = 0.03;
const BATCH = 500;
const QUERIES = 200;

async function seed(store: Store, random: Random): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < CALLS; start += BATCH * 10) {
    await store.transaction(async (repos) => {
      for (let batch = start; batch < Math.min(CALLS, start + BATCH * 10); batch += BATCH) {
        const episodes: Insertable<EpisodesTable>[] = [];
        const calls: Insertable<ProviderCallsTable>[] = [];
        const posts: Insertable<PostsTable>[] = [];
        const audit: Insertable<AuditTable>[] = [];
        for (let i = batch; i < Math.min(CALLS, batch + BATCH); i++) {
          const id = randomUUID();
          const line = STEADY_LINES[i % STEADY_LINES.length];
          const missedAt = now - (CALLS - i) * 600_000 - random.int(0, 599_999);
          const open = random.bool(OPEN_SHARE);
          const caller = callerNumber(i, 8);
          const agent = JSON.stringify({
            id: 'slack:UANA000001',
            name: 'Ana Lopez',
            email: 'ana@example.com',
            surface: 'slack',
          });
          episodes.push({
            id,
            line: line?.name ?? 'Steady 01',
            state: open ? 'open' : 'resolved',
            caller_number: caller,
            caller_name: random.bool(0.6) ? `Caller ${i}` : null,
            call_count: random.bool(0.15) ? 2 : 1,
            missed_at: missedAt,
            last_call_at: missedAt,
            claimed_by: open ? null : agent,
            claimed_at: open ? null : missedAt + 300_000,
            attempts: open ? 0 : 1,
            first_attempt_at: open ? null : missedAt + 400_000,
            last_attempt_at: open ? null : missedAt + 400_000,
            outcome: open ? null : 'reached',
            resolved_at: open ? null : missedAt + 900_000,
            resolved_by: open ? null : agent,
            auto_resolved: 0,
            escalation_level: 0,
            escalated_at: null,
            zendesk_ticket_id: 100_000 + i,
            details: JSON.stringify({
              lineNumber: line?.number,
              callerCountry: 'FR',
              calls: [
                {
                  key: `aircall:${70_000_000 + i}`,
                  at: missedAt,
                  reason: 'agents_did_not_answer',
                  waitedSeconds: 35,
                },
              ],
              rang: ['Ana Lopez', 'Ben Martin'],
              voicemail: null,
              transcript: null,
              summary: null,
              outOfHours: false,
            }),
            version: open ? 1 : 4,
            created_at: missedAt,
            updated_at: missedAt + 900_000,
          });
          calls.push({
            key: `aircall:${70_000_000 + i}`,
            provider: 'aircall',
            provider_call_id: String(70_000_000 + i),
            episode_id: id,
            direction: 'inbound',
            from_number: caller,
            line: line?.name ?? null,
            started_at: missedAt,
            ended_at: missedAt + 35_000,
            answered: 0,
            missed_reason: 'agents_did_not_answer',
            data: JSON.stringify({
              provider: 'aircall',
              providerCallId: String(70_000_000 + i),
              direction: 'inbound',
              ended: true,
              answered: false,
              externalNumber: caller,
              line: { aircallNumber: line?.number },
              startedAt: missedAt,
              endedAt: missedAt + 35_000,
              missedReason: 'agents_did_not_answer',
              legs: [
                {
                  agentName: 'Ana Lopez',
                  agentEmail: 'ana@example.com',
                  result: 'missed',
                  at: missedAt + 1000,
                },
                {
                  agentName: 'Ben Martin',
                  agentEmail: 'ben@example.com',
                  result: 'declined',
                  at: missedAt + 2000,
                },
              ],
              events: ['call.created', 'call.ringing_on_agent', 'call.hungup', 'call.ended'],
            }),
            updated_at: missedAt + 35_000,
          });
          posts.push({
            episode_id: id,
            surface: 'slack',
            channel: line?.channel ?? 'CSTEADY0001',
            ref: `${Math.floor(missedAt / 1000)}.${String(i % 1_000_000).padStart(6, '0')}`,
            thread_ref: null,
            created_at: missedAt,
            updated_at: missedAt,
          });
          audit.push(
            { episode_id: id, type: 'opened', actor: null, surface: 'aircall', at: missedAt, data: '{}' },
            ...(open
              ? []
              : [
                  {
                    episode_id: id,
                    type: 'resolved',
                    actor: agent,
                    surface: 'slack',
                    at: missedAt + 900_000,
                    data: '{"outcome":"reached"}',
                  },
                ]),
          );
        }
        await repos.db.insertInto('episodes').values(episodes).execute();
        await repos.db.insertInto('provider_calls').values(calls).execute();
        await repos.db.insertInto('posts').values(posts).execute();
        await repos.db.insertInto('audit').values(audit).execute();
      }
    });
  }
}

export async function size(ctx: BenchContext): Promise<FigureResult[]> {
  const world = await startWorld(ctx, 'size', 'sqlite');
  try {
    const seedStarted = performance.now();
    await seed(world.store, new Random(ctx.seed + 2));
    const stored = await tableCount(world.store, 'episodes');
    const open = (await world.store.episodes.list({ states: ['open'], limit: 100_000 })).length;
    ctx.log(
      `size: seeded ${stored} calls (${open} open) in ${round((performance.now() - seedStarted) / 1000)} s`,
    );

    const ringback = await world.startRingback('ringback');
    const startupMs = ringback.startupMs;
    // Let start-up work (pollers, timers) settle before reading memory.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rssAfterStart = ringback.rssMb() ?? Number.NaN;
    const client = world.client(ringback, 1);
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const latencies: number[] = [];
    let errors = 0;
    let returned = 0;
    for (let i = 0; i < QUERIES; i++) {
      const answer = await client.get('/api/calls?state=open', auth);
      if (answer.status !== 200) errors += 1;
      else returned = (JSON.parse(answer.body) as { calls: unknown[] }).calls.length;
      latencies.push(answer.ms);
    }
    const big = await client.get('/api/calls?state=open&limit=1000', auth);
    // The whole history in one summary: every stored call read and counted.
    const firstDay = new Date(Date.now() - (CALLS + 1) * 600_000).toISOString().slice(0, 10);
    const lastDay = new Date().toISOString().slice(0, 10);
    const whole = await client.get(`/api/summary?period=${firstDay}..${lastDay}`, auth);
    const stats = latencyStats(latencies);
    const rssAfterReads = ringback.rssMb() ?? Number.NaN;
    const peak = ringback.peakRssMb() ?? Number.NaN;
    const rss = Math.max(rssAfterStart, rssAfterReads, peak);
    return [
      {
        scenario: 'size',
        figure: `resident memory with ${stored.toLocaleString('en')} stored calls`,
        target: 'RSS ≤ 200 MB',
        measured: `${round(rssAfterStart)} MB after start, ${round(rssAfterReads)} MB after ${QUERIES + 2} reads (one a summary of every call), peak ${round(peak)} MB`,
        pass: rss <= 200,
        data: {
          stored,
          open,
          rssAfterStartMb: round(rssAfterStart),
          rssAfterReadsMb: round(rssAfterReads),
          peakRssMb: round(peak),
        },
      },
      {
        scenario: 'size',
        figure: `startup with ${stored.toLocaleString('en')} stored calls (spawn → /readyz 200)`,
        target: '≤ 2 s',
        measured: `${round(startupMs)} ms`,
        pass: startupMs <= 2_000,
        data: { startupMs: round(startupMs), runtime: ctx.runtime.description },
      },
      {
        scenario: 'size',
        figure: 'GET /api/calls?state=open latency p50 / p99 (100 newest of the open calls)',
        target: 'informative',
        measured: `p50 ${round(stats.p50)} ms / p99 ${round(stats.p99)} ms; limit=1000: ${round(big.ms)} ms; summary of all ${stored.toLocaleString('en')}: ${round(whole.ms)} ms (${whole.status}); ${errors} errors`,
        pass: errors === 0 && big.status === 200 && returned > 0 && whole.status === 200,
        data: { ...stats, returned, limit1000Ms: round(big.ms), wholeSummaryMs: round(whole.ms), errors },
      },
    ];
  } finally {
    await world.stop();
  }
}
