/**
 * Claim race: one missed call's card, then 50 different people click Claim at the same moment, each
 * click a signed block_actions POST to /slack/events. On SQLite with one process, and on PostgreSQL with
 * two replicas behind no balancer (the clicks alternate between them). Figures: winners (from the audit
 * trail), the slowest acknowledgement, and that the 49 others were told privately who has the call.
 */

import { blockActions, interactivityBody, slackSignature } from '../../mocks/slackRequests.js';
import { aircallBody, callerNumber } from '../lib/calls.js';
import { type BenchContext, startWorld, waitUntil } from '../lib/context.js';
import { type DatabaseName, postgresReachable } from '../lib/database.js';
import type { HttpClient } from '../lib/http.js';
import type { FigureResult } from '../lib/report.js';
import type { RingbackProcess } from '../lib/ringbackProcess.js';
import { round } from '../lib/stats.js';
import { CLAIM_LINE, SLACK_SIGNING_SECRET } from '../lib/world.js';

const CLICKS = 50;
const CARD = /ringback\.title:([0-9a-f-]{36})/;

export function signedClick(user: string, channel: string, ts: string, episodeId: string) {
  const body = interactivityBody(
    blockActions({ userId: user, channel, messageTs: ts, actionId: 'ringback.claim', value: episodeId }),
  );
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(SLACK_SIGNING_SECRET, timestamp, body),
    },
  };
}

async function race(ctx: BenchContext, kind: DatabaseName, replicas: number): Promise<FigureResult[]> {
  const world = await startWorld(ctx, `claim-${kind}`, kind);
  try {
    const processes: RingbackProcess[] = [];
    for (let i = 0; i < replicas; i++) processes.push(await world.startRingback(`replica${i + 1}`));
    const clients: HttpClient[] = processes.map((p) => world.client(p, CLICKS));
    const channel = CLAIM_LINE.channel as string;
    const now = Math.floor(Date.now() / 1000);
    const call = {
      id: 60_000_000 + (kind === 'sqlite' ? 1 : 2),
      caller: callerNumber(kind === 'sqlite' ? 1 : 2, 7),
      line: CLAIM_LINE.number,
      direction: 'inbound' as const,
      answered: false,
      startedAt: now - 60,
      durationSeconds: 40,
    };
    const sent = await clients[0]?.post('/webhooks/aircall', aircallBody(call, 'call.ended'));
    if (sent?.status !== 200)
      throw new Error(`the missed call was not accepted: ${sent?.status} ${sent?.body}`);
    let card: { ts: string; episodeId: string } | null = null;
    await waitUntil(() => {
      for (const message of world.fakes.slack.messages(channel)) {
        const match = message.threadTs === null ? CARD.exec(JSON.stringify(message.blocks ?? [])) : null;
        if (match?.[1]) card = { ts: message.ts, episodeId: match[1] };
      }
      return card !== null;
    }, 20_000);
    const posted = card as { ts: string; episodeId: string } | null;
    if (!posted) throw new Error('the card was never posted');
    // Slack shows the card a moment before Ringback has stored where it is (its answer to chat.postMessage):
    // a click in that moment is refused as "not this call's card". No person clicks that fast.
    await waitUntil(
      async () => (await world.store.posts.get(posted.episodeId, 'slack', channel)) !== null,
      5_000,
    );

    const users = Array.from({ length: CLICKS }, (_, i) => `UCLAIM${String(i).padStart(4, '0')}`);
    // Fifty agents of the team: Zendesk knows them by the email Slack gives (the fake's users.info).
    for (const user of users)
      world.fakes.zendesk.addAgent(`Agent ${user}`, `${user.toLowerCase()}@example.com`);
    const requests = users.map((user) => signedClick(user, channel, posted.ts, posted.episodeId));
    ctx.log(`claim/${kind}: ${CLICKS} simultaneous claims over ${replicas} process(es)`);
    const answers = await Promise.all(
      requests.map((r, i) =>
        (clients[i % clients.length] as HttpClient).post('/slack/events', r.body, r.headers),
      ),
    );
    const slowest = Math.max(...answers.map((a) => a.ms));
    const notAcked = answers.filter((a) => a.status !== 200).length;
    // Refusals are private messages; give them a moment (they go through the jobs table).
    await waitUntil(() => world.fakes.slack.ephemerals.length >= CLICKS - 1, 15_000, 100);
    const audit = await world.store.audit.listForEpisode(posted.episodeId);
    const winners = audit.filter((a) => a.type === 'claimed').length;
    const episode = await world.store.episodes.get(posted.episodeId);
    const told = world.fakes.slack.ephemerals.filter((e) => e.text.includes('already has this call')).length;
    const otherAnswers = world.fakes.slack.ephemerals.filter(
      (e) => !e.text.includes('already has this call'),
    );
    const where = kind === 'sqlite' ? 'SQLite, 1 process' : `PostgreSQL, ${replicas} replicas`;
    return [
      {
        scenario: `claim (${kind})`,
        figure: `${CLICKS} simultaneous claims of one card (${where}): winners`,
        target: 'exactly 1',
        measured: `${winners} winner(s); ${told}/${CLICKS - 1} others told who has it`,
        pass: winners === 1 && episode?.state === 'claimed',
        data: {
          winners,
          told,
          otherPrivateAnswers: otherAnswers.slice(0, 3).map((e) => e.text),
          state: episode?.state,
          claimedBy: episode?.claimedBy?.id ?? null,
        },
      },
      {
        scenario: `claim (${kind})`,
        figure: `${CLICKS} simultaneous claims (${where}): slowest ack`,
        target: 'all acked < 3 s',
        measured: `slowest ${round(slowest)} ms; ${notAcked} not acked with 200`,
        pass: slowest < 3_000 && notAcked === 0,
        data: { slowestMs: round(slowest), statuses: answers.map((a) => a.status), notAcked },
      },
    ];
  } finally {
    await world.stop();
  }
}

export async function claimRace(ctx: BenchContext): Promise<FigureResult[]> {
  const results = await race(ctx, 'sqlite', 1);
  if (await postgresReachable()) results.push(...(await race(ctx, 'postgres', 2)));
  else {
    results.push({
      scenario: 'claim (postgres)',
      figure: '50 simultaneous claims across 2 replicas on PostgreSQL',
      target: 'run when PostgreSQL is available',
      measured: 'SKIPPED: PostgreSQL not reachable at 127.0.0.1:5432',
      pass: true,
    });
  }
  return results;
}
