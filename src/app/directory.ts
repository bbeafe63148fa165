/**
 * Who is who: a person clicking in Slack or Teams is matched by email to an agent in Zendesk or
 * Aircall, and to the managers of the routing file. Lookups are plugged in by the adapters that exist.
 */
import type { RoutingConfig } from '../config/routing.js';
import type { Actor } from '../domain/types.js';

export interface AgentRecord {
  /** The system's own id (Zendesk user id, Aircall user id). */
  id: string;
  name: string;
  /** Zendesk role (`admin`, `agent`) when known. */
  role?: string;
}

/** One system that knows agents by email (Zendesk, Aircall). */
export interface AgentLookup {
  system: string;
  findByEmail(email: string): Promise<AgentRecord | null>;
}

export class AgentDirectory {
  private readonly lookups: AgentLookup[] = [];

  constructor(
    private readonly managers: RoutingConfig['managers'],
    private readonly allowUnmapped: boolean,
  ) {}

  addLookup(lookup: AgentLookup): void {
    this.lookups.push(lookup);
  }

  get hasLookups(): boolean {
    return this.lookups.length > 0;
  }

  /** The agent records of this email in every system that knows it. */
  async agentsFor(email: string | null): Promise<Map<string, AgentRecord>> {
    const found = new Map<string, AgentRecord>();
    if (!email) return found;
    const results = await Promise.all(
      this.lookups.map(async (lookup) => [lookup.system, await lookup.findByEmail(email)] as const),
    );
    for (const [system, record] of results) if (record) found.set(system, record);
    return found;
  }

  /**
   * May this person act on cards? Yes when a connected system knows them as an agent, when no system
   * is connected to ask, or when the routing file allows any member.
   */
  async mayAct(actor: Actor): Promise<boolean> {
    if (this.allowUnmapped || this.lookups.length === 0) return true;
    if (await this.isManager(actor)) return true;
    return (await this.agentsFor(actor.email)).size > 0;
  }

  async isManager(actor: Actor): Promise<boolean> {
    const localId = actor.id.replace(/^[a-z]+:/, '');
    if (actor.surface === 'slack' && this.managers.slack.includes(localId)) return true;
    if (
      actor.surface === 'teams' &&
      this.managers.teams.some((m) => m === localId || m.toLowerCase() === actor.email?.toLowerCase())
    ) {
      return true;
    }
    const email = actor.email?.toLowerCase();
    if (email && this.managers.emails.some((m) => m.toLowerCase() === email)) return true;
    if (email && this.managers.zendeskRoles.length > 0) {
      const zendesk = (await this.agentsFor(email)).get('zendesk');
      if (zendesk?.role && this.managers.zendeskRoles.includes(zendesk.role)) return true;
    }
    return false;
  }
}
