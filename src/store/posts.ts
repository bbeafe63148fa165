/** Where each episode's card was posted on each surface, so later changes update the same message. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Post {
  episodeId: string;
  surface: string;
  channel: string;
  ref: string;
  threadRef: string | null;
  /** Digest of what the copy shows (chat/cardDigest.ts); null when the surface cannot tell. */
  shownDigest: string | null;
}

export class PostRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(
    post: Omit<Post, 'shownDigest'> & { shownDigest?: string | null },
    now: number,
  ): Promise<void> {
    const shownDigest = post.shownDigest ?? null;
    await this.db
      .insertInto('posts')
      .values({
        episode_id: post.episodeId,
        surface: post.surface,
        channel: post.channel,
        ref: post.ref,
        thread_ref: post.threadRef,
        shown_digest: shownDigest,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['episode_id', 'surface', 'channel']).doUpdateSet({
          ref: post.ref,
          thread_ref: post.threadRef,
          shown_digest: shownDigest,
          updated_at: now,
        }),
      )
      .execute();
  }

  /** What a copy shows after an update (null: unknown, so the next update is sent whatever it renders). */
  async setShown(post: Post, shownDigest: string | null, now: number): Promise<void> {
    await this.db
      .updateTable('posts')
      .set({ shown_digest: shownDigest, updated_at: now })
      .where('episode_id', '=', post.episodeId)
      .where('surface', '=', post.surface)
      .where('channel', '=', post.channel)
      .where('ref', '=', post.ref)
      .execute();
  }

  async get(episodeId: string, surface: string, channel: string): Promise<Post | null> {
    const row = await this.db
      .selectFrom('posts')
      .selectAll()
      .where('episode_id', '=', episodeId)
      .where('surface', '=', surface)
      .where('channel', '=', channel)
      .executeTakeFirst();
    return row ? toPost(row) : null;
  }

  async listForEpisode(episodeId: string): Promise<Post[]> {
    const rows = await this.db
      .selectFrom('posts')
      .selectAll()
      .where('episode_id', '=', episodeId)
      .orderBy('created_at')
      .execute();
    return rows.map(toPost);
  }

  async listForEpisodes(episodeIds: string[]): Promise<Post[]> {
    if (episodeIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('posts')
      .selectAll()
      .where('episode_id', 'in', episodeIds)
      .execute();
    return rows.map(toPost);
  }

  /** The post whose message (or thread) has this ref on a surface, e.g. a Slack thread_ts. */
  async findByRef(surface: string, channel: string, ref: string): Promise<Post | null> {
    const row = await this.db
      .selectFrom('posts')
      .selectAll()
      .where('surface', '=', surface)
      .where('channel', '=', channel)
      .where((eb) => eb.or([eb('ref', '=', ref), eb('thread_ref', '=', ref)]))
      .executeTakeFirst();
    return row ? toPost(row) : null;
  }
}

function toPost(row: {
  episode_id: string;
  surface: string;
  channel: string;
  ref: string;
  thread_ref: string | null;
  shown_digest: string | null;
}): Post {
  return {
    episodeId: row.episode_id,
    surface: row.surface,
    channel: row.channel,
    ref: row.ref,
    threadRef: row.thread_ref,
    shownDigest: row.shown_digest,
  };
}
