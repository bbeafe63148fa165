/** The fair agent report of a period, read from the stored calls in batches (src/domain/legReport.ts). */
import { type LegReport, LegTally } from '../domain/legReport.js';
import type { PeriodFilter } from '../store/reports.js';
import type { Store } from '../store/store.js';

/**
 * `ignores(line, reason)` says which unanswered calls the line does not count as missed (its `ignore` list,
 * `short_abandoned`…): their legs are left out too, or agents would be blamed for calls nobody could take.
 */
export async function periodLegReport(
  store: Pick<Store, 'reports'>,
  filter: PeriodFilter,
  ignores: (line: string, reason: string) => boolean = () => false,
): Promise<LegReport> {
  const tally = new LegTally();
  for await (const call of store.reports.callLegs(filter)) {
    if (call.missedReason !== null && ignores(call.line, call.missedReason)) continue;
    tally.add(call);
  }
  return tally.report();
}
