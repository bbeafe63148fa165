/**
 * Who a Teams card's "hand to…" control (src/surfaces/teams/reassignCard.ts) offers and who a choice
 * names. The offered people are those Ringback has seen on Teams (anyone who clicked a card, wrote to the
 * bot, or was reached privately, with an e-mail): the fallback for clients without Teams' people picker,
 * which lists the team's members itself. A chosen value becomes a person from the store first, then from
 * the team's roster (the people picker may name someone who never used Ringback), so the directory can
 * check they are an agent by e-mail like any clicker.
 */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Clock } from '../../domain/clock.js';
import type { Actor, Episode } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import { vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { Store } from '../../store/store.js';
import type { TeamsMember, TeamsRepository } from '../../store/teams.js';
import { memberKey, rosterFresh, teamsActorId } from './identity.js';
import {
  CHOOSE_SOMEONE,
  MAX_REASSIGN_CHOICES,
  type ReassignChoice,
  readReassignValue,
  UNKNOWN_PERSON,
  unreadablePerson,
} from './reassignCard.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * People Ringback has seen on Teams who could take the call: with an e-mail (the directory knows agents by
 * e-mail), in the tenants of the channels it posts in, by name; the current holder and anyone the help
 * desk and phone system both said is no agent are left out.
 */
export async function reassignChoicesFor(
  store: Store,
  episode: Episode,
  /** The tenant of the card's channel when known: nobody from another organisation is offered. */
  cardTenant: string | null = null,
): Promise<ReassignChoice[]> {
  if (episode.state !== 'claimed' && episode.state !== 'calling') return [];
  const tenants = cardTenant
    ? [cardTenant]
    : (await store.db.selectFrom('teams_channels').select('tenant_id').distinct().execute()).flatMap((row) =>
        row.tenant_id ? [row.tenant_id] : [],
      );
  let query = store.db
    .selectFrom('teams_members')
    .select(['user_key', 'name', 'email', 'tenant_id'])
    .where('email', 'is not', null)
    .orderBy('name')
    .limit(MAX_REASSIGN_CHOICES + 1);
  if (tenants.length > 0)
    query = query.where((eb) => eb.or([eb('tenant_id', 'in', tenants), eb('tenant_id', 'is', null)]));
  const rows = await query.execute();
  // Someone every help desk or phone system said is no agent would only be refused.
  const emails = rows.flatMap((row) => (row.email ? [row.email] : []));
  const answers =
    emails.length === 0
      ? []
      : await store.db
          .selectFrom('agent_identities')
          .select(['email', 'agent'])
          .where('email', 'in', emails)
          .execute();
  const notAgents = new Set(
    emails.filter((email) => {
      const about = answers.filter((a) => a.email === email);
      return about.length > 0 && about.every((a) => a.agent === null);
    }),
  );
  const holder = episode.claimedBy;
  const holderKey = holder?.surface === 'teams' ? holder.id.replace(/^teams:/, '') : null;
  const holderEmail = holder?.email?.toLowerCase() ?? null;
  return rows
    .filter((row) => row.user_key !== holderKey && (holderEmail === null || row.email !== holderEmail))
    .filter((row) => !(row.email && notAgents.has(row.email)))
    .slice(0, MAX_REASSIGN_CHOICES)
    .map((row) => ({ title: row.name, value: row.user_key }));
}

function actorOf(member: Pick<TeamsMember, 'userKey' | 'name' | 'email'>): Actor {
  return { id: teamsActorId(member.userKey), name: member.name, email: member.email, surface: 'teams' };
}

/**
 * The person behind a submitted value: someone Ringback knows (by key, Teams id or e-mail) with an e-mail,
 * else the team's roster is asked (the people picker may name someone who never used Ringback) and the
 * answer remembered. Null when the team has no such member.
 */
export async function reassignTarget(
  deps: { teams: TeamsRepository; clock: Clock; logger: Logger },
  context: TurnContext,
  value: string,
): Promise<Actor | null> {
  const [known] = await deps.teams.findMembers([value]);
  // Someone Ringback met in another organisation's tenant is not this team's to hand a call to.
  const tenant = context.activity.conversation?.tenantId ?? null;
  const sameTenant = !known?.tenantId || tenant === null || known.tenantId === tenant;
  const usable = known?.email && sameTenant ? known : null;
  if (usable && rosterFresh(usable, deps.clock.now())) return actorOf(usable);
  try {
    const member = await vendorPolicies
      .get('teams')
      .request('getMember', () => TeamsInfo.getMember(context, value));
    const address = [member.email, member.userPrincipalName].find((a) => a && EMAIL.test(a));
    const person = {
      userKey: memberKey({ id: member.id, aadObjectId: member.aadObjectId ?? null }),
      name: member.name || known?.name || value,
      email: address ? address.toLowerCase() : (known?.email ?? null),
    };
    const activity = context.activity;
    await deps.teams.saveMember(
      {
        ...person,
        mri: member.id,
        aadObjectId: member.aadObjectId ?? null,
        tenantId: activity.conversation?.tenantId ?? null,
        serviceUrl: activity.serviceUrl,
        botId: activity.recipient.id,
        rosterCheckedAt: deps.clock.now(),
      },
      deps.clock.now(),
    );
    return actorOf(person);
  } catch (error) {
    if (notInRoster(error)) {
      deps.logger.info(
        { err: error, person: value },
        'teams: the person chosen to take a call is not in the team roster',
      );
      return null;
    }
    // The roster did not answer: someone this team used Ringback with is still the best we know.
    deps.logger.warn(
      { err: error, person: value },
      'teams: the roster did not answer; handing over to the person as last known',
    );
    return usable ? actorOf(usable) : null;
  }
}

/** Teams answered that the conversation has no such member (as opposed to not answering at all). */
function notInRoster(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 404 || status === 400;
}

/** The person a Hand over click names, or what to tell the clicker on their card instead. */
export async function chosenForReassign(
  deps: { teams: TeamsRepository; clock: Clock; logger: Logger },
  context: TurnContext,
  raw: unknown,
): Promise<{ ok: true; person: Actor } | { ok: false; notice: string }> {
  const read = readReassignValue(raw);
  if (!read.ok) {
    deps.logger.info({ issue: read.issue }, `teams: a Hand over names no readable person: ${read.issue}`);
    return { ok: false, notice: unreadablePerson(read.issue) };
  }
  const value = read.value;
  if (!value) return { ok: false, notice: CHOOSE_SOMEONE };
  const person = await reassignTarget(deps, context, value);
  return person ? { ok: true, person } : { ok: false, notice: UNKNOWN_PERSON };
}
