import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCommandIn, runCommand } from '../../../src/app/commands.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Job } from '../../../src/store/jobs.js';
import {
  ESCALATION_STEP_JOB,
  escalationStepHandler,
  escalationStepJob,
  REMINDER_JOB,
  reminderHandler,
  reminderJob,
} from '../../../src/timers/escalation.js';
import {
  SCHEDULED_SUMMARY_JOB,
  scheduledSummaryHandler,
  scheduledSummaryJob,
} from '../../../src/timers/schedules.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { ben } from '../../helpers/episodes.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import { advanceTo, allNotices, MINUTE, noticesOf, openEpisode, paris, startReplica } from './harness.js';

const kinds = await databaseKinds();
const EPISODES = 12;

describe.each(kinds)('two replicas sharing $name', (kind) => {
  let database: TestDatabase;
  let one: StartedRingback;
  let two: StartedRingback;
  const clock = new ManualClock(paris('2026-11-19T10:00'));
  const both = () => [one, two];
  /**
   * Runs the same job on both replicas: at once on PostgreSQL; on SQLite one after the other (two
   * connections in one thread would wait on each other's write lock until the busy timeout), which is
   * the crash-after-commit case.
   */
  async function onBoth(run: (replica: StartedRingback) => Promise<void>): Promise<void> {
    if (kind.name === 'postgres') {
      await Promise.all([run(one), run(two)]);
      return;
    }
    await run(one);
    await run(two);
  }

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    clock.set(paris('2026-11-19T10:00'));
    database = await kind.create();
    // One after the other: each runs the migrations on start.
    one = await startReplica(database, clock);
    two = await startReplica(database, clock);
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await one.stop();
    await two.stop();
    await database.drop();
  });

  /** Notices per episode and kind, e.g. { 'ep-1': { thread: 1, managers: 1, dm: 1 } }. */
  async function countByEpisode(): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = {};
    for (const notice of await noticesOf(one.store)) {
      const id = 'episodeId' in notice ? (notice.episodeId ?? '?') : '?';
      counts[id] ??= {};
      const byKind = counts[id];
      byKind[notice.kind] = (byKind[notice.kind] ?? 0) + 1;
    }
    return counts;
  }

  it('fire each escalation step once, step by step', async () => {
    const missedAt = paris('2026-11-19T10:00');
    const ids = Array.from({ length: EPISODES }, (_, i) => `ep-${i + 1}`);
    for (const [i, id] of ids.entries()) await openEpisode(i % 2 === 0 ? one : two, { id, missedAt });

    for (const minutes of [15, 30, 45]) await advanceTo(clock, missedAt + minutes * MINUTE, both());

    const expected = Object.fromEntries(ids.map((id) => [id, { thread: 1, managers: 1, dm: 1 }]));
    expect(await countByEpisode()).toEqual(expected);
    for (const id of ids) expect((await one.store.episodes.get(id))?.escalationLevel).toBe(3);
  });

  it('fire each escalation step once when the replicas catch up on overdue steps together', async () => {
    const missedAt = paris('2026-11-19T10:00');
    const ids = Array.from({ length: EPISODES }, (_, i) => `late-${i + 1}`);
    for (const id of ids) await openEpisode(one, { id, missedAt });

    // Three hours late: the overdue step goes out now, the next ones keep the ladder's 15-minute gaps.
    await advanceTo(clock, missedAt + 3 * 60 * MINUTE, both());
    await advanceTo(clock, missedAt + 3 * 60 * MINUTE + 15 * MINUTE, both());
    await advanceTo(clock, missedAt + 3 * 60 * MINUTE + 30 * MINUTE, both());

    const expected = Object.fromEntries(ids.map((id) => [id, { thread: 1, managers: 1, dm: 1 }]));
    expect(await countByEpisode()).toEqual(expected);
  });

  it('say a step once even when both replicas run the same job (a lease taken over mid-run)', async () => {
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(one, { id: 'twice', missedAt });
    clock.set(missedAt + 15 * MINUTE);
    const [job] = await one.store.jobs.list({ kind: ESCALATION_STEP_JOB });
    if (!job) throw new Error('no step job');
    const run = (replica: StartedRingback) =>
      escalationStepHandler({
        routing: replica.config.routing,
        commands: replica.commands,
        notices: replica.notices,
      })(escalationStepJob.schema.parse(job.payload), job as Job);
    await onBoth(run);
    await run(one);
    expect(await countByEpisode()).toEqual({ twice: { thread: 1 } });
    // …and the next step is queued once.
    expect(await one.store.jobs.list({ kind: ESCALATION_STEP_JOB })).toHaveLength(2);
  });

  it('remind a claimer once even when both replicas run the reminder', async () => {
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(one, { id: 'remind', missedAt, line: 'Sales' });
    clock.set(missedAt + 5 * MINUTE);
    await runCommand(two.commands, 'remind', { type: 'claim', actor: ben, at: clock.now() });
    clock.set(missedAt + 60 * MINUTE);
    const [job] = await one.store.jobs.list({ kind: REMINDER_JOB });
    if (!job) throw new Error('no reminder job');
    const run = (replica: StartedRingback) =>
      reminderHandler({
        routing: replica.config.routing,
        commands: replica.commands,
        notices: replica.notices,
      })(reminderJob.schema.parse(job.payload), job as Job);
    await onBoth(run);
    expect(await countByEpisode()).toEqual({ remind: { dm: 1 } });
  });

  it('send no reminder for a call resolved while the reminder was being decided', async () => {
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(one, { id: 'done-meanwhile', missedAt, line: 'Sales' });
    clock.set(missedAt + 5 * MINUTE);
    await runCommand(two.commands, 'done-meanwhile', { type: 'claim', actor: ben, at: clock.now() });
    clock.set(missedAt + 60 * MINUTE);
    const [job] = await one.store.jobs.list({ kind: REMINDER_JOB });
    if (!job) throw new Error('no reminder job');
    const remind = () =>
      reminderHandler({
        routing: one.config.routing,
        commands: one.commands,
        notices: one.notices,
      })(reminderJob.schema.parse(job.payload), job as Job);
    if (kind.name !== 'postgres') {
      // SQLite's one writer runs the two transactions one after the other: the resolve first, then the reminder.
      await runCommand(two.commands, 'done-meanwhile', {
        type: 'resolve',
        actor: ben,
        at: clock.now(),
        outcome: 'reached',
        asManager: false,
      });
      await remind();
      expect(await countByEpisode()).toEqual({});
      return;
    }

    let commitResolve = () => {};
    const resolveHeld = new Promise<void>((resolve) => {
      commitResolve = resolve;
    });
    let resolvedInTransaction = () => {};
    const resolveWritten = new Promise<void>((resolve) => {
      resolvedInTransaction = resolve;
    });
    const resolving = two.store.transaction(async (repos) => {
      const outcome = await applyCommandIn(repos, two.commands, 'done-meanwhile', {
        type: 'resolve',
        actor: ben,
        at: clock.now(),
        outcome: 'reached',
        asManager: false,
      });
      resolvedInTransaction();
      await resolveHeld;
      return outcome.status;
    });
    await resolveWritten;
    const reminding = remind();
    // The reminder starts while the resolve is written but not committed, then the resolve commits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    commitResolve();
    expect(await resolving).toBe('accepted');
    await reminding;
    expect(await countByEpisode()).toEqual({});
  });

  it('post each scheduled summary once per day', async () => {
    // Both replicas seeded the schedule at start: one job.
    expect(await one.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB })).toHaveLength(1);

    await advanceTo(clock, paris('2026-11-20T08:30'), both());
    await advanceTo(clock, paris('2026-11-21T08:30'), both());
    // The 08:30 occurrence job of the 22nd runs twice at once, as if two replicas both held it.
    clock.set(paris('2026-11-22T08:30'));
    const due = (await one.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB })).find(
      (j) => j.status === 'pending',
    );
    if (!due) throw new Error('no pending occurrence');
    const run = (replica: StartedRingback) =>
      scheduledSummaryHandler({
        store: replica.store,
        clock,
        routing: replica.config.routing,
        notices: replica.notices,
      })(scheduledSummaryJob.schema.parse(due.payload), due as Job);
    await onBoth(run);

    const titles = (await allNotices(one.store)).map((n) =>
      n.kind === 'summary' ? `${n.surface} ${n.title}` : n.kind,
    );
    expect(titles.sort()).toEqual(
      [
        'slack Missed calls yesterday, Thu 19 Nov',
        'teams Missed calls yesterday, Thu 19 Nov',
        'slack Missed calls yesterday, Fri 20 Nov',
        'teams Missed calls yesterday, Fri 20 Nov',
        'slack Missed calls yesterday, Sat 21 Nov',
        'teams Missed calls yesterday, Sat 21 Nov',
      ].sort(),
    );
    // The next occurrence is queued once (the 22nd's job itself was run by hand, so it stays pending).
    const pending = (await one.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB })).filter(
      (j) => j.status === 'pending' && j.id !== due.id,
    );
    expect(pending.map((j) => j.runAt)).toEqual([paris('2026-11-23T08:30')]);
  });
});
