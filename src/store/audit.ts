/** The append-only audit of every transition: who did what, from where, when. */
import type { Kysely } from 'kysely';
import type { Actor, Surface } from '../domain/types.js';
import type { Database } from './schema.js';

export interface AuditEntry {
  id: number;
  episodeId: string;
  type: string;
  actor: Actor | null;
  surface: Surface;
  at: number;
  data: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/**
 * The audit fields that hold caller data, by event type: a number to call back on, the caller's name, and a
 * priority rule's reason (it can name the caller's organization or tags). The retention erases them with the episode.
 */
export const CALLER_DATA_IN_AUDIT: Readonly<Record<string, readonly string[]>> = {
  callback_request_noted: ['number'],
  callback_number_set: ['number'],
  caller_named: ['name'],
  priority_set: ['because'],
};

/** An entry's data with its caller data set to null, or null when it holds none. */
export function auditDataWithoutCallerData(
  type: string,
  data: Record<string, unknown>,
): Record<string, unknown> | null {
  const fields = CALLER_DATA_IN_AUDIT[type] ?? [];
  if (!fields.some((field) => data[field] !== null && data[field] !== undefined)) return null;
  return { ...data, ...Object.fromEntries(fields.map((field) => [field, null])) };
}

/** Erases the caller data of these episodes' audit entries; answers how many entries changed. */
// biome-ignore lint/suspicious/noExplicitAny: also run by a migration, against the untyped schema
export async function eraseAuditCallerData(db: Kysely<any>, episodeIds: readonly string[]): Promise<number> {
  if (episodeIds.length === 0) return 0;
  const rows: { id: number | string; type: string; data: string }[] = await db
    .selectFrom('audit')
    .select(['id', 'type', 'data'])
    .where('episode_id', 'in', episodeIds)
    .where('type', 'in', Object.keys(CALLER_DATA_IN_AUDIT))
    .execute();
  let changed = 0;
  for (const row of rows) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(row.data) as Record<string, unknown>;
    } catch {
      data = {};
    }
    const erased = auditDataWithoutCallerData(row.type, data);
    if (!erased) continue;
    await db
      .updateTable('audit')
      .set({ data: JSON.stringify(erased) })
      .where('id', '=', row.id)
      .execute();
    changed += 1;
  }
  return changed;
}

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('audit')
      .values(
        entries.map((e) => ({
          episode_id: e.episodeId,
          type: e.type,
          actor: e.actor ? JSON.stringify(e.actor) : null,
          surface: e.surface,
          at: e.at,
          data: JSON.stringify(e.data),
        })),
      )
      .execute();
  }

  /** Whether this episode's audit holds an entry of this type (one index probe). */
  async hasEntry(episodeId: string, type: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('audit')
      .select('id')
      .where('episode_id', '=', episodeId)
      .where('type', '=', type)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async listForEpisode(episodeId: string): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit')
      .selectAll()
      .where('episode_id', '=', episodeId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      episodeId: row.episode_id,
      type: row.type,
      actor: row.actor ? (JSON.parse(row.actor) as Actor) : null,
      surface: row.surface as Surface,
      at: Number(row.at),
      data: JSON.parse(row.data) as Record<string, unknown>,
    }));
  }
}
