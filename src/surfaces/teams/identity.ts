/**
 * Who is acting in Teams: the activity's sender becomes an Actor (`teams:<Entra object id>`, name, e-mail).
 * The e-mail comes from the roster (TeamsInfo.getMember), asked at most once per person per TTL, and is what
 * the directory matches against Zendesk and Aircall agents and against the routing file's managers.
 * Everyone seen is remembered (store.teams) with their Teams id, for refresh lists and personal messages.
 */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import { vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { TeamsRepository } from '../../store/teams.js';

export const ROSTER_TTL_MS = 12 * 60 * 60_000;

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The key a person is stored under (and the local part of their actor id): the Entra id when known. */
export function memberKey(user: { id: string; aadObjectId?: string | null }): string {
  return user.aadObjectId || user.id;
}

/** Was this person's roster entry read within the TTL? (Else Teams is asked again: they may have left.) */
export function rosterFresh(
  member: { rosterCheckedAt: number | null } | null | undefined,
  now: number,
  ttlMs = ROSTER_TTL_MS,
): boolean {
  const checkedAt = member?.rosterCheckedAt ?? null;
  return checkedAt !== null && now - checkedAt < ttlMs;
}

export function teamsActorId(key: string): string {
  return `teams:${key}`;
}

export class TeamsIdentities {
  private readonly inFlight = new Map<string, Promise<Actor>>();

  constructor(
    private readonly deps: { teams: TeamsRepository; clock: Clock; logger: Logger; ttlMs?: number },
  ) {}

  /** The actor behind an activity; remembers the person (and their personal chat, when it is one). */
  actorFor(context: TurnContext): Promise<Actor> {
    const from = context.activity.from;
    const key = memberKey(from);
    // Twenty clicks from one person at once ask the roster once.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const promise = this.load(context, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async load(context: TurnContext, key: string): Promise<Actor> {
    const { teams, clock, logger } = this.deps;
    const activity = context.activity;
    const from = activity.from;
    const now = clock.now();
    const known = await teams.getMember(key);
    const fresh = rosterFresh(known, now, this.deps.ttlMs);
    let name = from.name || known?.name || from.id;
    let email = known?.email ?? null;
    let rosterCheckedAt: number | null = null;
    if (!fresh) {
      try {
        // The SDK's own client for this turn has no timeout: the Teams policy gives it one.
        const member = await vendorPolicies
          .get('teams')
          .request('getMember', () => TeamsInfo.getMember(context, from.id));
        const address = [member.email, member.userPrincipalName].find((a) => a && EMAIL.test(a));
        email = address ? address.toLowerCase() : email;
        name = member.name || name;
        rosterCheckedAt = now;
      } catch (error) {
        logger.warn(
          { err: error, user: key },
          'teams: the roster did not answer; acting with the name from the activity and the e-mail last known',
        );
      }
    }
    const personal = activity.conversation?.conversationType === 'personal' ? activity.conversation.id : null;
    await teams.saveMember(
      {
        userKey: key,
        mri: from.id,
        aadObjectId: from.aadObjectId ?? null,
        name,
        email,
        tenantId: activity.conversation?.tenantId ?? activity.channelData?.tenant?.id ?? null,
        serviceUrl: activity.serviceUrl,
        botId: activity.recipient.id,
        personalConversationId: personal,
        rosterCheckedAt,
      },
      now,
    );
    return { id: teamsActorId(key), name, email, surface: 'teams' };
  }
}
