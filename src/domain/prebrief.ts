/**
 * The pre-brief: what an agent wants to know before calling back, gathered from Zendesk once it answers
 * (organization, tags, open tickets, last contact, local time) and from Ringback's own history (repeat
 * calls). Stored in the episode's details JSON (so retention erases it with the caller's other data) and
 * parsed defensively: a broken pre-brief shows nothing rather than breaking the card.
 */
import { z } from 'zod';

export const prebriefSchema = z.object({
  /** When Zendesk was asked (epoch ms). */
  fetchedAt: z.number(),
  /** The requester's organization name. */
  organization: z.string().nullable().default(null),
  /** Every tag of the requester and their organization, lower case (rules read all; the card shows some). */
  tags: z.array(z.string()).default([]),
  /** The requester's unsolved tickets (new, open, pending, hold). */
  openTickets: z
    .object({
      count: z.number().int().nonnegative(),
      /** The highest priority among them (`urgent`, `high`, `normal`, `low`), null when none is set. */
      highestPriority: z.string().nullable(),
      /** The most recently updated one. */
      latest: z
        .object({ id: z.number(), subject: z.string().nullable(), priority: z.string().nullable() })
        .nullable(),
    })
    .default({ count: 0, highestPriority: null, latest: null }),
  /** The requester's last contact before this call: when, on which channel, with which agent. */
  lastContact: z
    .object({ at: z.number(), channel: z.string().nullable(), agent: z.string().nullable() })
    .nullable()
    .default(null),
  /** The agent assigned to the most recent unsolved ticket (`assign.suggest: ticketAssignee`). */
  assignee: z
    .object({ name: z.string(), email: z.string().nullable(), ticketId: z.number() })
    .nullable()
    .default(null),
  /** The caller's IANA time zone, from Zendesk or from a country with one zone; null when unknown. */
  timeZone: z.string().nullable().default(null),
});

export type Prebrief = z.infer<typeof prebriefSchema>;

/**
 * The pre-brief of a requester Ringback created a moment ago for this very call: Zendesk has nothing on
 * them yet (no organization, no tags, no other ticket), so there is nothing to ask it. Zendesk gives a new
 * user the account's default time zone, which says nothing about the caller: their country decides, as
 * for any requester without a zone.
 */
export function prebriefOfNewRequester(now: number, callerCountry: string | null): Prebrief {
  return {
    fetchedAt: now,
    organization: null,
    tags: [],
    openTickets: { count: 0, highestPriority: null, latest: null },
    lastContact: null,
    assignee: null,
    timeZone: zoneOfCountry(callerCountry),
  };
}

/** Ringback's own history of the caller: missed and answered calls of the number in the last 7 days. */
export const repeatCallsSchema = z.object({
  /** Calls in the last 7 days, this one included. */
  callsThisWeek: z.number().int().nonnegative(),
});

export type RepeatCalls = z.infer<typeof repeatCallsSchema>;

/**
 * Countries that keep one time zone all year round, for callers Zendesk gives no zone for. Countries with
 * several zones (US, CA, BR, AU, RU, MX, ES with the Canaries, PT with the Azores…) are left out on purpose:
 * a wrong local time is worse than none.
 */
const SINGLE_ZONE_COUNTRIES: Record<string, string> = {
  AT: 'Europe/Vienna',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GR: 'Europe/Athens',
  HK: 'Asia/Hong_Kong',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IN: 'Asia/Kolkata',
  IT: 'Europe/Rome',
  JP: 'Asia/Tokyo',
  LU: 'Europe/Luxembourg',
  MA: 'Africa/Casablanca',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  PL: 'Europe/Warsaw',
  RO: 'Europe/Bucharest',
  SE: 'Europe/Stockholm',
  SG: 'Asia/Singapore',
  ZA: 'Africa/Johannesburg',
};

/** The IANA zone of a country that has only one, else null. */
export function zoneOfCountry(country: string | null): string | null {
  return country ? (SINGLE_ZONE_COUNTRIES[country.toUpperCase()] ?? null) : null;
}

/** "2nd", "3rd", "11th", "22nd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}
