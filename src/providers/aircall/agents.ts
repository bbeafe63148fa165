/**
 * Aircall users by email, so a person clicking in Slack or Teams is matched to their Aircall Phone (dial)
 * and counts as an agent. One listing fills the cache for everybody; misses are remembered for a while too.
 */
import type { AgentLookup, AgentRecord } from '../../app/directory.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import type { AircallClient } from './client.js';

const FOUND_TTL_MS = 60 * 60_000;
const MISSING_TTL_MS = 15 * 60_000;

type Cached = { user: AgentRecord | null };

const cacheKey = (email: string) => `aircall:user:${email.trim().toLowerCase()}`;

export class AircallUsers {
  private listing: Promise<void> | null = null;

  constructor(private readonly deps: { store: Store; clock: Clock; client: AircallClient }) {}

  /** The Aircall user with this email, or null; throws what the client throws (RetryAfter in jobs). */
  async byEmail(email: string): Promise<AgentRecord | null> {
    const { store, clock } = this.deps;
    const cached = await store.identities.get<Cached>(cacheKey(email), clock.now());
    if (cached) return cached.user;
    this.listing ??= this.refresh().finally(() => {
      this.listing = null;
    });
    await this.listing;
    const filled = await store.identities.get<Cached>(cacheKey(email), clock.now());
    if (filled) return filled.user;
    await store.identities.put(
      cacheKey(email),
      { user: null } satisfies Cached,
      clock.now() + MISSING_TTL_MS,
    );
    return null;
  }

  private async refresh(): Promise<void> {
    const { store, clock, client } = this.deps;
    const users = await client.listUsers();
    const expiresAt = clock.now() + FOUND_TTL_MS;
    for (const user of users) {
      await store.identities.put(
        cacheKey(user.email),
        { user: { id: user.id, name: user.name } } satisfies Cached,
        expiresAt,
      );
    }
  }
}

/**
 * The directory's view. An unreachable Aircall is thrown, never read as "nobody": the directory then falls
 * back on its last known answer (src/app/directory.ts).
 */
export function aircallAgentLookup(users: AircallUsers, logger: Logger): AgentLookup {
  return {
    system: 'aircall',
    async findByEmail(email) {
      try {
        return await users.byEmail(email);
      } catch (error) {
        logger.warn({ err: error }, 'aircall: could not look up a user by email');
        throw error;
      }
    },
  };
}
