/**
 * Who clicked: a Slack user id becomes an Actor (`slack:U…`, name, email). The email comes from users.info
 * (scope users:read.email) and is cached in the store's identity table, so a busy card costs one lookup
 * per person per TTL, shared by every replica.
 */
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';

interface CachedUser {
  name: string;
  email: string | null;
  /** Absent in entries cached before it was kept: read as a person. */
  isBot?: boolean;
  deleted?: boolean;
}

/** Why a Slack account cannot be handed a call, or null when it can (or Slack could not say). */
export type UnfitHolder = 'bot' | 'deactivated' | null;

export const IDENTITY_TTL_MS = 6 * 60 * 60_000;

export function slackActorId(userId: string): string {
  return `slack:${userId}`;
}

/** The Slack user id of an actor whose id is `slack:U…`, else null. */
export function slackUserIdOf(actor: Actor): string | null {
  const match = /^slack:([UW][A-Z0-9]+)$/.exec(actor.id);
  return match?.[1] ?? null;
}

export class SlackIdentities {
  private readonly inFlight = new Map<string, Promise<CachedUser | null>>();

  constructor(
    private readonly deps: { api: SlackApi; store: Store; clock: Clock; logger: Logger; ttlMs?: number },
  ) {}

  /** The actor for a Slack user; `fallbackName` (from the payload) is used when Slack cannot be asked. */
  async actorFor(userId: string, fallbackName?: string | null): Promise<Actor> {
    const user = await this.lookup(userId);
    return {
      id: slackActorId(userId),
      name: user?.name ?? fallbackName ?? userId,
      email: user?.email ?? null,
      surface: 'slack',
    };
  }

  /** A bot or a deactivated account reads no reminders: a call handed to it would go quiet. */
  async unfitToHold(userId: string): Promise<UnfitHolder> {
    const user = await this.lookup(userId);
    if (user?.deleted) return 'deactivated';
    if (user?.isBot) return 'bot';
    return null;
  }

  private lookup(userId: string): Promise<CachedUser | null> {
    // Twenty clicks from one person at once ask Slack once.
    const pending = this.inFlight.get(userId);
    if (pending) return pending;
    const promise = this.load(userId).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, promise);
    return promise;
  }

  private async load(userId: string): Promise<CachedUser | null> {
    const { store, clock, api, logger } = this.deps;
    const key = `slack:user:${userId}`;
    const now = clock.now();
    try {
      const cached = await store.identities.get<CachedUser>(key, now);
      if (cached) return cached;
    } catch (error) {
      logger.warn({ err: error }, 'slack: could not read the identity cache');
    }
    try {
      const user = await api.userInfo(userId);
      const entry: CachedUser = {
        name: user.name,
        email: user.email,
        isBot: user.isBot,
        deleted: user.deleted,
      };
      await store.identities.put(key, entry, now + (this.deps.ttlMs ?? IDENTITY_TTL_MS));
      return entry;
    } catch (error) {
      logger.warn(
        { err: error, user: userId },
        'slack: users.info failed; acting with the name from the request and no email',
      );
      return null;
    }
  }
}
