/**
 * Names made up for a caller nobody has named: Ringback's Zendesk requesters and Zendesk Talk's own callers
 * are called after their number. They say nothing the number does not, so no card or e-mail takes them for
 * the caller's name. Pure, so that ingest's choice of a name and the Zendesk requester agree on one rule.
 */
import { formatNumber } from './phone.js';

/** The name of the one requester every withheld caller shares. */
export const WITHHELD_NAME = 'Withheld number';

/** The name Ringback gives a requester it creates for a caller whose name nobody knows. */
export function placeholderName(e164: string): string {
  return `Caller ${formatNumber(e164) ?? e164}`;
}

/** Is this a name made up for a number (`Caller +33 6 …`, `Withheld number`), not the person's own? */
export function isPlaceholderName(name: string | null | undefined): boolean {
  if (!name) return true;
  // Made-up names carry the number in its international form; "Caller 4" from a phone system is a name.
  return name === WITHHELD_NAME || /^Caller \+[\d\s().-]+$/.test(name);
}
