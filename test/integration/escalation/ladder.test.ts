import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Summary } from '../../../src/domain/summary.js';
import {
  ESCALATION_STEP_JOB,
  escalationStepHandler,
  escalationStepJob,
  REMINDER_JOB,
  reminderHandler,
  reminderJob,
} from '../../../src/timers/escalation.js';
import { HOLD_DIGEST_JOB } from '../../../src/timers/outOfHours.js';
import { SCHEDULED_SUMMARY_JOB } from '../../../src/timers/schedules.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { ana, ben } from '../../helpers/episodes.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import {
  advanceTo,
  allNotices,
  effectsOf,
  HOUR,
  MINUTE,
  noticesOf,
  openEpisode,
  paris,
  ROUTING_YAML,
  startReplica,
  summariesIn,
} from './harness.js';

const kinds = await databaseKinds();

describe.each(kinds)('escalation on $name', (kind) => {
  let database: TestDatabase;
  let app: StartedRingback;
  // Thursday 19 November 2026, 10:00 in Paris: the Support FR line is open.
  const clock = new ManualClock(paris('2026-11-19T10:00'));
  const run = (at: number) => advanceTo(clock, at, [app]);

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    clock.set(paris('2026-11-19T10:00'));
    database = await kind.create();
    app = await startReplica(database, clock);
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await app.stop();
    await database.drop();
  });

  describe('an unclaimed call', () => {
    it('re-pings the thread, then posts to the managers, then DMs, each at its step', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-1', missedAt });

      await run(missedAt + 14 * MINUTE);
      expect(await noticesOf(app.store)).toEqual([]);

      await run(missedAt + 15 * MINUTE);
      const afterFirst = await noticesOf(app.store);
      expect(afterFirst).toEqual([
        {
          kind: 'thread',
          episodeId: 'ep-1',
          mention: '@here',
          text: 'Still unclaimed after 15m: missed call from 06 12 34 00 01 on Support FR at 10:00.',
        },
      ]);
      const episode = await app.store.episodes.get('ep-1');
      expect(episode).toMatchObject({ escalationLevel: 1, escalatedAt: missedAt + 15 * MINUTE });
      // The card re-renders through the surfaces' planners.
      expect((await effectsOf(app.store, 'ep-1')).map((e) => e.type)).toEqual(['opened', 'escalated']);

      await run(missedAt + 30 * MINUTE);
      await run(missedAt + 45 * MINUTE);
      const all = await noticesOf(app.store);
      expect(all.map((n) => n.kind)).toEqual(['thread', 'managers', 'dm']);
      expect(all[1]).toMatchObject({ kind: 'managers', mention: '<!subteam^S0123>', episodeId: 'ep-1' });
      expect(all[2]).toMatchObject({
        kind: 'dm',
        to: [{ id: 'slack:U0BOSS1', surface: 'slack' }],
        episodeId: 'ep-1',
      });
      expect((await app.store.episodes.get('ep-1'))?.escalationLevel).toBe(3);

      await run(missedAt + 5 * HOUR);
      expect(await noticesOf(app.store)).toHaveLength(3);
    });

    it('missed at 17:59 with a 15-minute step is escalated at 09:14 the next morning', async () => {
      const missedAt = paris('2026-11-19T17:59');
      await openEpisode(app, { id: 'ep-late', missedAt });
      const [step] = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
      expect(step?.runAt).toBe(paris('2026-11-20T09:14'));

      await run(paris('2026-11-20T09:13'));
      expect(await noticesOf(app.store)).toEqual([]);
      await run(paris('2026-11-20T09:14'));
      expect(await noticesOf(app.store)).toHaveLength(1);
    });

    it('on Christmas Eve is escalated on the Monday after the holiday', async () => {
      await openEpisode(app, { id: 'ep-xmas', missedAt: paris('2026-12-24T17:55') });
      const [step] = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
      expect(step?.runAt).toBe(paris('2026-12-28T09:10'));
    });
  });

  describe('a line in another time zone than the team', () => {
    it('says which zone the times of its escalation are in', async () => {
      await app.stop();
      app = await startReplica(
        database,
        clock,
        `
timezone: Europe/Paris
lines:
  - name: Support US
    match: "*"
    slack: { channel: C0123456789 }
    timezone: America/New_York
    escalate:
      - { after: 15m, notify: "<!subteam^S0123>", to: managers }
managers: { slack: [U0123456789] }
`,
      );
      await openEpisode(app, { id: 'ep-us', line: 'Support US', missedAt: paris('2026-11-19T16:00') });
      await run(paris('2026-11-19T16:15'));
      const [notice] = await noticesOf(app.store);
      expect(notice).toMatchObject({ kind: 'managers' });
      expect(notice && 'text' in notice && notice.text).toContain(
        'on Support US at 10:00 (America/New_York)',
      );
    });
  });

  describe('a step queued before the routing file changed', () => {
    it('waits for its new due time instead of firing early', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-edit', missedAt });
      clock.set(missedAt + 15 * MINUTE);
      const [job] = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
      if (!job) throw new Error('no step job');
      const longer = parseRouting(
        ROUTING_YAML.replace('{ after: 15m, notify: "@here" }', '{ after: 20m, notify: "@here" }'),
        'edited',
      );
      const handler = escalationStepHandler({
        routing: longer,
        commands: app.commands,
        notices: app.notices,
      });
      const step = escalationStepJob.schema.parse(job.payload);
      await expect(handler(step, job)).rejects.toMatchObject({
        name: 'RetryAfter',
        delayMs: 5 * MINUTE,
      });
      expect(await noticesOf(app.store)).toEqual([]);
      clock.set(missedAt + 20 * MINUTE);
      await handler(step, job);
      expect((await noticesOf(app.store)).map((n) => n.kind)).toEqual(['thread']);
    });
  });

  describe('claiming before the first step', () => {
    it('sends no escalation message at all', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-2', missedAt });
      clock.set(missedAt + 5 * MINUTE);
      const claim = await runCommand(app.commands, 'ep-2', { type: 'claim', actor: ana, at: clock.now() });
      expect(claim.status).toBe('accepted');

      await run(missedAt + 50 * MINUTE);
      expect((await noticesOf(app.store)).filter((n) => n.kind !== 'dm')).toEqual([]);
      expect(await noticesOf(app.store)).toEqual([]);
      expect((await app.store.episodes.get('ep-2'))?.escalationLevel).toBe(0);
      // The step's job ran and found nothing to do (a completed job is deleted).
      const steps = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
      expect(steps).toEqual([]);
    });
  });

  describe('resolving before the first step', () => {
    it('cancels the ladder', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-3', missedAt });
      clock.set(missedAt + 2 * MINUTE);
      await runCommand(app.commands, 'ep-3', {
        type: 'resolve',
        actor: ben,
        at: clock.now(),
        outcome: 'not_needed',
        asManager: false,
      });
      await run(missedAt + 2 * HOUR);
      expect(await noticesOf(app.store)).toEqual([]);
    });
  });

  describe('a released call', () => {
    it('starts the ladder again from the release, and the old chain stays silent', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-4', missedAt });
      clock.set(missedAt + 5 * MINUTE);
      await runCommand(app.commands, 'ep-4', { type: 'claim', actor: ana, at: clock.now() });
      const releasedAt = missedAt + 10 * MINUTE;
      clock.set(releasedAt);
      await runCommand(app.commands, 'ep-4', {
        type: 'release',
        actor: ana,
        at: releasedAt,
        asManager: false,
      });

      // The first chain's step would have been due at 10:15: it belongs to the claim that was released.
      await run(missedAt + 20 * MINUTE);
      expect(await noticesOf(app.store)).toEqual([]);

      await run(releasedAt + 15 * MINUTE);
      const notices = await noticesOf(app.store);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ kind: 'thread', mention: '@here', episodeId: 'ep-4' });
      expect((await app.store.episodes.get('ep-4'))?.escalationLevel).toBe(1);
    });
  });

  describe('a claimed call not resolved in time', () => {
    it('reminds the claimer privately at the resolve deadline, then escalates', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-5', missedAt, line: 'Sales' });
      clock.set(missedAt + 5 * MINUTE);
      await runCommand(app.commands, 'ep-5', { type: 'claim', actor: ben, at: clock.now() });

      await run(missedAt + 59 * MINUTE);
      expect(await noticesOf(app.store)).toEqual([]);

      await run(missedAt + HOUR);
      const [reminder] = await noticesOf(app.store);
      expect(reminder).toMatchObject({ kind: 'dm', to: [ben], episodeId: 'ep-5' });
      expect(reminder?.kind === 'dm' && reminder.text).toContain('Reminder: you claimed the missed call');

      await run(missedAt + 90 * MINUTE);
      const notices = await noticesOf(app.store);
      expect(notices.map((n) => n.kind)).toEqual(['dm', 'managers']);
      expect(notices[1]).toMatchObject({ mention: '@sales-leads' });
      expect(notices[1]?.kind === 'managers' && notices[1].text).toContain('Still not resolved after 1h 30m');
      expect((await app.store.episodes.get('ep-5'))?.escalationLevel).toBe(1);
    });

    it('after a snooze moved the reminder, escalates counting from the reminder, not together with it', async () => {
      // Support FR: resolve within 2h, then the thread, the managers and a DM at 15, 30 and 45 minutes.
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-snoozed', missedAt });
      await runCommand(app.commands, 'ep-snoozed', { type: 'claim', actor: ana, at: missedAt });
      clock.set(paris('2026-11-19T11:00'));
      const snoozed = await runCommand(app.commands, 'ep-snoozed', {
        type: 'snooze',
        actor: ana,
        at: clock.now(),
        dueAt: paris('2026-11-19T13:00'),
        asManager: false,
      });
      expect(snoozed.status).toBe('accepted');
      const escalations = async () =>
        (await noticesOf(app.store))
          .filter((n) => 'text' in n && n.text.includes('Still not resolved'))
          .map((n) => n.kind);

      await run(paris('2026-11-19T14:00'));
      expect(
        (await noticesOf(app.store)).some((n) => 'text' in n && n.text.startsWith('Reminder: you claimed')),
      ).toBe(true);
      expect(await escalations()).toEqual([]);
      await run(paris('2026-11-19T14:15'));
      expect(await escalations()).toEqual(['thread']);
    });

    it('waits for a longer resolve target set after the reminder was queued', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-longer', missedAt, line: 'Sales' });
      await runCommand(app.commands, 'ep-longer', { type: 'claim', actor: ben, at: missedAt + MINUTE });
      const [job] = await app.store.jobs.list({ kind: REMINDER_JOB });
      if (!job) throw new Error('no reminder job');
      const longer = parseRouting(
        ROUTING_YAML.replace('sla: { resolveWithin: 1h }', 'sla: { resolveWithin: 3h }'),
        'edited',
      );
      const handler = reminderHandler({ routing: longer, commands: app.commands, notices: app.notices });
      clock.set(missedAt + HOUR);
      await expect(handler(reminderJob.schema.parse(job.payload), job)).rejects.toMatchObject({
        name: 'RetryAfter',
        delayMs: 2 * HOUR,
      });
      expect(await noticesOf(app.store)).toEqual([]);
    });

    it('says nothing when resolved before the deadline', async () => {
      const missedAt = paris('2026-11-19T10:00');
      await openEpisode(app, { id: 'ep-6', missedAt, line: 'Sales' });
      clock.set(missedAt + 5 * MINUTE);
      await runCommand(app.commands, 'ep-6', { type: 'callback', actor: ben, at: clock.now() });
      clock.set(missedAt + 20 * MINUTE);
      await runCommand(app.commands, 'ep-6', {
        type: 'resolve',
        actor: ben,
        at: clock.now(),
        outcome: 'reached',
        asManager: false,
      });
      await run(missedAt + 3 * HOUR);
      expect(await noticesOf(app.store)).toEqual([]);
      // It ran (and was deleted) without a word.
      expect(await app.store.jobs.list({ kind: REMINDER_JOB })).toEqual([]);
    });
  });

  describe('a line that holds out-of-hours calls', () => {
    it('posts a digest at the opening, then lets the surfaces post each held card', async () => {
      const night = 'Night desk';
      await openEpisode(app, { id: 'held-1', missedAt: paris('2026-11-19T19:30'), line: night });
      await openEpisode(app, { id: 'held-2', missedAt: paris('2026-11-20T07:45'), line: night });
      await openEpisode(app, { id: 'held-3', missedAt: paris('2026-11-20T08:10'), line: night });
      // The third caller got through before the opening: no card for it.
      clock.set(paris('2026-11-20T08:20'));
      await runCommand(app.commands, 'held-3', {
        type: 'auto_resolve',
        at: clock.now(),
        actor: null,
        providerCallKey: 'aircall:answered',
      });
      expect(await app.store.jobs.list({ kind: HOLD_DIGEST_JOB })).toHaveLength(1);

      await run(paris('2026-11-20T08:59'));
      expect(await noticesOf(app.store)).toEqual([]);
      expect(await summariesIn(app.store, 'C0NIGHT01')).toEqual([]);
      expect((await effectsOf(app.store, 'held-1')).map((e) => e.type)).toEqual(['opened']);

      await run(paris('2026-11-20T09:00'));
      const digests = [
        ...(await summariesIn(app.store, 'C0NIGHT01')),
        ...(await summariesIn(app.store, '19:night@thread.tacv2')),
      ];
      expect(digests.map((n) => (n.kind === 'summary' ? [n.surface, n.channel] : n.kind))).toEqual([
        ['slack', 'C0NIGHT01'],
        ['teams', '19:night@thread.tacv2'],
      ]);
      const digest = digests[0];
      if (digest?.kind !== 'summary') throw new Error('expected a summary notice');
      expect(digest.title).toBe('Night desk: 3 missed calls while closed (since Thu 18:00)');
      expect(digest.summary.totals).toMatchObject({ episodes: 3, resolved: 1, autoResolved: 1 });
      expect(digest.summary.openNow.count).toBe(2);

      for (const id of ['held-1', 'held-2']) {
        expect(await effectsOf(app.store, id)).toContainEqual({ type: 'card_released', fields: null });
      }
      expect((await effectsOf(app.store, 'held-3')).map((e) => e.type)).toEqual(['opened', 'auto_resolved']);

      // The per-card safety release a minute later finds the cards already released.
      await run(paris('2026-11-20T09:02'));
      const released = (await effectsOf(app.store, 'held-1')).filter((e) => e.type === 'card_released');
      expect(released).toHaveLength(1);

      // Escalation counts from the opening: the 10-minute step comes at 09:10.
      await run(paris('2026-11-20T09:09'));
      expect((await noticesOf(app.store)).filter((n) => n.kind === 'thread')).toEqual([]);
      await run(paris('2026-11-20T09:10'));
      expect((await noticesOf(app.store)).filter((n) => n.kind === 'thread')).toHaveLength(2);
    });

    it('posts a straggler (a closed-hours call that arrived after the digest) a minute after the opening', async () => {
      clock.set(paris('2026-11-20T09:30'));
      await openEpisode(app, { id: 'late-1', missedAt: paris('2026-11-20T08:55'), line: 'Night desk' });
      await run(paris('2026-11-20T09:30'));
      expect(await effectsOf(app.store, 'late-1')).toContainEqual({ type: 'card_released', fields: null });
    });

    it('holds nothing missed during opening hours', async () => {
      await openEpisode(app, { id: 'day-1', missedAt: paris('2026-11-19T10:00'), line: 'Night desk' });
      expect(await app.store.jobs.list({ kind: HOLD_DIGEST_JOB })).toEqual([]);
    });
  });

  describe('the scheduled daily summary', () => {
    it('is queued once however often replicas start, posts at 08:30 and queues the next day', async () => {
      // A second start of the same configuration (a restart, another replica) queues nothing new.
      const again = await startReplica(database, clock);
      await again.stop();
      const queued = await app.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB });
      expect(queued.map((j) => j.runAt)).toEqual([paris('2026-11-20T08:30')]);

      await openEpisode(app, { id: 'sum-1', missedAt: paris('2026-11-19T10:00') });
      clock.set(paris('2026-11-19T10:20'));
      await runCommand(app.commands, 'sum-1', { type: 'claim', actor: ana, at: clock.now() });

      await run(paris('2026-11-20T08:29'));
      expect((await allNotices(app.store)).filter((n) => n.kind === 'summary')).toEqual([]);

      await run(paris('2026-11-20T08:30'));
      const summaries = (await allNotices(app.store)).filter((n) => n.kind === 'summary');
      expect(summaries.map((n) => n.kind === 'summary' && [n.surface, n.channel, n.title])).toEqual([
        ['slack', 'C0MANAGERS', 'Missed calls yesterday, Thu 19 Nov'],
        ['teams', '19:managers@thread.tacv2', 'Missed calls yesterday, Thu 19 Nov'],
      ]);
      const summary = (summaries[0] as { summary: Summary }).summary;
      expect(summary.window.label).toBe('2026-11-19');
      expect(summary.totals).toMatchObject({ episodes: 1, claimed: 1 });
      // Claimed 20 minutes after the miss against a 15-minute SLA.
      expect(summary.totals.slaBreaches.claim).toBe(1);
      expect(summary.totals.business?.timeToClaim.medianMs).toBe(20 * MINUTE);

      const after = await app.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB });
      // The 20th's occurrence ran and was deleted; the 21st's waits.
      expect(after.map((j) => [j.runAt, j.status])).toEqual([[paris('2026-11-21T08:30'), 'pending']]);
    });
  });
});
