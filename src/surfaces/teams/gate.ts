/**
 * Which activities POST /api/messages lets through to the bot, decided from the activity alone before the
 * bot does anything with it:
 * - playground mode (no authentication): only activities whose serviceUrl is on loopback. The bot answers,
 *   and asks the roster, at the serviceUrl; an attacker choosing it would make the bot call any address
 *   (SSRF) and would decide through the roster's answer who they are.
 * - Bot Framework mode: only Teams activities (channelId `msteams`) from the configured tenants
 *   (MicrosoftAppTenantId and the routing file's `teams.tenants`); with none configured, nothing (fail
 *   closed). The JWT is checked after this. A bot registration also answers other channels (Web Chat is on
 *   for every Azure Bot, Direct Line when enabled) whose tokens the SDK accepts, and there the client writes
 *   the sender's ids and tenant itself: anyone with the Web Chat secret could speak as a manager.
 */
import { isIPv4 } from 'node:net';

/** The Bot Framework channel id of Microsoft Teams. */
export const TEAMS_CHANNEL_ID = 'msteams';

export type TeamsGatePolicy = { mode: 'playground' } | { mode: 'bot_framework'; tenants: string[] };

export type GateVerdict =
  | { ok: true }
  | { ok: false; status: 401 | 403; error: string; detail: string; reason: string };

/** The activity fields the gate reads; every other field is the SDK's business. */
export interface GatedActivity {
  serviceUrl: string;
  /** The Bot Framework channel: `msteams` for Teams. */
  channelId?: unknown;
  conversation?: unknown;
  channelData?: unknown;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Is this URL on this machine's loopback (127.0.0.0/8, [::1], localhost)? Read through the WHATWG parser,
 * so the spellings of 127.0.0.1 (127.1, 2130706433, 0x7f.1) count and look-alikes (127.0.0.1.evil.example,
 * localhost.evil.example, 0.0.0.0, user@host tricks) do not.
 */
export function isLoopbackUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** Whether a connection comes from this machine (IPv4 127/8, IPv6 ::1, or IPv4 127/8 mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  return plain === '::1' || (isIPv4(plain) && plain.startsWith('127.'));
}

/** The tenant an activity says it comes from; null when it says none or two different ones. */
export function tenantOf(activity: GatedActivity): string | null {
  const named = [field(field(activity.channelData, 'tenant'), 'id'), field(activity.conversation, 'tenantId')]
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .map((t) => t.trim().toLowerCase());
  const [first] = named;
  if (first === undefined || named.some((t) => t !== first)) return null;
  return first;
}

/** The tenants Bot Framework mode accepts: MicrosoftAppTenantId plus the routing file's list. */
export function acceptedTenants(
  appTenantId: string | undefined,
  routingTenants: readonly string[],
): string[] {
  const all = [appTenantId, ...routingTenants].filter((t): t is string => typeof t === 'string' && t !== '');
  return [...new Set(all.map((t) => t.trim().toLowerCase()))];
}

/**
 * Whether an activity may reach the bot. `from` is the address its connection came from: without a token
 * to check (playground mode), the body's loopback serviceUrl is only a claim, so the connection itself must
 * come from this machine, where the Agents Playground runs.
 */
export function admitActivity(
  policy: TeamsGatePolicy,
  activity: GatedActivity,
  from: string | undefined,
): GateVerdict {
  if (policy.mode === 'playground') {
    if (!isLoopbackAddress(from)) {
      return {
        ok: false,
        status: 403,
        error: 'forbidden',
        detail:
          'without MicrosoftAppId, Ringback accepts Teams activities only from a local Agents Playground (this machine)',
        reason: 'the connection is not from this machine',
      };
    }
    if (isLoopbackUrl(activity.serviceUrl)) return { ok: true };
    return {
      ok: false,
      status: 403,
      error: 'forbidden',
      detail:
        'without MicrosoftAppId, Ringback accepts Teams activities only from a local Agents Playground (a loopback serviceUrl)',
      reason: 'serviceUrl is not on loopback',
    };
  }
  if (activity.channelId !== TEAMS_CHANNEL_ID) {
    return {
      ok: false,
      status: 403,
      error: 'forbidden_channel',
      detail: 'Ringback accepts activities from Microsoft Teams only',
      reason: `the activity comes from the ${String(activity.channelId ?? 'unnamed')} channel, not Teams`,
    };
  }
  if (policy.tenants.length === 0) {
    return {
      ok: false,
      status: 403,
      error: 'tenant_not_configured',
      detail: 'set MicrosoftAppTenantId or teams.tenants in the routing file to accept Teams activities',
      reason: 'no tenant is configured',
    };
  }
  const tenant = tenantOf(activity);
  if (tenant === null || !policy.tenants.includes(tenant)) {
    return {
      ok: false,
      status: 403,
      error: 'forbidden_tenant',
      detail: 'this Microsoft 365 tenant is not one Ringback serves',
      reason: tenant === null ? 'the activity names no tenant' : 'the tenant is not configured',
    };
  }
  return { ok: true };
}
