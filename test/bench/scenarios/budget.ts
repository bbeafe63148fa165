/**
 * One Zendesk budget for the cluster: two replicas on one PostgreSQL database, the routing file giving
 * Ringback a Zendesk budget of N requests a minute, and more missed calls (each wants a requester and a
 * ticket) than N allows for over a minute. The fake Zendesk records every request it is sent; the figure is
 * the most requests in any sliding 60 s, from both replicas together, against N. Zendesk's own limit (the
 * account's, shared with the customer's other apps) is higher: the budget is our share of it.
 */
import { writeFileSync } from 'node:fs';
import { type BenchContext, sleep, startWorld } from '../lib/context.js';
import { postgresReachable } from '../lib/database.js';
import type { HttpClient } from '../lib/http.js';
import { Random } from '../lib/random.js';
import type { FigureResult } from '../lib/report.js';
import { aircallTraffic } from '../lib/traffic.js';
import { BACK_OFFICE, routingYaml, ZENDESK_PER_MINUTE } from '../lib/world.js';

/** Ringback's share of the account's requests (routing `zendesk.requestsPerMinute`). */
const BUDGET_PER_MINUTE = 120;
const MISSED_CALLS = 400;
const IN_FLIGHT = 32;
/** Long enough for two whole sliding minutes of saturated Zendesk work after the calls are in. */
const OBSERVE_MS = 130_000;
const MINUTE_MS = 60_000;

/** The most of these times that fall within any window of `windowMs` (times sorted ascending). */
export function mostInAnyWindow(times: number[], windowMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[last] as number) - (times[first] as number) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

export async function budget(ctx: BenchContext): Promise<FigureResult[]> {
  const figure = `2 replicas sharing one Zendesk budget of ${BUDGET_PER_MINUTE} requests/min: most requests in any 60 s`;
  if (!(await postgresReachable())) {
    return [
      {
        scenario: 'budget',
        figure,
        target: 'run when PostgreSQL is available',
        measured: 'SKIPPED: PostgreSQL not reachable at 127.0.0.1:5432',
        pass: true,
      },
    ];
  }
  const world = await startWorld(ctx, 'budget', 'postgres');
  try {
    writeFileSync(
      world.routingPath,
      routingYaml().replace(
        `requestsPerMinute: ${ZENDESK_PER_MINUTE}`,
        `requestsPerMinute: ${BUDGET_PER_MINUTE}`,
      ),
    );
    const clients: HttpClient[] = [];
    for (let i = 0; i < 2; i++)
      clients.push(world.client(await world.startRingback(`replica-${i + 1}`), IN_FLIGHT));
    const traffic = aircallTraffic(new Random(ctx.seed + 7), {
      events: MISSED_CALLS * 4,
      line: BACK_OFFICE.number,
      missedShare: 1,
      block: 7,
      firstId: 70_000_000,
    });
    const startedAt = Date.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, sender) => {
        const client = clients[sender % clients.length] as HttpClient;
        while (next < traffic.bodies.length) {
          const answer = await client.post('/webhooks/aircall', traffic.bodies[next++] as string);
          if (answer.status !== 200) refused += 1;
        }
      }),
    );
    ctx.log(
      `budget: ${traffic.calls.length} missed calls sent to 2 replicas; watching Zendesk for ${OBSERVE_MS / 1000} s`,
    );
    await sleep(OBSERVE_MS - (Date.now() - startedAt));
    const times = world.fakes.zendesk.requests
      .map((r) => r.at)
      .filter((at) => at >= startedAt)
      .sort((a, b) => a - b);
    const most = mostInAnyWindow(times, MINUTE_MS);
    const throttled = world.fakes.zendesk.requests.filter(
      (r) => r.at >= startedAt && r.status === 429,
    ).length;
    const tickets = world.fakes.zendesk.requests.filter(
      (r) => r.at >= startedAt && r.method === 'POST' && r.path.startsWith('/api/v2/tickets'),
    ).length;
    // Saturated means the budget, not a lack of work, bounded the rate: tickets were still wanted at the end.
    const saturated = tickets < traffic.calls.length;
    return [
      {
        scenario: 'budget',
        figure,
        target: `≤ ${BUDGET_PER_MINUTE} in any 60 s, while there is more work than that`,
        measured: `${most} requests in the busiest 60 s (${times.length} in ${Math.round(OBSERVE_MS / 1000)} s, ${tickets} tickets created of ${traffic.calls.length} wanted${saturated ? ': saturated' : ': NOT saturated'}); ${throttled} answered 429; ${refused} webhooks refused`,
        pass: most <= BUDGET_PER_MINUTE && saturated && refused === 0,
        data: { most, requests: times.length, throttled, tickets, wanted: traffic.calls.length, refused },
      },
    ];
  } finally {
    await world.stop();
  }
}
