/**
 * A Ringback with the escalation timers and a recording "surface": every notice and every card effect
 * becomes a job of a test kind, so tests count what would have been said, across replicas.
 */
import { DateTime } from 'luxon';
import { afterEach, beforeEach } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { auditEntries } from '../../../src/app/commands.js';
import type { Notice } from '../../../src/app/notices.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type DomainEvent, newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import type { Store } from '../../../src/store/store.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { testConfig } from '../../helpers/config.js';
import type { DatabaseKind, TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';

export const PARIS = 'Europe/Paris';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const ROUTING_YAML = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    slack: { channel: C0123456789 }
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
    escalate:
      - { after: 15m, notify: "@here" }
      - { after: 30m, notify: "<!subteam^S0123>", to: managers }
      - { after: 45m, notify: "<@U0BOSS1>", to: dm }
    businessHours: { mon-fri: "09:00-18:00" }
    holidays: [2026-12-25]
  - name: Night desk
    match: { aircallNumber: "+33 1 00 00 00 00" }
    slack: { channel: C0NIGHT01 }
    teams: { channel: "19:night@thread.tacv2" }
    sla: { claimWithin: 10m }
    escalate: [ { after: 10m, notify: "@here" } ]
    businessHours: { mon-fri: "09:00-18:00" }
    outOfHours: { mode: hold }
  - name: Sales
    match: "*"
    sla: { resolveWithin: 1h }
    reminders: { escalate: [ { after: 30m, notify: "@sales-leads", to: managers } ] }
schedules:
  - { name: daily-paris, every: daily, at: "08:30", slack: { channel: C0MANAGERS }, teams: { channel: "19:managers@thread.tacv2" } }
`;

/** A local wall-clock time in Paris as epoch ms. */
export function paris(text: string): number {
  return DateTime.fromISO(text, { zone: PARIS }).toMillis();
}

export const NOTICE_JOB = 'test.notice';
export const EFFECT_JOB = 'test.effect';

/**
 * Never due: a completed job is deleted, so the recording jobs wait in the table for the test to read them
 * instead of running.
 */
const NEVER = Number.MAX_SAFE_INTEGER;

/** Records notices and card effects as jobs (the jobs table is shared by replicas, so counts are global). */
export const recordingSurface: RegisterAdapter = (ctx) => {
  ctx.notices.addSurface((notice) => [{ kind: NOTICE_JOB, payload: notice, runAt: NEVER }]);
  // Every change has one thread.timeline intent carrying all its events.
  ctx.addIntentTranslator((intent, { episode }) =>
    intent.kind === 'thread.timeline'
      ? intent.events.map((event) => ({
          kind: EFFECT_JOB,
          payload: {
            episodeId: episode.id,
            type: event.type,
            fields: 'fields' in event ? event.fields : null,
          },
          runAt: NEVER,
        }))
      : [],
  );
  ctx.runner.register(NOTICE_JOB, async () => undefined);
  ctx.runner.register(EFFECT_JOB, async () => undefined);
};

export async function startReplica(
  database: TestDatabase,
  clock: ManualClock,
  routingYaml = ROUTING_YAML,
): Promise<StartedRingback> {
  return startRingback(testConfig({ database, routingYaml }), {
    clock,
    manualJobs: true,
    adapters: [registerEscalation, recordingSurface],
  });
}

/** Every notice planned so far, oldest first. */
export async function allNotices(store: Store): Promise<Notice[]> {
  return (await store.jobs.list({ kind: NOTICE_JOB })).map((job) => job.payload as Notice);
}

/** Notices about episodes (escalations, reminders), leaving out summaries. */
export async function noticesOf(store: Store): Promise<Notice[]> {
  return (await allNotices(store)).filter((notice) => notice.kind !== 'summary');
}

/** Summary notices posted to a channel. */
export async function summariesIn(store: Store, channel: string): Promise<Notice[]> {
  return (await allNotices(store)).filter(
    (notice) => notice.kind === 'summary' && notice.channel === channel,
  );
}

export async function effectsOf(
  store: Store,
  episodeId: string,
): Promise<{ type: string; fields: string[] | null }[]> {
  return (await store.jobs.list({ kind: EFFECT_JOB }))
    .map((job) => job.payload as { episodeId: string; type: string; fields: string[] | null })
    .filter((effect) => effect.episodeId === episodeId)
    .map(({ type, fields }) => ({ type, fields }));
}

/** What ingest does for a first missed call: insert the episode and plan effects for 'opened'. */
export async function openEpisode(
  app: StartedRingback,
  input: { id: string; missedAt: number; line?: string; number?: string },
): Promise<Episode> {
  const episode = newEpisode({
    id: input.id,
    line: input.line ?? 'Support FR',
    caller: { number: input.number ?? `+3361234${input.id.replace(/\D/g, '').padStart(4, '0')}`, name: null },
    missedAt: input.missedAt,
  });
  const opened: DomainEvent = { type: 'opened', at: input.missedAt, providerCallKey: `aircall:${input.id}` };
  await app.store.transaction(async (repos) => {
    await repos.episodes.insert(episode, {}, input.missedAt);
    await repos.audit.append(auditEntries(episode.id, [opened], 'aircall'));
    await repos.enqueue(
      app.commands.planEffects({ episode, previous: null, events: [opened] }),
      input.missedAt,
    );
  });
  return episode;
}

/** Moves the shared clock and runs every due job on every replica at once. */
export async function advanceTo(clock: ManualClock, at: number, replicas: StartedRingback[]): Promise<void> {
  clock.set(at);
  await Promise.all(replicas.map((replica) => replica.runner.drain()));
  // A job one replica queued while another was draining: one more round settles it.
  await Promise.all(replicas.map((replica) => replica.runner.drain()));
}

/**
 * One replica per test on `kind`, its clock set to Thursday 19 November 2026, 10:00 in Paris (Support FR
 * open) before each test. `app` is the current test's replica.
 */
export function replicaPerTest(kind: DatabaseKind, routingYaml = ROUTING_YAML) {
  const clock = new ManualClock(paris('2026-11-19T10:00'));
  let database: TestDatabase | undefined;
  let app: StartedRingback | undefined;
  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    clock.set(paris('2026-11-19T10:00'));
    database = await kind.create();
    app = await startReplica(database, clock, routingYaml);
  });
  afterEach(async () => {
    if (kind.skipReason) return;
    await app?.stop();
    await database?.drop();
  });
  const current = (): StartedRingback => {
    if (!app) throw new Error('the replica runs only inside a test');
    return app;
  };
  return {
    clock,
    get app(): StartedRingback {
      return current();
    },
    run: (at: number) => advanceTo(clock, at, [current()]),
  };
}
