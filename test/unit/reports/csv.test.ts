import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, type CsvCall, csvCell, exportCsv } from '../../../src/reports/csv.js';
import { csvCallOf, slaVerdict } from '../../../src/reports/exportCalls.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;
const wallClock = (_line: string, from: number, to: number) => to - from;

function call(overrides: Partial<CsvCall>): CsvCall {
  const blank = Object.fromEntries(CSV_COLUMNS.map((c) => [c, null])) as CsvCall;
  return { ...blank, ...overrides };
}

describe('csvCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+33176360695', "'+33176360695"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
    ['Marie, Dupont', '"Marie, Dupont"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['Chloé', 'Chloé'],
    // Split on `;` by spreadsheets of `;` locales: quoted, the formula stays inside the name's cell.
    ["Bob;=cmd|' /C calc'!A0;", `"Bob;=cmd|' /C calc'!A0;"`],
    ['a\tb', '"a\tb"'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('writes numbers, booleans and nothing as themselves', () => {
    expect([csvCell(3), csvCell(true), csvCell(null)]).toEqual(['3', 'true', '']);
  });
});

describe('exportCsv', () => {
  it('round-trips through a CSV parser, formulas kept as text', () => {
    const nasty = ['=cmd|" /C calc"!A0', 'Dupont, "Marie"\r\nsecond line', '@import', 'Zoë Ünal', ''];
    const csv = exportCsv(
      nasty.map((name, i) => call({ id: `ep-${i}`, caller_name: name, call_count: i + 1 })),
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.caller_name)).toEqual([
      `'=cmd|" /C calc"!A0`,
      'Dupont, "Marie"\r\nsecond line',
      "'@import",
      'Zoë Ünal',
      '',
    ]);
    expect(rows.map((r) => r.call_count)).toEqual(['1', '2', '3', '4', '5']);
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
  });
});

describe('slaVerdict', () => {
  const since = (to: number) => to - T0;
  it('says met, breached or pending, and nothing without a target', () => {
    expect(slaVerdict(15 * MIN, since, T0 + 10 * MIN, T0 + 60 * MIN)).toBe('met');
    expect(slaVerdict(15 * MIN, since, T0 + 20 * MIN, T0 + 60 * MIN)).toBe('breached');
    expect(slaVerdict(15 * MIN, since, null, T0 + 5 * MIN)).toBe('pending');
    expect(slaVerdict(15 * MIN, since, null, T0 + 16 * MIN)).toBe('breached');
    expect(slaVerdict(undefined, since, null, T0)).toBeNull();
  });
});

describe('csvCallOf', () => {
  it('gives a resolved call its times in ISO, its people and its SLA verdicts', () => {
    const row = csvCallOf(
      episode({
        state: 'resolved',
        claimedBy: ana,
        claimedAt: T0 + 20 * MIN,
        attempts: 2,
        firstAttemptAt: T0 + 25 * MIN,
        lastAttemptAt: T0 + 40 * MIN,
        outcome: 'reached',
        resolvedAt: T0 + 41 * MIN,
        resolvedBy: ana,
        zendeskTicketId: 456,
      }),
      {
        sla: { claimWithin: 15 * MIN, resolveWithin: 120 * MIN },
        elapsed: wallClock,
        now: T0 + 300 * MIN,
        zone: 'Europe/Paris',
      },
    );
    expect(row).toMatchObject({
      // The line's local time with its offset: 09:32:10 UTC is 10:32:10 in Paris in November.
      missed_at: '2026-11-20T10:32:10+01:00',
      claimed_at: '2026-11-20T10:52:10+01:00',
      claimed_by: 'Ana',
      claimed_by_email: 'ana@example.com',
      attempts: 2,
      outcome: 'reached',
      zendesk_ticket_id: 456,
      claim_sla: 'breached',
      resolve_sla: 'met',
      auto_resolved: false,
    });
  });

  it('writes each call in its own line’s zone, across a DST change, so the instant stays exact', () => {
    const summer = Date.UTC(2026, 6, 1, 12, 0);
    const row = (zone: string, at: number) =>
      csvCallOf(episode({ missedAt: at, lastCallAt: at }), { sla: {}, elapsed: wallClock, now: at, zone });
    expect(row('Europe/Paris', summer).missed_at).toBe('2026-07-01T14:00:00+02:00');
    expect(row('America/New_York', summer).missed_at).toBe('2026-07-01T08:00:00-04:00');
    expect(row('UTC', summer).missed_at).toBe('2026-07-01T12:00:00Z');
    expect(Date.parse(row('America/New_York', summer).missed_at as string)).toBe(summer);
  });
});
