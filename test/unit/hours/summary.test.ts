import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { businessElapsed } from '../../../src/app/sla.js';
import { parseRouting } from '../../../src/config/load.js';
import { summarize } from '../../../src/domain/summary.js';
import { ana, ben, episode } from '../../helpers/episodes.js';

const MINUTE = 60_000;
const local = (text: string) => DateTime.fromISO(text, { zone: 'Europe/Paris' }).toMillis();

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Around the clock
    match: { number: "+33100000000" }
    sla: { claimWithin: 15m }
  - name: Support FR
    match: "*"
    sla: { claimWithin: 15m, resolveWithin: 2h }
    businessHours: { mon-fri: "09:00-18:00" }
`,
  'test',
);

const window = { start: local('2026-11-19T00:00'), end: local('2026-11-20T00:00'), label: 'Thu 19 Nov' };

describe('summary figures in business time', () => {
  // Missed at 17:50 on Thursday, claimed at 09:10 and resolved at 09:40 on Friday.
  const overnight = episode({
    id: 'overnight',
    missedAt: local('2026-11-19T17:50'),
    lastCallAt: local('2026-11-19T17:50'),
    state: 'resolved',
    claimedBy: ana,
    claimedAt: local('2026-11-20T09:10'),
    firstAttemptAt: local('2026-11-20T09:20'),
    attempts: 1,
    outcome: 'reached',
    resolvedAt: local('2026-11-20T09:40'),
    resolvedBy: ana,
  });
  // The same night on a line without hours.
  const wallClockLine = episode({
    ...overnight,
    id: 'wall',
    line: 'Around the clock',
    caller: { number: '+33199999999', name: null },
    claimedBy: ben,
    resolvedBy: ben,
  });
  const summary = summarize({
    episodes: [overnight, wallClockLine],
    openNow: [],
    window,
    now: local('2026-11-20T12:00'),
    slaFor: (line) => routing.lines.find((l) => l.name === line)?.sla ?? {},
    businessElapsed: businessElapsed(routing),
  });

  it('keeps the main durations wall-clock and adds business-time ones per line', () => {
    const line = summary.lines['Support FR'];
    expect(line?.timeToClaim.medianMs).toBe(15 * 60 * MINUTE + 20 * MINUTE);
    expect(line?.business?.timeToClaim.medianMs).toBe(20 * MINUTE);
    expect(line?.business?.timeToFirstCallback.medianMs).toBe(30 * MINUTE);
    expect(line?.timeToResolve?.medianMs).toBe(15 * 60 * MINUTE + 50 * MINUTE);
    expect(line?.business?.timeToResolve.medianMs).toBe(50 * MINUTE);
  });

  it('counts SLA breaches in business time where the line has hours, wall-clock elsewhere', () => {
    expect(summary.lines['Support FR']?.slaBreaches).toEqual({ claim: 1, resolve: 0 });
    expect(summary.lines['Around the clock']?.slaBreaches).toEqual({ claim: 1, resolve: 0 });
    expect(summary.lines['Around the clock']?.business?.timeToClaim.medianMs).toBe(
      15 * 60 * MINUTE + 20 * MINUTE,
    );
  });

  it('gives medians and p90s per agent in both clocks', () => {
    const anaFigures = summary.agents.find((a) => a.name === 'Ana');
    expect(anaFigures?.timeToClaim.p90Ms).toBe(15 * 60 * MINUTE + 20 * MINUTE);
    expect(anaFigures?.business?.timeToClaim.p90Ms).toBe(20 * MINUTE);
  });

  it('shows what is open now per line with the oldest and how long it has waited', () => {
    const waiting = episode({ id: 'waiting', missedAt: local('2026-11-19T17:30') });
    const other = episode({ id: 'other', line: 'Around the clock', missedAt: local('2026-11-19T17:00') });
    const detail = summarize({
      episodes: [],
      openNow: [waiting, other],
      window,
      now: local('2026-11-20T09:30'),
      slaFor: () => ({}),
      businessElapsed: businessElapsed(routing),
    });
    expect(detail.openNow.count).toBe(2);
    expect(detail.openNow.oldest?.id).toBe('other');
    expect(detail.openDetail?.oldestWaitedMs).toBe(16 * 60 * MINUTE + 30 * MINUTE);
    expect(detail.openDetail?.lines['Support FR']).toEqual({
      count: 1,
      oldest: { id: 'waiting', line: 'Support FR', missedAt: waiting.missedAt, callerNumber: '+33176360695' },
      oldestWaitedMs: 16 * 60 * MINUTE,
      oldestWaitedBusinessMs: 60 * MINUTE,
    });
  });
});
