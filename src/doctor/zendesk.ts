/**
 * Zendesk: the API token works, its user may update tickets and create side conversations, the webhook
 * secret is set when triggers will call Ringback, and Talk exports answer when a line is a Talk number.
 * Read-only requests.
 */
import { systemClock } from '../domain/clock.js';
import { createZendeskClient, type ZendeskClient, zendeskBaseUrl } from '../zendesk/client.js';
import { ZendeskApiError } from '../zendesk/errors.js';
import type { DoctorContext } from './context.js';
import { type Check, fail, GUIDE, ok, reason, skip, warn, withTimeout } from './types.js';

const AREA = 'zendesk';
const AGENT_ROLES = new Set(['agent', 'admin']);

function configured(context: DoctorContext): string[] {
  const { env } = context;
  const missing: string[] = [];
  if (!env.ZENDESK_URL && !env.ZENDESK_SUBDOMAIN) missing.push('ZENDESK_SUBDOMAIN');
  if (!env.ZENDESK_EMAIL) missing.push('ZENDESK_EMAIL');
  if (!env.ZENDESK_API_TOKEN) missing.push('ZENDESK_API_TOKEN');
  return missing;
}

function status(error: unknown): number | null {
  return error instanceof ZendeskApiError ? error.status : null;
}

async function talkCheck(client: ZendeskClient, context: DoctorContext): Promise<Check | null> {
  const talkLines = context.routing.lines.filter(
    (line) => line.match !== '*' && line.match.zendeskPhoneNumberId !== undefined,
  );
  if (talkLines.length === 0) return null;
  const name = 'talk';
  try {
    const numbers = await withTimeout(client.talkPhoneNumbers(), context.timeoutMs, 'zendesk talk numbers');
    // A short look back: the poller needs the same export, read access is all that is checked.
    await withTimeout(
      client.talkExport('calls', { startTime: Math.floor(Date.now() / 1000) - 60 }),
      context.timeoutMs,
      'zendesk talk export',
    );
    const known = new Set(numbers.map((n) => String(n.id)));
    const unknown = talkLines.filter(
      (line) => line.match !== '*' && !known.has(String(line.match.zendeskPhoneNumberId)),
    );
    if (unknown.length > 0)
      return fail(
        AREA,
        name,
        `no Talk number with id ${unknown.map((l) => (l.match === '*' ? '' : String(l.match.zendeskPhoneNumberId))).join(', ')} (lines ${unknown.map((l) => `"${l.name}"`).join(', ')})`,
        `fix lines[].match.zendeskPhoneNumberId in ${context.env.RINGBACK_CONFIG}: the ids are under Admin Center > Channels > Talk and email > Talk > Numbers`,
        GUIDE.zendeskTalk,
      );
    return ok(AREA, name, `Talk exports answer; ${talkLines.length} line(s) match a Talk number`);
  } catch (error) {
    const code = status(error);
    return fail(
      AREA,
      name,
      `Talk export refused: ${code === 403 ? '403 (the token user is not an admin, or Talk is not on this account)' : reason(error)}`,
      'Talk incremental exports need an admin: make ZENDESK_EMAIL an admin (Admin Center > People > Team members) or remove zendeskPhoneNumberId lines',
      GUIDE.zendeskTalk,
    );
  }
}

export async function zendeskChecks(context: DoctorContext): Promise<Check[]> {
  const { env, routing } = context;
  const missing = configured(context);
  const baseUrl = zendeskBaseUrl(env);
  if (missing.length > 0) {
    if (missing.length === 3 && !env.ZENDESK_WEBHOOK_SECRET)
      return [
        skip(
          AREA,
          'credentials',
          'not configured: ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN are unset',
          GUIDE.zendeskToken,
        ),
      ];
    return [
      fail(
        AREA,
        'credentials',
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} unset, so Zendesk stays off`,
        `set ${missing.join(', ')} (Admin Center > Apps and integrations > APIs > Zendesk API > Add API token)`,
        GUIDE.zendeskToken,
      ),
    ];
  }
  if (!baseUrl || !env.ZENDESK_EMAIL || !env.ZENDESK_API_TOKEN) return [];

  const client = createZendeskClient({
    baseUrl,
    email: env.ZENDESK_EMAIL,
    token: env.ZENDESK_API_TOKEN,
    clock: systemClock,
    logger: context.logger,
    requestsPerMinute: 60,
  });
  const checks: Check[] = [];
  let role: string;
  try {
    const me = await withTimeout(client.currentUser(), context.timeoutMs, 'zendesk users/me');
    role = me.role;
    // Zendesk answers a wrong password with the anonymous user (no id, no email) rather than a 401.
    if (!me.id || !me.email) throw new ZendeskApiError(401, 'GET', '/api/v2/users/me', null);
    checks.push(ok(AREA, 'credentials', `ZENDESK_API_TOKEN works for ${baseUrl} (role ${role})`));
  } catch (error) {
    const code = status(error);
    checks.push(
      code === 401
        ? fail(
            AREA,
            'credentials',
            `401 from ${baseUrl}/api/v2/users/me: ZENDESK_API_TOKEN (with ZENDESK_EMAIL) is not accepted`,
            'create a token in Admin Center > Apps and integrations > APIs > Zendesk API (token access enabled) and set ZENDESK_API_TOKEN; ZENDESK_EMAIL must be the e-mail of an agent or admin',
            GUIDE.zendeskToken,
          )
        : fail(
            AREA,
            'credentials',
            `users/me failed: ${reason(error)}`,
            `check ZENDESK_SUBDOMAIN${env.ZENDESK_URL ? ' / ZENDESK_URL' : ''} (${baseUrl}) and that Zendesk is reachable from here`,
            GUIDE.zendeskToken,
          ),
    );
    return checks;
  }

  const roleFix =
    'give ZENDESK_EMAIL an agent or admin role (Admin Center > People > Team members), or use another agent’s token';
  if (!AGENT_ROLES.has(role)) {
    checks.push(
      fail(
        AREA,
        'permissions',
        `the token’s user is a ${role}: it cannot update tickets`,
        roleFix,
        GUIDE.zendeskToken,
      ),
    );
  } else {
    checks.push(ok(AREA, 'tickets', `the token’s user (${role}) can update tickets`));
    if (routing.zendesk.sideConversation) {
      checks.push(
        role === 'admin'
          ? ok(
              AREA,
              'side conversations',
              'an admin can create side conversations (they need the Collaboration add-on)',
            )
          : warn(
              AREA,
              'side conversations',
              'an agent creates side conversations only if the role allows it',
              'check Admin Center > People > Roles: "Create side conversations" for this agent’s role, and that side conversations are on (Admin Center > Objects and rules > Tickets > Side conversations)',
              GUIDE.zendeskRouting,
            ),
      );
    }
  }

  // Triggers call Ringback for side-conversation replies and for Talk's voice tickets.
  const triggersExpected =
    routing.zendesk.sideConversation !== undefined ||
    routing.lines.some((line) => line.match !== '*' && line.match.zendeskPhoneNumberId !== undefined);
  checks.push(
    !triggersExpected && !env.ZENDESK_WEBHOOK_SECRET
      ? skip(
          AREA,
          'webhook secret',
          'no trigger expected (no side conversations, no Talk line)',
          GUIDE.zendeskWebhook,
        )
      : env.ZENDESK_WEBHOOK_SECRET
        ? ok(
            AREA,
            'webhook secret',
            'ZENDESK_WEBHOOK_SECRET is set: POST /webhooks/zendesk verifies signatures',
          )
        : warn(
            AREA,
            'webhook secret',
            'ZENDESK_WEBHOOK_SECRET is unset: voice-ticket and side-conversation-reply triggers are refused',
            'create the webhook (Admin Center > Apps and integrations > Webhooks), reveal its signing secret and set ZENDESK_WEBHOOK_SECRET',
            GUIDE.zendeskWebhook,
          ),
  );
  const talk = await talkCheck(client, context);
  if (talk) checks.push(talk);
  return checks;
}
