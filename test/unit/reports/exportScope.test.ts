import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { exportApiPath, exportScope } from '../../../src/reports/exportCalls.js';
import { exportInTeams } from '../../../src/surfaces/teams/commands.js';

const routing = parseRouting(
  `
timezone: America/Santiago
lines:
  - name: Soporte Chile
    match: "*"
    slack: { channel: C0123456789 }
`,
  'test.yaml',
);
const clock = new ManualClock(DateTime.fromISO('2026-09-20T12:00', { zone: 'America/Santiago' }).toMillis());

describe('exportScope', () => {
  it('names one day as that day where its midnight is skipped (America/Santiago, 2026-09-06)', () => {
    expect(exportScope({ clock, routing }, { period: '2026-09-06' })).toMatchObject({
      filename: 'ringback-calls-2026-09-06.csv',
      dates: '2026-09-06',
    });
    expect(
      exportScope({ clock, routing }, { period: '2026-09-01..2026-09-06', line: 'soporte chile' }),
    ).toMatchObject({
      filename: 'ringback-calls-soporte-chile-2026-09-01-to-2026-09-06.csv',
      dates: '2026-09-01..2026-09-06',
    });
  });
});

describe('export file names', () => {
  const named = (...names: string[]) =>
    parseRouting(
      `lines:\n${names.map((name, i) => `  - { name: "${name}", match: { genericLine: "line-${i}" }, slack: { channel: C0123456789 } }`).join('\n')}`,
      'test.yaml',
    );
  const filenameOf = (routing: ReturnType<typeof named>, line: string) => {
    const scope = exportScope({ clock, routing }, { period: '2026-09-06', line });
    if ('error' in scope) throw new Error(scope.error);
    return scope.filename;
  };

  it('keeps the letters of a line named in another script or with accents', () => {
    const routing = named('Поддержка', 'サポート', 'Équipe Café', 'Support Москва 2');
    expect(filenameOf(routing, 'Поддержка')).toBe('ringback-calls-поддержка-2026-09-06.csv');
    expect(filenameOf(routing, 'サポート')).toBe('ringback-calls-サポート-2026-09-06.csv');
    expect(filenameOf(routing, 'Équipe Café')).toBe('ringback-calls-équipe-café-2026-09-06.csv');
    expect(filenameOf(routing, 'Support Москва 2')).toBe('ringback-calls-support-москва-2-2026-09-06.csv');
  });

  it('says "line" for a line whose name has no letter or digit', () => {
    expect(filenameOf(named('★ ★'), '★ ★')).toBe('ringback-calls-line-2026-09-06.csv');
  });
});

describe('exportApiPath', () => {
  it('asks for the dates and the line, encoded, as the Teams answer does', () => {
    const path = exportApiPath({ dates: '2026-09-01..2026-09-06', line: 'Поддержка & Co' });
    expect(path).toBe(
      '/api/export.csv?period=2026-09-01..2026-09-06&line=%D0%9F%D0%BE%D0%B4%D0%B4%D0%B5%D1%80%D0%B6%D0%BA%D0%B0+%26+Co',
    );
    expect(exportApiPath({ dates: '2026-09-06', line: null })).toBe('/api/export.csv?period=2026-09-06');
    const teams = exportInTeams({
      kind: 'export',
      period: 'week',
      line: 'Поддержка & Co',
      filename: 'ringback-calls-co-2026-09-01-to-2026-09-06.csv',
      periodLabel: 'week of 31 Aug',
      dates: '2026-09-01..2026-09-06',
      asOf: 0,
    });
    expect(teams).toContain(`\`GET ${path}\``);
  });
});
