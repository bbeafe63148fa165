/**
 * Zendesk users as Ringback needs them: agents by email (who a Slack/Teams clicker is in Zendesk, with
 * their role for `managers.zendeskRoles`) and users by id (names of agents a call rang). Both cached in
 * the identities table with a TTL, so a busy card does not cost an API request per click.
 */
import type { AgentLookup, AgentRecord } from '../app/directory.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import type { ZendeskClient } from './client.js';
import { KEYS } from './keys.js';

const AGENT_ROLES = new Set(['agent', 'admin']);

export interface ZendeskUserInfo {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  role: string;
}

export class ZendeskAgents {
  constructor(
    private readonly deps: { store: Store; clock: Clock; client: ZendeskClient; logger: Logger },
    private readonly ttlMs = 60 * 60_000,
    /** An email that is no agent is asked again sooner: someone may be added to Zendesk meanwhile. */
    private readonly missTtlMs = 10 * 60_000,
  ) {}

  /** The Zendesk agent (or admin) with this email, or null. Throws when Zendesk cannot be asked now. */
  async byEmail(email: string): Promise<AgentRecord | null> {
    const { store, clock, client } = this.deps;
    const key = KEYS.agentByEmail(email);
    const cached = await store.identities.get<{ agent: AgentRecord | null }>(key, clock.now());
    if (cached) return cached.agent;
    const wanted = email.trim().toLowerCase();
    const users = await client.searchUsers(wanted);
    const user = users.find((u) => u.active && u.email?.toLowerCase() === wanted && AGENT_ROLES.has(u.role));
    const agent: AgentRecord | null = user ? { id: String(user.id), name: user.name, role: user.role } : null;
    await store.identities.put(key, { agent }, clock.now() + (agent ? this.ttlMs : this.missTtlMs));
    return agent;
  }

  /** A user by id (agent names for "rang Ana, Ben"; callers' phones), or null when Zendesk has none. */
  async user(userId: number): Promise<ZendeskUserInfo | null> {
    const { store, clock, client } = this.deps;
    const key = KEYS.user(userId);
    const cached = await store.identities.get<{ user: ZendeskUserInfo | null }>(key, clock.now());
    if (cached) return cached.user;
    let info: ZendeskUserInfo | null;
    try {
      const user = await client.showUser(userId);
      info = { id: user.id, name: user.name, email: user.email, phone: user.phone, role: user.role };
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) throw error;
      info = null;
    }
    await store.identities.put(key, { user: info }, clock.now() + this.ttlMs);
    return info;
  }

  /**
   * The AgentLookup the directory asks. A Zendesk outage is thrown, never read as "not an agent": the
   * directory then falls back on its last known answer (src/app/directory.ts).
   */
  lookup(): AgentLookup {
    return {
      system: 'zendesk',
      findByEmail: async (email) => {
        try {
          return await this.byEmail(email);
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'zendesk: could not look up an agent by email');
          throw error;
        }
      },
    };
  }
}
