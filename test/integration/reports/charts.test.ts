import { DateTime } from 'luxon';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildSummary } from '../../../src/app/summary.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Figures } from '../../../src/domain/summary.js';
import { durationWords } from '../../../src/reports/charts.js';
import { chartsForPeriod } from '../../../src/reports/periodCharts.js';
import { TEST_ROUTING_YAML } from '../../helpers/config.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { ana, ben, episode } from '../../helpers/episodes.js';

const PARIS = 'Europe/Paris';
const at = (iso: string) => DateTime.fromISO(iso, { zone: PARIS }).toMillis();
const [sqlite] = await databaseKinds();

describe('the charts of a period', () => {
  if (!sqlite) throw new Error('no SQLite');
  const { store } = useStore(sqlite);
  const routing = parseRouting(TEST_ROUTING_YAML, 'test');
  // Thursday of the week of 16 Nov 2026.
  const clock = new ManualClock(at('2026-11-19T17:00'));

  async function seed(): Promise<void> {
    const episodes = [
      episode({
        id: 'mon',
        missedAt: at('2026-11-16T09:10'),
        callCount: 3,
        state: 'resolved',
        claimedBy: ana,
        claimedAt: at('2026-11-16T09:20'),
        attempts: 1,
        firstAttemptAt: at('2026-11-16T09:35'),
        outcome: 'reached',
        resolvedAt: at('2026-11-16T09:40'),
        resolvedBy: ana,
      }),
      episode({
        id: 'tue',
        missedAt: at('2026-11-17T14:05'),
        caller: { number: '+33612345678', name: null },
        state: 'calling',
        claimedBy: ben,
        claimedAt: at('2026-11-17T14:30'),
        attempts: 1,
        firstAttemptAt: at('2026-11-17T17:05'),
      }),
      episode({ id: 'wed', missedAt: at('2026-11-18T11:45'), caller: { number: null, name: null } }),
      episode({
        id: 'other',
        line: 'Everything else',
        missedAt: at('2026-11-18T20:15'),
        caller: { number: '+33700000000', name: null },
        state: 'calling',
        claimedBy: ben,
        claimedAt: at('2026-11-18T20:20'),
        attempts: 1,
        firstAttemptAt: at('2026-11-18T20:50'),
      }),
      // The week before: in neither the summary nor the charts.
      episode({
        id: 'old',
        missedAt: at('2026-11-15T10:00'),
        caller: { number: '+33799999999', name: null },
      }),
    ];
    for (const e of episodes) await store().episodes.insert(e, {}, clock.now());
  }

  it('refuses a period with more calls than a summary reads, rather than summing it up short', async () => {
    await seed();
    const deps = { store: store(), clock, routing };
    const all = await buildSummary(deps, { period: 'week' });
    if (!all.ok) throw new Error('expected a summary');
    const episodes = all.summary.totals.episodes;
    expect(episodes).toBeGreaterThan(1);
    const refused = await buildSummary({ ...deps, maxEpisodes: episodes - 1 }, { period: 'week' });
    expect(refused).toEqual({
      ok: false,
      error: expect.stringContaining(`more than ${episodes - 1} calls in that period`),
    });
    expect((await buildSummary({ ...deps, maxEpisodes: episodes }, { period: 'week' })).ok).toBe(true);
  });

  it('shows in pictures and alt text the very numbers of the summary', async () => {
    await seed();
    const deps = { store: store(), clock, routing };
    const summary = await buildSummary(deps, { period: 'week' });
    const charts = await chartsForPeriod(deps, { period: 'week' });
    if (!summary.ok || !charts.ok) throw new Error('expected both to answer');
    const { totals, lines } = summary.summary;
    expect(totals.missedCalls).toBe(6);

    const [returned, byHour, callbacks] = charts.charts;
    expect(charts.charts.map((c) => c.name)).toEqual([
      'missed-vs-returned',
      'missed-by-hour',
      'callback-vs-sla',
    ]);

    const head = returned?.alt.match(/: (\d+) missed calls?, (\d+) returned\./);
    expect(head?.slice(1).map(Number)).toEqual([totals.missedCalls, totals.returnedCalls]);
    const perDay = [...(returned?.alt.matchAll(/: (\d+) missed, (\d+) returned/g) ?? [])];
    expect(perDay.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(totals.missedCalls);
    expect(perDay.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(totals.returnedCalls);

    const hours = byHour?.alt.match(/By hour: ([^.]*)\./)?.[1] ?? '';
    const perHour = hours.split(', ').map((item) => Number(item.split(' ')[1]));
    expect(perHour.reduce((a, b) => a + b, 0)).toBe(totals.missedCalls);
    expect(hours).toContain('09h 3');

    for (const [line, figures] of Object.entries(lines) as [string, Figures][]) {
      const stats = figures.business?.timeToFirstCallback;
      if (!stats?.count) continue;
      const part = callbacks?.alt.split('; ').find((p) => p.includes(`${line}:`)) ?? '';
      expect(Number(part.match(new RegExp(`${line}: (\\d+) calls? called back`))?.[1])).toBe(stats.count);
      expect(part).toContain(`median ${durationWords(stats.medianMs ?? 0)}`);
      expect(part).toContain(`90th percentile ${durationWords(stats.p90Ms ?? 0)}`);
    }
    expect(callbacks?.alt).toContain('Support FR: 2 calls called back');
    expect(callbacks?.alt).toContain('SLA 2 h');

    for (const chart of charts.charts) {
      const png = PNG.sync.read(chart.png);
      expect(png.width).toBe(1200);
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 16) {
        colours.add(((png.data[i] ?? 0) << 16) | ((png.data[i + 1] ?? 0) << 8) | (png.data[i + 2] ?? 0));
      }
      expect(colours.size).toBeGreaterThan(10);
    }
  });

  it('says there were no calls for an empty period, and refuses a bad one', async () => {
    const deps = { store: store(), clock, routing };
    const charts = await chartsForPeriod(deps, { period: 'week' });
    if (!charts.ok) throw new Error(charts.error);
    expect(charts.charts.map((c) => c.alt.includes('No call'))).toEqual([true, true, true]);
    expect(await chartsForPeriod(deps, { period: 'fortnight' })).toMatchObject({ ok: false });
    expect(await chartsForPeriod(deps, { period: 'week', line: 'Nowhere' })).toMatchObject({ ok: false });
  });

  it('draws no charts for a period longer than ten years (a typo such as 0026) instead of a million bars', async () => {
    await seed();
    const drawn = await chartsForPeriod(
      { store: store(), clock, routing },
      { period: '0001-01-01..9999-12-31' },
    );
    expect(drawn).toEqual({ ok: false, error: expect.stringContaining('up to 3660 days') });
  });

  it('keeps to one line', async () => {
    await seed();
    const charts = await chartsForPeriod(
      { store: store(), clock, routing },
      { period: 'week', line: 'support fr' },
    );
    if (!charts.ok) throw new Error(charts.error);
    // Monday's three calls and Tuesday's one were returned; Wednesday's withheld call was not.
    expect(charts.charts[0]?.alt).toMatch(/: 5 missed calls, 4 returned\./);
    expect(charts.charts[2]?.alt).not.toContain('Everything else');
  });
});
