/**
 * Scheduled summaries: the `/ringback summary` figures posted daily or weekly at a local time. Each
 * occurrence is one job (dedupe key per schedule and local date, so replicas and restarts queue it
 * once) that posts the summary and queues the next occurrence; startup seeds the next occurrence of
 * every schedule. Occurrences are local wall-clock times, so 08:30 stays 08:30 across DST changes.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Notice, NoticeHub } from '../app/notices.js';
import { timezoneOf } from '../app/routing.js';
import { buildSummary } from '../app/summary.js';
import { reportJobKinds } from '../chat/reportJobs.js';
import { type RoutingConfig, type SummaryScheduleConfig, scheduleKey } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import { RetryAfter } from '../jobs/errors.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import type { NewJob } from '../store/jobs.js';
import type { Store } from '../store/store.js';

export const SCHEDULED_SUMMARY_JOB = 'summary.scheduled';
const SUMMARY_MARK = 'ringback.summary';
/** A late occurrence (the process was down) still posts, but never more than one day's worth at once. */
const SEARCH_DAYS = 8;

export interface ScheduleDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  notices: NoticeHub;
  /** Reports what an occurrence did (metrics, logs); `detail` explains a failure. */
  report?: (result: string, key: string, detail?: string) => void;
}

/** The zone of a schedule's time and days: its own, else its line's, else the team's. */
export function scheduleZone(schedule: SummaryScheduleConfig, routing: RoutingConfig): string {
  if (schedule.timezone) return schedule.timezone;
  return schedule.line !== undefined ? timezoneOf(routing, schedule.line) : routing.timezone;
}

/** The occurrence on a local date, or null when the schedule does not post that day (weekly). */
export function occurrenceOn(schedule: SummaryScheduleConfig, zone: string, isoDate: string): number | null {
  const day = DateTime.fromISO(isoDate, { zone });
  if (!day.isValid) return null;
  if (schedule.every === 'weekly' && day.weekday !== schedule.weekday) return null;
  // A time inside the hour skipped in spring moves forward past the gap; in autumn the first 01:30 wins.
  return day
    .set({ hour: Math.floor(schedule.minuteOfDay / 60), minute: schedule.minuteOfDay % 60 })
    .toMillis();
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(schedule: SummaryScheduleConfig, zone: string, after: number): number {
  const today = DateTime.fromMillis(after, { zone }).startOf('day');
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const date = today.plus({ days: i }).toISODate();
    const at = date ? occurrenceOn(schedule, zone, date) : null;
    if (at !== null && at > after) return at;
  }
  throw new Error(`schedule ${scheduleKey(schedule)} has no occurrence within ${SEARCH_DAYS} days`);
}

export function localDate(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate() ?? new Date(at).toISOString().slice(0, 10);
}

/** The summary period of an occurrence, as `/ringback summary` reads it (dates in the schedule's zone). */
export function periodOf(schedule: SummaryScheduleConfig, zone: string, occurrence: number): string {
  const day = DateTime.fromMillis(occurrence, { zone }).startOf('day');
  const iso = (d: DateTime) => d.toISODate() ?? '';
  switch (schedule.period) {
    case 'today':
      return iso(day);
    case 'yesterday':
      return iso(day.minus({ days: 1 }));
    case 'this_week':
      return `${iso(day.startOf('week'))}..${iso(day)}`;
    case 'last_week': {
      const monday = day.startOf('week').minus({ weeks: 1 });
      return `${iso(monday)}..${iso(monday.plus({ days: 6 }))}`;
    }
  }
}

function titleOf(schedule: SummaryScheduleConfig, zone: string, occurrence: number): string {
  const day = DateTime.fromMillis(occurrence, { zone }).startOf('day');
  const scope = schedule.line ? ` · ${schedule.line}` : '';
  switch (schedule.period) {
    case 'today':
      return `Missed calls today, ${day.toFormat('ccc d LLL')}${scope}`;
    case 'yesterday':
      return `Missed calls yesterday, ${day.minus({ days: 1 }).toFormat('ccc d LLL')}${scope}`;
    case 'this_week':
      return `Missed calls this week so far (week of ${day.startOf('week').toFormat('d LLL')})${scope}`;
    case 'last_week':
      return `Missed calls last week (week of ${day.startOf('week').minus({ weeks: 1 }).toFormat('d LLL')})${scope}`;
  }
}

const occurrencePayload = z.object({ key: z.string().min(1), at: z.number() });
export const scheduledSummaryJob = defineJob(SCHEDULED_SUMMARY_JOB, occurrencePayload);

export function occurrenceJob(schedule: SummaryScheduleConfig, zone: string, at: number): NewJob {
  const key = scheduleKey(schedule);
  return jobOf(
    scheduledSummaryJob,
    { key, at },
    { runAt: at, dedupeKey: `summary:${key}:${localDate(at, zone)}` },
  );
}

/** Queues the next occurrence of every schedule; safe to run on every replica at every start. */
export async function seedSchedules(deps: ScheduleDeps): Promise<number> {
  const now = deps.clock.now();
  const jobs = deps.routing.schedules.map((schedule) => {
    const zone = scheduleZone(schedule, deps.routing);
    return occurrenceJob(schedule, zone, nextOccurrence(schedule, zone, now));
  });
  return deps.store.transaction((repos) => repos.enqueue(jobs, now));
}

interface Occurrence {
  notices: Notice[];
  /** What the summary's period reads as, for the charts drawn after it. */
  period: string;
  title: string;
}

async function summaryNotices(
  deps: ScheduleDeps,
  schedule: SummaryScheduleConfig,
  zone: string,
  occurrence: number,
): Promise<Occurrence | { error: string }> {
  const period = periodOf(schedule, zone, occurrence);
  const answer = await buildSummary(
    { store: deps.store, clock: deps.clock, routing: deps.routing },
    { period, line: schedule.line, timezone: zone },
  );
  if (!answer.ok) return { error: answer.error };
  const title = titleOf(schedule, zone, occurrence);
  const said: Notice[] = [];
  const base = { kind: 'summary', summary: answer.summary, timezone: zone, title } as const;
  if (schedule.slack) said.push({ ...base, surface: 'slack', channel: schedule.slack.channel });
  if (schedule.teams) said.push({ ...base, surface: 'teams', channel: schedule.teams.channel });
  return { notices: said, period, title };
}

/** A week's summary (this week so far, or last week) comes with its charts. */
export function hasCharts(schedule: SummaryScheduleConfig): boolean {
  return schedule.period === 'this_week' || schedule.period === 'last_week';
}

/**
 * The summary's jobs, then its charts on each surface that says the summary (a surface that is off plans
 * no summary message, so it gets no charts either). The charts are drawn when their job runs.
 */
function occurrenceJobs(
  deps: ScheduleDeps,
  schedule: SummaryScheduleConfig,
  zone: string,
  said: Occurrence,
): NewJob[] {
  const jobs: NewJob[] = [];
  for (const notice of said.notices) {
    const planned = deps.notices.plan(notice);
    jobs.push(...planned);
    if (notice.kind !== 'summary' || !hasCharts(schedule)) continue;
    if (!planned.some((job) => job.kind.startsWith(`${notice.surface}.`))) continue;
    jobs.push(
      jobOf(reportJobKinds(notice.surface).charts, {
        to: { kind: 'channel', channel: notice.channel },
        period: said.period,
        line: schedule.line ?? null,
        timezone: zone,
        title: said.title,
      }),
    );
  }
  return jobs;
}

/** Posts one occurrence (once, whatever the retries) and queues the next one. */
export function scheduledSummaryHandler(deps: ScheduleDeps): TypedJobHandler<typeof occurrencePayload> {
  const { routing, store, clock } = deps;
  return async ({ key, at }) => {
    const schedule = routing.schedules.find((s) => scheduleKey(s) === key);
    if (!schedule) {
      // Removed from the routing file since it was queued; its successor is never queued.
      deps.report?.('unconfigured', key);
      return;
    }
    const zone = scheduleZone(schedule, routing);
    const date = localDate(at, zone);
    const configured = occurrenceOn(schedule, zone, date);
    const now = clock.now();
    // The time was edited since this job was queued: that day's summary moves to the new time.
    if (configured !== null && configured > now)
      throw new RetryAfter(configured - now, 'schedule moved later');
    const toSay = configured === null ? null : await summaryNotices(deps, schedule, zone, configured);
    const next = occurrenceJob(schedule, zone, nextOccurrence(schedule, zone, Math.max(now, at)));
    const result = await store.transaction(async (repos) => {
      const jobs: NewJob[] = [];
      let said = toSay === null ? 'not_today' : 'failed';
      if (toSay && !('error' in toSay)) {
        const first = await repos.deliveries.recordOnce(SUMMARY_MARK, `${key}:${date}`, now);
        if (first) jobs.push(...occurrenceJobs(deps, schedule, zone, toSay));
        said = first ? 'posted' : 'already_said';
      }
      jobs.push(next);
      await repos.enqueue(jobs, now);
      return said;
    });
    deps.report?.(result, key, toSay && 'error' in toSay ? toSay.error : undefined);
  };
}
