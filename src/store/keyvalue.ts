/** Small keyed tables: provider cursors, the identity cache, inbound delivery dedupe and leases. */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export class CursorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('cursors')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.value ?? null;
  }

  async set(name: string, value: string, now: number): Promise<void> {
    await this.db
      .insertInto('cursors')
      .values({ name, value, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  /** Deletes up to `limit` rows whose name starts with `prefix`, written before `before`; answers how many. */
  async purgeNamedOlderThan(prefix: string, before: number, limit: number): Promise<number> {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const result = await this.db
      .deleteFrom('cursors')
      .where('name', 'in', (eb) =>
        eb
          .selectFrom('cursors')
          .select('name')
          .where(sql<boolean>`name like ${pattern} escape '\\'`)
          .where('updated_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** Cache of "who is this person elsewhere" (Slack user → email → Zendesk/Aircall ids), with a TTL. */
export class IdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get<T>(key: string, now: number): Promise<T | null> {
    const row = await this.db
      .selectFrom('identities')
      .select('data')
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row ? (JSON.parse(row.data) as T) : null;
  }

  async put(key: string, data: unknown, expiresAt: number): Promise<void> {
    const text = JSON.stringify(data);
    await this.db
      .insertInto('identities')
      .values({ key, data: text, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doUpdateSet({ data: text, expires_at: expiresAt }))
      .execute();
  }

  /** Deletes up to `limit` expired entries; answers how many. */
  async purgeExpired(now: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('identities')
      .where('key', 'in', (eb) =>
        eb.selectFrom('identities').select('key').where('expires_at', '<=', now).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** Remembers inbound deliveries so a redelivered webhook is recognised. */
export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** True the first time a key is seen, false for every repeat. */
  async recordOnce(provider: string, key: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('deliveries')
      .values({ key: `${provider}:${key}`, provider, received_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Forgets up to `limit` deliveries recorded before `before`; answers how many. */
  async purgeOlderThan(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('deliveries')
      .where('key', 'in', (eb) =>
        eb.selectFrom('deliveries').select('key').where('received_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** Named leases: singleton work (the Zendesk Talk poller, schedules) runs on one replica at a time. */
export class LeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes or renews the lease; true when this holder has it until `now + ttlMs`. */
  async acquire(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const expiresAt = now + ttlMs;
    await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)])),
      )
      .execute();
    const row = await this.db
      .selectFrom('leases')
      .select('holder')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.holder === holder;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /**
   * Deletes leases that ran out before `before`: a holder killed while holding one never releases it, and
   * the per-episode leases (one ticket per episode) would otherwise stay a row each.
   */
  async purgeExpired(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('leases')
      .where('name', 'in', (eb) =>
        eb.selectFrom('leases').select('name').where('expires_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
