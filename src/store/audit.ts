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
