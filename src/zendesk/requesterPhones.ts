/**
 * The Zendesk requester's other phone numbers, for the "call back on another number" picker: the phone
 * identities of the episode's requester, as E.164, without the number the card already calls. The surface
 * that offers them (a Slack modal, a Teams input) passes the chosen one to `ringback.callback_number`
 * (app/act.ts `set_number`), which validates it again.
 */
import { lineNamed } from '../app/routing.js';
import type { RoutingConfig } from '../config/routing.js';
import { parseDetails } from '../domain/details.js';
import { formatNumber, normalizeNumber } from '../domain/phone.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import type { ZendeskClient } from './client.js';

export interface OtherNumber {
  e164: string;
  /** For people: national format in the line's country, else international. */
  display: string;
  /** Zendesk's primary phone of the requester. */
  primary: boolean;
}

/** "+33 6 ** ** ** 78": enough to tell numbers apart in a log, not enough to call. */
export function maskNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.length <= 4) return '***';
  return `+${digits.slice(0, 2)}${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-2)}`;
}

export async function requesterOtherNumbers(
  deps: { store: Store; client: ZendeskClient; routing: RoutingConfig; logger: Logger },
  episodeId: string,
): Promise<OtherNumber[]> {
  const episode = await deps.store.episodes.get(episodeId);
  if (!episode) return [];
  const requester = parseDetails(await deps.store.episodes.getDetails(episodeId)).requester;
  if (!requester) return [];
  const country = lineNamed(deps.routing, episode.line)?.country;
  const current = new Set(
    [episode.caller.number, episode.callbackNumber].filter((n): n is string => n !== null),
  );
  const seen = new Set<string>();
  const numbers: OtherNumber[] = [];
  for (const identity of await deps.client.listIdentities(requester.id)) {
    if (identity.type !== 'phone_number') continue;
    const parsed = normalizeNumber(identity.value, country);
    if (!parsed || current.has(parsed.e164) || seen.has(parsed.e164)) continue;
    seen.add(parsed.e164);
    numbers.push({
      e164: parsed.e164,
      display: formatNumber(parsed.e164, country) ?? parsed.e164,
      primary: identity.primary,
    });
  }
  deps.logger.debug(
    { episode: episodeId, numbers: numbers.map((n) => maskNumber(n.e164)) },
    `zendesk: ${numbers.length} other number(s) for the requester of episode ${episodeId}`,
  );
  return numbers;
}
