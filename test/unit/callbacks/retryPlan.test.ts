/** The retry plan a `no_answer` resolve carries: when the next attempt comes due on the line's calendar. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { retryPlan } from '../../../src/app/callbacks.js';
import { parseRouting } from '../../../src/config/load.js';

const PARIS = 'Europe/Paris';
const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { genericLine: fr }
    businessHours: { mon-fri: "09:00-18:00" }
    retry: { attempts: 3, every: 30m }
  - name: Always
    match: "*"
    retry: { attempts: 3, every: 30m }
`,
  'retry plan test',
);

function paris(text: string): number {
  return DateTime.fromISO(text, { zone: PARIS }).toMillis();
}

function nextDue(line: string, local: string): string | null {
  const plan = retryPlan(routing, line, paris(local));
  const dueAt = plan?.nextDueAt ?? null;
  return dueAt === null ? null : DateTime.fromMillis(dueAt, { zone: PARIS }).toFormat('ccc yyyy-MM-dd HH:mm');
}

describe('retryPlan', () => {
  it('counts `every` in business time', () => {
    expect(nextDue('Support FR', '2026-12-02T10:00')).toBe('Wed 2026-12-02 10:30');
    expect(nextDue('Support FR', '2026-12-02T17:45')).toBe('Thu 2026-12-03 09:15');
  });

  it('is due at the next opening, not as the line closes, when `every` ends exactly at the closing', () => {
    expect(nextDue('Support FR', '2026-12-02T17:30')).toBe('Thu 2026-12-03 09:00');
    expect(nextDue('Support FR', '2026-12-04T17:30')).toBe('Mon 2026-12-07 09:00');
  });

  it('counts wall-clock time on a line without business hours', () => {
    expect(nextDue('Always', '2026-12-02T23:45')).toBe('Thu 2026-12-03 00:15');
  });
});
