/** Timers across DST weekends, driven by a manual clock through the real job runner. */
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ESCALATION_STEP_JOB } from '../../../src/timers/escalation.js';
import { SCHEDULED_SUMMARY_JOB } from '../../../src/timers/schedules.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import { advanceTo, allNotices, noticesOf, openEpisode, startReplica } from './harness.js';

const ROUTING = `
timezone: Europe/Paris
lines:
  - name: Support US
    match: { aircallNumber: "+1 212 555 0100" }
    timezone: America/New_York
    sla: { claimWithin: 15m }
    escalate: [ { after: 15m, notify: "@here" } ]
    businessHours: { mon-fri: "09:00-17:00" }
  - name: Support FR
    match: "*"
    escalate: [ { after: 15m, notify: "@here" } ]
    businessHours: { mon-fri: "09:00-18:00" }
schedules:
  - { name: paris-morning, every: daily, at: "08:30", slack: { channel: C0MANAGERS } }
  - { name: new-york-morning, every: daily, at: "08:30 America/New_York", slack: { channel: C0USMANAGE } }
`;

const at = (zone: string, text: string) => DateTime.fromISO(text, { zone }).toMillis();
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const kinds = await databaseKinds();

describe.each(kinds)('timers across DST changes on $name', (kind) => {
  let database: TestDatabase;
  let app: StartedRingback;
  const clock = new ManualClock(at('Europe/Paris', '2026-03-27T12:00'));

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await app.stop();
    await database.drop();
  });

  const start = async (now: number) => {
    clock.set(now);
    app = await startReplica(database, clock, ROUTING);
  };

  it('escalates a Friday-evening New York call at 09:14 local time on the Monday after spring forward', async () => {
    await start(at('America/New_York', '2026-03-06T16:59'));
    await openEpisode(app, {
      id: 'ny-spring',
      missedAt: at('America/New_York', '2026-03-06T16:59'),
      line: 'Support US',
    });
    const [step] = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
    expect(iso(step?.runAt)).toBe('2026-03-09T13:14:00.000Z');

    await advanceTo(clock, at('America/New_York', '2026-03-09T09:13'), [app]);
    expect(await noticesOf(app.store)).toEqual([]);
    await advanceTo(clock, at('America/New_York', '2026-03-09T09:14'), [app]);
    expect(await noticesOf(app.store)).toHaveLength(1);
  });

  it('escalates a Friday-evening Paris call at 09:14 local time on the Monday after fall back', async () => {
    await start(at('Europe/Paris', '2026-10-23T17:59'));
    await openEpisode(app, { id: 'fr-autumn', missedAt: at('Europe/Paris', '2026-10-23T17:59') });
    const [step] = await app.store.jobs.list({ kind: ESCALATION_STEP_JOB });
    expect(iso(step?.runAt)).toBe('2026-10-26T08:14:00.000Z');
  });

  it('posts the 08:30 summaries at 08:30 local time every day of a spring-forward weekend', async () => {
    await start(at('Europe/Paris', '2026-03-27T12:00'));
    const parisTitles = async () =>
      (await allNotices(app.store)).flatMap((n) =>
        n.kind === 'summary' && n.channel === 'C0MANAGERS' ? [n.title] : [],
      );
    for (const [i, day] of ['2026-03-28', '2026-03-29', '2026-03-30'].entries()) {
      await advanceTo(clock, at('Europe/Paris', `${day}T08:29`), [app]);
      expect(await parisTitles()).toHaveLength(i);
      await advanceTo(clock, at('Europe/Paris', `${day}T08:30`), [app]);
      expect(await parisTitles()).toHaveLength(i + 1);
    }
    expect(await parisTitles()).toEqual([
      'Missed calls yesterday, Fri 27 Mar',
      'Missed calls yesterday, Sat 28 Mar',
      'Missed calls yesterday, Sun 29 Mar',
    ]);
    const jobs = await app.store.jobs.list({ kind: SCHEDULED_SUMMARY_JOB });
    const paris = jobs
      .filter((j) => (j.payload as { key: string }).key === 'paris-morning')
      .map((j) => iso(j.runAt));
    // The occurrences that ran were deleted (a completed job is); the titles above came one a day at
    // 08:30 local, and the next one waits for 08:30 summer time.
    expect(paris).toEqual(['2026-03-31T06:30:00.000Z']);
    // New York changed its clocks three weeks earlier: its 08:30 is 12:30 UTC all weekend.
    const newYork = jobs
      .filter((j) => (j.payload as { key: string }).key === 'new-york-morning')
      .map((j) => iso(j.runAt));
    expect(newYork).toEqual(['2026-03-30T12:30:00.000Z']);
  });
});
