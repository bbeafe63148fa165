/**
 * Which agents are available now, per phone system (migration 011): written by availability webhooks
 * (Aircall `user.opened` / `user.closed`) and by periodic reads of the users API, read by round robin.
 * An older word never overwrites a newer one, whatever order deliveries arrive in.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface AgentAvailability {
  provider: string;
  userId: string;
  email: string | null;
  name: string;
  /** True available, false not, null unknown. */
  available: boolean | null;
  /** When the phone system said so. */
  changedAt: number;
}

export class AvailabilityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores what the phone system said at `changedAt`, unless something newer is already known. */
  async record(entry: AgentAvailability, now: number): Promise<void> {
    const available = entry.available === null ? null : entry.available ? 1 : 0;
    await this.db
      .insertInto('agent_availability')
      .values({
        provider: entry.provider,
        user_id: entry.userId,
        email: entry.email,
        name: entry.name,
        available,
        changed_at: entry.changedAt,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['provider', 'user_id'])
          .doUpdateSet({
            email: (eb) => eb.fn.coalesce(eb.ref('excluded.email'), eb.ref('agent_availability.email')),
            name: (eb) => eb.ref('excluded.name'),
            available: (eb) => eb.ref('excluded.available'),
            changed_at: (eb) => eb.ref('excluded.changed_at'),
            updated_at: now,
          })
          .where('agent_availability.changed_at', '<=', entry.changedAt),
      )
      .execute();
  }

  /**
   * Deletes up to `limit` agents nothing said anything about since `before` (they left the phone system:
   * its periodic reads refresh everyone it still has); answers how many.
   */
  async purgeNotUpdatedSince(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('agent_availability')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('provider', 'user_id'),
          'in',
          selectFrom('agent_availability')
            .select(['provider', 'user_id'])
            .where('updated_at', '<', before)
            .limit(limit)
            .$asTuple('provider', 'user_id'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(provider: string): Promise<AgentAvailability[]> {
    const rows = await this.db
      .selectFrom('agent_availability')
      .selectAll()
      .where('provider', '=', provider)
      .orderBy('name')
      .orderBy('user_id')
      .execute();
    return rows.map((row) => ({
      provider: row.provider,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      available: row.available === null ? null : row.available === 1,
      changedAt: Number(row.changed_at),
    }));
  }
}
