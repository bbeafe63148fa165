/**
 * The last answer each system (Zendesk, Aircall) gave to "is this e-mail an agent?", kept so a click is
 * decided from what is already known instead of waiting on a vendor. Each answer has two horizons: fresh
 * (used without asking again) and usable (still trusted when the vendor cannot answer). Past the usable
 * horizon a row is worth nothing and purgeExpired deletes it.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What a system knows of an agent (the directory's AgentRecord). */
export interface StoredAgent {
  id: string;
  name: string;
  role?: string;
}

export interface AgentIdentity {
  system: string;
  email: string;
  /** null: the system answered that it has no agent with this e-mail. */
  agent: StoredAgent | null;
  checkedAt: number;
  freshUntil: number;
  usableUntil: number;
}

/** E-mails compare case-insensitively everywhere (Slack, Teams, Zendesk and Aircall disagree on case). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AgentIdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The stored answer, however old (the caller decides whether it is fresh or only usable). */
  async get(system: string, email: string): Promise<AgentIdentity | null> {
    const row = await this.db
      .selectFrom('agent_identities')
      .selectAll()
      .where('system', '=', system)
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    if (!row) return null;
    return {
      system: row.system,
      email: row.email,
      agent: row.agent === null ? null : (JSON.parse(row.agent) as StoredAgent),
      checkedAt: Number(row.checked_at),
      freshUntil: Number(row.fresh_until),
      usableUntil: Number(row.usable_until),
    };
  }

  async put(identity: AgentIdentity): Promise<void> {
    const values = {
      agent: identity.agent === null ? null : JSON.stringify(identity.agent),
      checked_at: identity.checkedAt,
      fresh_until: identity.freshUntil,
      usable_until: identity.usableUntil,
    };
    await this.db
      .insertInto('agent_identities')
      .values({ system: identity.system, email: normalizeEmail(identity.email), ...values })
      .onConflict((oc) =>
        oc
          .columns(['system', 'email'])
          .doUpdateSet(values)
          // Two replicas asking at once: the later answer wins, an older one never overwrites it.
          .where('agent_identities.checked_at', '<=', identity.checkedAt),
      )
      .execute();
  }

  /** Deletes the answers past their usable window; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('agent_identities')
      .where('usable_until', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows ?? 0n);
  }
}
