/** The fair agent report of a period, read from the stored calls in batches (src/domain/legReport.ts). */
import { type LegReport, LegTally } from '../domain/legReport.js';
import type { PeriodFilter } from '../store/reports.js';
import type { Store } from '../store/store.js';

export async function periodLegReport(
  store: Pick<Store, 'reports'>,
  filter: PeriodFilter,
): Promise<LegReport> {
  const tally = new LegTally();
  for await (const call of store.reports.callLegs(filter)) tally.add(call);
  return tally.report();
}
