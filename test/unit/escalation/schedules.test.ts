import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRouting } from '../../../src/config/load.js';
import { type RoutingConfig, type SummaryScheduleConfig, scheduleKey } from '../../../src/config/routing.js';
import {
  nextOccurrence,
  occurrenceJob,
  periodOf,
  SCHEDULED_SUMMARY_JOB,
  scheduleZone,
} from '../../../src/timers/schedules.js';

function routingWith(schedules: string, extra = ''): RoutingConfig {
  return parseRouting(
    `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
${extra}
schedules:
${schedules}
`,
    'ringback.yaml',
  );
}

function problems(schedules: string, extra = ''): string[] {
  try {
    routingWith(schedules, extra);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function only(routing: RoutingConfig): SummaryScheduleConfig {
  const schedule = routing.schedules[0];
  if (!schedule) throw new Error('no schedule');
  return schedule;
}

const show = (ms: number, zone: string) =>
  DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZ');

describe('scheduled summaries', () => {
  describe('in the routing file', () => {
    it('reads a daily summary at a local time with its zone', () => {
      const schedule = only(
        routingWith('  - { every: daily, at: "08:30 America/New_York", slack: { channel: C0123456789 } }'),
      );
      expect(schedule).toMatchObject({
        every: 'daily',
        minuteOfDay: 510,
        timezone: 'America/New_York',
        period: 'yesterday',
      });
    });

    it('reads a weekly summary on a given day, in the team zone by default', () => {
      const routing = routingWith(
        '  - { every: weekly, day: fri, at: "17:00", period: this_week, teams: { channel: "19:abc@thread.tacv2" } }',
      );
      const schedule = only(routing);
      expect(schedule).toMatchObject({ weekday: 5, period: 'this_week', timezone: undefined });
      expect(scheduleZone(schedule, routing)).toBe('Europe/Paris');
    });

    it('names what is wrong: the time, the zone, the channels, the period, the line', () => {
      expect(problems('  - { every: daily, at: "8h30", slack: { channel: C0123456789 } }')).toEqual([
        'ringback.yaml schedules[0].at: expected a local time like "08:30" or "08:30 Europe/Paris", got "8h30"',
      ]);
      expect(
        problems('  - { every: daily, at: "08:30 Mars/Olympus", slack: { channel: C0123456789 } }')[0],
      ).toContain('not an IANA time zone');
      expect(problems('  - { every: daily, at: "08:30" }')[0]).toContain('expected slack: { channel }');
      expect(
        problems('  - { every: daily, at: "08:30", period: last_week, slack: { channel: C0123456789 } }')[0],
      ).toContain('a daily summary covers yesterday or today');
      expect(
        problems('  - { every: daily, at: "08:30", line: Nope, slack: { channel: C0123456789 } }'),
      ).toEqual(['ringback.yaml schedules[0].line: no line named "Nope"']);
    });

    it('refuses two zones for one schedule, and two schedules only their time tells apart', () => {
      expect(
        problems(
          '  - { every: daily, at: "08:30 Asia/Kolkata", timezone: America/New_York, slack: { channel: C0123456789 } }',
        ),
      ).toEqual([
        'ringback.yaml schedules[0].at: "08:30 Asia/Kolkata" names Asia/Kolkata but timezone is America/New_York: give the zone once',
      ]);
      const twice =
        '  - { every: daily, at: "12:00", period: today, slack: { channel: C0123456789 } }\n' +
        '  - { every: daily, at: "18:00", period: today, slack: { channel: C0123456789 } }';
      expect(problems(twice)).toEqual([
        'ringback.yaml schedules[1]: two schedules differ only in their time (daily:today:*:C0123456789): give each a name',
      ]);
      const named =
        '  - { name: noon, every: daily, at: "12:00", period: today, slack: { channel: C0123456789 } }\n' +
        '  - { name: evening, every: daily, at: "18:00", period: today, slack: { channel: C0123456789 } }';
      expect(problems(named)).toEqual([]);
    });

    it('covers a line’s days in the line’s zone, as /ringback summary for that line does', () => {
      const routing = parseRouting(
        `
timezone: Europe/Paris
lines:
  - name: Support IN
    match: "*"
    timezone: Asia/Kolkata
schedules:
  - { every: daily, at: "09:00", line: Support IN, slack: { channel: C0123456789 } }
  - { every: daily, at: "09:00", slack: { channel: C0123456780 } }
`,
        'ringback.yaml',
      );
      expect(routing.schedules.map((s) => scheduleZone(s, routing))).toEqual([
        'Asia/Kolkata',
        'Europe/Paris',
      ]);
    });
  });

  describe('occurrences', () => {
    const daily = only(routingWith('  - { every: daily, at: "08:30", slack: { channel: C0123456789 } }'));
    const weekly = only(
      routingWith('  - { every: weekly, day: mon, at: "08:30", slack: { channel: C0123456789 } }'),
    );
    const PARIS = 'Europe/Paris';

    it('come at the same local time on both sides of a DST change', () => {
      const friday = DateTime.fromISO('2026-03-27T09:00', { zone: PARIS }).toMillis();
      const saturday = nextOccurrence(daily, PARIS, friday);
      const sunday = nextOccurrence(daily, PARIS, saturday);
      expect(show(saturday, PARIS)).toBe('Sat 2026-03-28 08:30 +01:00');
      expect(show(sunday, PARIS)).toBe('Sun 2026-03-29 08:30 +02:00');
      expect(sunday - saturday).toBe(23 * 3_600_000);
      const autumn = nextOccurrence(
        daily,
        PARIS,
        DateTime.fromISO('2026-10-23T09:00', { zone: PARIS }).toMillis(),
      );
      expect(nextOccurrence(daily, PARIS, autumn) - autumn).toBe(25 * 3_600_000);
    });

    it('come on the configured weekday only, the next week when today is past', () => {
      const mondayNoon = DateTime.fromISO('2026-11-16T12:00', { zone: PARIS }).toMillis();
      expect(show(nextOccurrence(weekly, PARIS, mondayNoon), PARIS)).toBe('Mon 2026-11-23 08:30 +01:00');
      const mondayEarly = DateTime.fromISO('2026-11-16T08:00', { zone: PARIS }).toMillis();
      expect(show(nextOccurrence(weekly, PARIS, mondayEarly), PARIS)).toBe('Mon 2026-11-16 08:30 +01:00');
    });

    it('at a time inside the skipped spring hour come just after the clocks jump', () => {
      const night = only(routingWith('  - { every: daily, at: "02:30", slack: { channel: C0123456789 } }'));
      const at = nextOccurrence(
        night,
        PARIS,
        DateTime.fromISO('2026-03-29T00:00', { zone: PARIS }).toMillis(),
      );
      expect(show(at, PARIS)).toBe('Sun 2026-03-29 03:30 +02:00');
    });

    it('are queued once per schedule and local date', () => {
      const at = DateTime.fromISO('2026-11-20T08:30', { zone: PARIS }).toMillis();
      const job = occurrenceJob(daily, PARIS, at);
      expect(job).toMatchObject({
        kind: SCHEDULED_SUMMARY_JOB,
        runAt: at,
        payload: { key: scheduleKey(daily), at },
      });
      expect(job.dedupeKey).toBe(`summary:${scheduleKey(daily)}:2026-11-20`);
    });
  });

  describe('the period a summary covers', () => {
    const PARIS = 'Europe/Paris';
    const at = (text: string) => DateTime.fromISO(text, { zone: PARIS }).toMillis();
    const make = (line: string) => only(routingWith(line));

    it('is yesterday or today for a daily summary', () => {
      expect(
        periodOf(
          make('  - { every: daily, at: "08:30", slack: { channel: C0123456789 } }'),
          PARIS,
          at('2026-11-20T08:30'),
        ),
      ).toBe('2026-11-19');
      expect(
        periodOf(
          make('  - { every: daily, at: "18:00", period: today, slack: { channel: C0123456789 } }'),
          PARIS,
          at('2026-11-20T18:00'),
        ),
      ).toBe('2026-11-20');
    });

    it('is the previous Monday-to-Sunday week, or this week so far, for a weekly summary', () => {
      expect(
        periodOf(
          make('  - { every: weekly, at: "08:30", slack: { channel: C0123456789 } }'),
          PARIS,
          at('2026-11-23T08:30'),
        ),
      ).toBe('2026-11-16..2026-11-22');
      expect(
        periodOf(
          make(
            '  - { every: weekly, day: fri, at: "17:00", period: this_week, slack: { channel: C0123456789 } }',
          ),
          PARIS,
          at('2026-11-20T17:00'),
        ),
      ).toBe('2026-11-16..2026-11-20');
    });
  });
});

describe('line options for escalation', () => {
  it('read out-of-hours mode and reminder steps', () => {
    const routing = parseRouting(
      `
lines:
  - name: Night
    match: "*"
    outOfHours: { mode: hold }
    sla: { resolveWithin: 2h }
    reminders: { escalate: [ { after: 30m, notify: "@here", to: managers } ] }
`,
      'ringback.yaml',
    );
    expect(routing.lines[0]?.outOfHours).toEqual({ mode: 'hold' });
    expect(routing.lines[0]?.reminders?.escalate).toEqual([
      { after: 1_800_000, notify: '@here', to: 'managers' },
    ]);
    expect(routing.schedules).toEqual([]);
  });

  it('refuse reminder steps out of order', () => {
    expect(() =>
      parseRouting(
        `
lines:
  - name: Night
    match: "*"
    sla: { resolveWithin: 2h }
    reminders: { escalate: [ { after: 30m, notify: "a" }, { after: 10m, notify: "b" } ] }
`,
        'ringback.yaml',
      ),
    ).toThrow(/lines\[0\]\.reminders\.escalate\[1\]\.after: steps must come in increasing order/);
  });

  it('refuse an unknown out-of-hours mode', () => {
    expect(() =>
      parseRouting('lines: [ { name: Night, match: "*", outOfHours: { mode: later } } ]', 'ringback.yaml'),
    ).toThrow(/lines\[0\]\.outOfHours\.mode/);
  });
});
