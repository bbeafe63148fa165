/**
 * Who a ticket is for: the Zendesk end user with the caller's number — found by a phone search (cached),
 * or created once with a phone identity. Withheld numbers share one "Withheld number" user: creating a
 * user per hidden call would litter Zendesk (Talk itself does that; we do not).
 */

import { placeholderName, WITHHELD_NAME } from '../domain/callerName.js';
import type { Clock } from '../domain/clock.js';
import { normalizeNumber, sameNumber } from '../domain/phone.js';
import type { Caller } from '../domain/types.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import type { ZendeskClient } from './client.js';
import { isZendeskStatus } from './errors.js';
import { KEYS } from './keys.js';
import type { ZendeskUser } from './schemas.js';

export interface Requester {
  id: number;
  name: string;
}

/** A requester, and whether Ringback created their Zendesk user just now (nobody had their number). */
export interface FoundRequester {
  requester: Requester;
  created: boolean;
}

const WITHHELD_EXTERNAL_ID = 'ringback-withheld-caller';

/**
 * A user found by its external id (the create refused) counts as made just now when Zendesk created it this
 * recently (by a first attempt that crashed before the cache); an older one Ringback made for an earlier call.
 */
const JUST_CREATED_MS = 10 * 60_000;

function digits(text: string | null): string {
  return (text ?? '').replace(/\D/g, '');
}

/** How many users a phone search found are checked for the number among their other identities. */
const SECOND_NUMBER_CANDIDATES = 3;

export class Requesters {
  constructor(
    private readonly deps: { store: Store; clock: Clock; client: ZendeskClient; logger: Logger },
    private readonly ttlMs = 24 * 60 * 60_000,
  ) {}

  async find(caller: Caller): Promise<FoundRequester> {
    const { store, clock } = this.deps;
    const key = KEYS.requester(caller.number);
    const cached = await store.identities.get<Requester>(key, clock.now());
    if (cached) return { requester: cached, created: false };
    const { user, created } = caller.number
      ? await this.byPhone(caller.number, caller.name)
      : { user: await this.withheld(), created: false };
    const requester = { id: user.id, name: user.name };
    // Cached before the ticket is created: a retry after a crash finds the user here and is not "created"
    // any more, since the ticket of the failed attempt may already be theirs.
    await store.identities.put(key, requester, clock.now() + this.ttlMs);
    return { requester, created };
  }

  private async byPhone(e164: string, name: string | null): Promise<{ user: ZendeskUser; created: boolean }> {
    const { client, clock, logger } = this.deps;
    const wanted = digits(e164);
    // A phone typed in the caller's national or 00 form (`(555) 123-4567`) is the same number.
    const country = normalizeNumber(e164)?.country ?? null;
    const isCallers = (phone: string | null) => phone !== null && sameNumber(phone, e164, country);
    // Digits only: Zendesk's guide to finding a caller's user says the number goes without "+" or any
    // other non-digit (developer.zendesk.com, Talk Partner Edition, "Retrieving the Zendesk user id of a
    // caller"). One search per new caller: the account's budget is shared with its other apps. Only a user
    // whose number really is the caller's counts.
    const candidates = (await client.searchUsers(wanted)).filter((u) => u.active);
    const found =
      candidates.find((u) => isCallers(u.phone)) ?? (await this.bySecondNumber(candidates, isCallers));
    if (found) return { user: found, created: false };
    const { user, made } = await this.createOrFind({
      name: name ?? placeholderName(e164),
      external_id: `ringback-phone-${e164}`,
      identities: [{ type: 'phone_number', value: e164 }],
    });
    if (made) return { user, created: true };
    const createdAt = Date.parse(user.created_at ?? '');
    const created = Number.isFinite(createdAt) && createdAt >= clock.now() - JUST_CREATED_MS;
    if (!created) {
      // Ringback made this user for an earlier call, and the search above did not find it: the account
      // matches numbers differently from what Zendesk's guide says (docs/zendesk-setup.md).
      logger.warn(
        { zendeskUser: user.id },
        `zendesk: the phone search did not find user ${user.id}, whom Ringback created for this number earlier; check how users/search matches phone numbers on this account`,
      );
    }
    return { user, created };
  }

  /**
   * The user the search found who has the number as a second phone identity (their `phone` is another): the
   * search matches every identity, and making a new user with that number is refused (422 "already being
   * used by another user"), which left the caller without a ticket for good. One identities read per
   * candidate, only when the search found someone whose main number is not the caller's.
   */
  private async bySecondNumber(
    candidates: ZendeskUser[],
    isCallers: (phone: string | null) => boolean,
  ): Promise<ZendeskUser | undefined> {
    for (const user of candidates.slice(0, SECOND_NUMBER_CANDIDATES)) {
      const identities = await this.deps.client.listIdentities(user.id);
      if (identities.some((i) => i.type === 'phone_number' && isCallers(i.value))) return user;
    }
    return undefined;
  }

  private async withheld(): Promise<ZendeskUser> {
    const { client } = this.deps;
    const [existing] = await client.findUsersByExternalId(WITHHELD_EXTERNAL_ID);
    if (existing) return existing;
    return (await this.createOrFind({ name: WITHHELD_NAME, external_id: WITHHELD_EXTERNAL_ID })).user;
  }

  /**
   * Creates the user, or takes the one that already has its external id (Ringback made it for an earlier
   * call, or a retried job's first attempt did) as it is: the name is sent only to a new user, so a name an
   * agent gave in Zendesk is never overwritten by the phone system's. create_or_update would cost no more
   * requests but overwrite it; the lookup costs one only when the create is refused.
   */
  private async createOrFind(user: {
    name: string;
    external_id: string;
    identities?: { type: 'phone_number'; value: string }[];
  }): Promise<{ user: ZendeskUser; made: boolean }> {
    const { client } = this.deps;
    try {
      return { user: await client.createUser(user), made: true };
    } catch (error) {
      if (!isZendeskStatus(error, 422)) throw error;
      const [existing] = await client.findUsersByExternalId(user.external_id);
      if (!existing) throw error;
      return { user: existing, made: false };
    }
  }
}
