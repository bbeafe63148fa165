/**
 * Who is who: a person clicking in Slack or Teams is matched by email to an agent in Zendesk or
 * Aircall, and to the managers of the routing file. Lookups are plugged in by the adapters that exist.
 *
 * A click never waits on a vendor. Every answer a system gives is kept in the database
 * (store.agentIdentities) and decided from there:
 * - an answer younger than `freshMs` (10 minutes) is used as it is, without asking;
 * - otherwise the system is asked, with a deadline of `lookupDeadlineMs` (1.5 s); the answer is stored;
 * - when the system fails or misses the deadline (down, slow, rate limited), the last answer it gave is
 *   used even though it is stale, as long as it is younger than `usableMs` (7 days);
 * - a person no system has ever answered for is refused (fail closed) with "could not check that you are
 *   an agent, try again in a minute", and the refusal is logged.
 * A lookup that missed its deadline keeps running and stores its answer when it comes, so the next click
 * of that person is decided at once.
 */
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import type { Actor } from '../domain/types.js';
import type { Logger } from '../observability/logger.js';
import { normalizeEmail } from '../store/agentIdentities.js';
import type { Store } from '../store/store.js';

export interface AgentRecord {
  /** The system's own id (Zendesk user id, Aircall user id). */
  id: string;
  name: string;
  /** Zendesk role (`admin`, `agent`) when known. */
  role?: string;
}

/** One system that knows agents by email (Zendesk, Aircall). Throws when the system cannot be asked now. */
export interface AgentLookup {
  system: string;
  findByEmail(email: string): Promise<AgentRecord | null>;
}

export interface IdentityPolicy {
  /** An answer younger than this is used without asking again. */
  freshMs: number;
  /** An answer younger than this still stands in for a system that cannot be asked. */
  usableMs: number;
  /** How long a click waits for a system that has to be asked. */
  lookupDeadlineMs: number;
}

export const DEFAULT_IDENTITY_POLICY: IdentityPolicy = {
  freshMs: 10 * 60_000,
  usableMs: 7 * 24 * 60 * 60_000,
  lookupDeadlineMs: 1_500,
};

/** A lookup still running after this long (a vendor that never answers) is not joined by later clicks. */
const MAX_JOIN_MS = 30_000;

export interface DirectoryDeps {
  store: Pick<Store, 'agentIdentities'>;
  clock: Clock;
  logger: Logger;
  policy?: Partial<IdentityPolicy>;
}

export const NOT_AGENT_MESSAGE =
  'You are not set up as an agent in the connected help desk or phone system, so Ringback cannot act for you. ' +
  'Ask an admin to add your email there (or to set allowUnmappedUsers in the routing file).';

export const UNVERIFIED_MESSAGE =
  'Ringback could not check that you are an agent (the help desk or phone system did not answer in time), ' +
  'so nothing changed: try again in a minute.';

/** May this person see callers and act on cards; when not, why, in words to show them. */
export type AgentCheck =
  | { ok: true }
  | { ok: false; reason: 'not_agent'; message: string }
  | { ok: false; reason: 'unverified'; message: string };

interface Lookups {
  agents: Map<string, AgentRecord>;
  /** Systems that neither answered in time nor ever answered before. */
  unknown: string[];
}

type Outcome = { ok: true; agent: AgentRecord | null } | { ok: false; why: string };

function withDeadline(work: Promise<AgentRecord | null>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, why: `no answer within ${ms} ms` }), ms);
  });
  const answered = work.then(
    (agent): Outcome => ({ ok: true, agent }),
    (error: unknown): Outcome => ({ ok: false, why: error instanceof Error ? error.message : String(error) }),
  );
  return Promise.race([answered, deadline]).finally(() => clearTimeout(timer));
}

export class AgentDirectory {
  private readonly lookups: AgentLookup[] = [];
  private readonly policy: IdentityPolicy;
  private readonly inFlight = new Map<string, { promise: Promise<AgentRecord | null>; startedAt: number }>();

  constructor(
    private readonly managers: RoutingConfig['managers'],
    private readonly allowUnmapped: boolean,
    private readonly deps: DirectoryDeps,
  ) {
    this.policy = { ...DEFAULT_IDENTITY_POLICY, ...deps.policy };
  }

  addLookup(lookup: AgentLookup): void {
    this.lookups.push(lookup);
  }

  get hasLookups(): boolean {
    return this.lookups.length > 0;
  }

  /** The agent records of this email in every system that knows it (systems that cannot say are left out). */
  async agentsFor(email: string | null): Promise<Map<string, AgentRecord>> {
    if (!email) return new Map();
    return (await this.lookUp(email)).agents;
  }

  /**
   * May this person act on cards and see callers? Yes when a connected system knows them as an agent,
   * when no system is connected to ask, or when the routing file allows any member. Fails closed.
   */
  async mayAct(actor: Actor): Promise<boolean> {
    return (await this.checkAgent(actor)).ok;
  }

  /** mayAct with the reason and the words to tell the person; the one agent check of every surface. */
  async checkAgent(actor: Actor): Promise<AgentCheck> {
    if (this.allowUnmapped || this.lookups.length === 0) return { ok: true };
    if (this.isConfiguredManager(actor)) return { ok: true };
    if (!actor.email) return { ok: false, reason: 'not_agent', message: NOT_AGENT_MESSAGE };
    const found = await this.lookUp(actor.email);
    if (found.agents.size > 0) return { ok: true };
    if (found.unknown.length > 0) {
      this.deps.logger.warn(
        { actor: actor.id, systems: found.unknown },
        `directory: could not check that ${actor.id} is an agent (${found.unknown.join(', ')} did not answer and never did before); refused`,
      );
      return { ok: false, reason: 'unverified', message: UNVERIFIED_MESSAGE };
    }
    return { ok: false, reason: 'not_agent', message: NOT_AGENT_MESSAGE };
  }

  async isManager(actor: Actor): Promise<boolean> {
    if (this.isConfiguredManager(actor)) return true;
    const email = actor.email;
    if (email && this.managers.zendeskRoles.length > 0) {
      const zendesk = (await this.agentsFor(email)).get('zendesk');
      if (zendesk?.role && this.managers.zendeskRoles.includes(zendesk.role)) return true;
    }
    return false;
  }

  /** Managers named in the routing file: known without asking anyone. */
  private isConfiguredManager(actor: Actor): boolean {
    const localId = actor.id.replace(/^[a-z]+:/, '');
    if (actor.surface === 'slack' && this.managers.slack.includes(localId)) return true;
    if (
      actor.surface === 'teams' &&
      this.managers.teams.some((m) => m === localId || m.toLowerCase() === actor.email?.toLowerCase())
    ) {
      return true;
    }
    const email = actor.email?.toLowerCase();
    return email !== undefined && this.managers.emails.some((m) => m.toLowerCase() === email);
  }

  private async lookUp(email: string): Promise<Lookups> {
    const answers = await Promise.all(
      this.lookups.map(async (lookup) => [lookup.system, await this.answerOf(lookup, email)] as const),
    );
    const agents = new Map<string, AgentRecord>();
    const unknown: string[] = [];
    for (const [system, answer] of answers) {
      if (answer === undefined) unknown.push(system);
      else if (answer !== null) agents.set(system, answer);
    }
    return { agents, unknown };
  }

  /** One system's answer for this email: a record, null (no such agent), or undefined (cannot say). */
  private async answerOf(lookup: AgentLookup, email: string): Promise<AgentRecord | null | undefined> {
    const { store, clock, logger } = this.deps;
    const now = clock.now();
    let known: Awaited<ReturnType<typeof store.agentIdentities.get>> = null;
    try {
      known = await store.agentIdentities.get(lookup.system, email);
    } catch (error) {
      logger.warn({ err: error, system: lookup.system }, 'directory: could not read the agent cache');
    }
    if (known && known.freshUntil > now) return known.agent;
    const outcome = await withDeadline(this.ask(lookup, email), this.policy.lookupDeadlineMs);
    if (outcome.ok) return outcome.agent;
    if (known && known.usableUntil > now) {
      logger.warn(
        { system: lookup.system, why: outcome.why, answeredAt: known.checkedAt },
        `directory: ${lookup.system} could not be asked (${outcome.why}); using its last answer, ${Math.round((now - known.checkedAt) / 60_000)} min old`,
      );
      return known.agent;
    }
    logger.warn(
      { system: lookup.system, why: outcome.why },
      `directory: ${lookup.system} could not be asked (${outcome.why}) and has no usable earlier answer`,
    );
    return undefined;
  }

  /** Asks the system once for everyone waiting on this email, and keeps the answer. */
  private ask(lookup: AgentLookup, email: string): Promise<AgentRecord | null> {
    const { store, clock, logger } = this.deps;
    const key = `${lookup.system}:${normalizeEmail(email)}`;
    const startedAt = clock.now();
    const running = this.inFlight.get(key);
    if (running && startedAt - running.startedAt < MAX_JOIN_MS) return running.promise;
    const promise = lookup.findByEmail(email).then(async (agent) => {
      const at = clock.now();
      try {
        await store.agentIdentities.put({
          system: lookup.system,
          email,
          agent,
          checkedAt: at,
          freshUntil: at + this.policy.freshMs,
          usableUntil: at + this.policy.usableMs,
        });
      } catch (error) {
        logger.warn({ err: error, system: lookup.system }, 'directory: could not store an agent answer');
      }
      return agent;
    });
    const entry = { promise, startedAt };
    this.inFlight.set(key, entry);
    // Also marks the promise handled: a lookup that outlives its deadline must not become an unhandled rejection.
    promise
      .finally(() => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      })
      .catch(() => undefined);
    return promise;
  }
}
