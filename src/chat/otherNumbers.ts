/**
 * The requester's other phone numbers, as the chat surfaces offer them ("call back on another number").
 * Zendesk owns the lookup (src/zendesk/requesterPhones.ts) and offers it here; Slack and Teams ask for it
 * by episode. Offers are kept per Store, i.e. per Ringback instance: tests run several replicas in one
 * process, and a surface must only see its own process's help desk.
 */
import type { Store } from '../store/store.js';

/** Numbers in logs are masked the one way the help-desk lookup masks them. */
export { maskNumber } from '../zendesk/requesterPhones.js';

/** One of the requester's numbers (the help desk's shape: src/zendesk/requesterPhones.ts fills it). */
export interface OtherNumber {
  e164: string;
  /** For people: national format in the line's country, else international. */
  display: string;
  primary: boolean;
}

export type OtherNumbersLookup = (episodeId: string) => Promise<OtherNumber[]>;

const lookups = new WeakMap<Store, OtherNumbersLookup>();

/** Called by the help-desk adapter at startup. */
export function offerOtherNumbers(store: Store, lookup: OtherNumbersLookup): void {
  lookups.set(store, lookup);
}

/** Slack must open a modal within 3 s of the click; the numbers are a nicety, never worth missing that. */
export const OTHER_NUMBERS_DEADLINE_MS = 1_500;

/**
 * The requester's other numbers, or none when no help desk is connected, it fails, or it is slower than
 * `deadlineMs`: the agent can still type a number.
 */
export async function otherNumbersOf(
  store: Store,
  episodeId: string,
  options: { deadlineMs?: number; onError?: (error: unknown) => void } = {},
): Promise<OtherNumber[]> {
  const lookup = lookups.get(store);
  if (!lookup) return [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<OtherNumber[]>((resolve) => {
    timer = setTimeout(() => resolve([]), options.deadlineMs ?? OTHER_NUMBERS_DEADLINE_MS);
  });
  try {
    return await Promise.race([
      lookup(episodeId).catch((error: unknown) => {
        options.onError?.(error);
        return [];
      }),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
