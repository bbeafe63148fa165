import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { exportScope } from '../../../src/reports/exportCalls.js';

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
