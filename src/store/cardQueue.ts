/**
 * Cards queued for a channel and not posted yet (migration 009). A row is written with the jobs of the
 * change that calls for the card (same transaction), read by the channel's lane and by thread lines
 * waiting for their card, removed when the card is posted, and kept as failed when the surface refused it.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { NewJob } from './jobs.js';
import type { CardQueueTable, Database } from './schema.js';

export interface CardSpot {
  episodeId: string;
  surface: string;
  channel: string;
}

/** A job that also records its card as queued, in the transaction that enqueues it. */
export type CardQueueingJob = NewJob & { queuesCard: CardSpot };

export function queuesCard(job: NewJob): job is CardQueueingJob {
  return (job as Partial<CardQueueingJob>).queuesCard !== undefined;
}

/** How the failure of a card refused because of its channel begins (no column of its own: no migration). */
export const CHANNEL_REFUSED = 'channel refused: ';

export interface QueuedCard {
  episodeId: string;
  queuedAt: number;
}

export interface CardQueueState {
  queuedAt: number;
  failedAt: number | null;
  failure: string | null;
  /**
   * When the surface was last asked to post the card (markAttempt); present: an earlier attempt may have
   * posted it (a process killed before storing the post). Absent: never attempted.
   */
  attemptedAt?: number;
}

/**
 * The card of the `card_queue as q` row has its post stored: it is no longer waiting, whatever the row says.
 * One condition for every reader of the queue (the lane, the channels to wake, a storm's calls, the purge).
 */
export function cardPosted(eb: ExpressionBuilder<Database & { q: CardQueueTable }, 'q'>) {
  return eb.exists(
    eb
      .selectFrom('posts as p')
      .select('p.episode_id')
      .whereRef('p.episode_id', '=', 'q.episode_id')
      .whereRef('p.surface', '=', 'q.surface')
      .whereRef('p.channel', '=', 'q.channel'),
  );
}

export class CardQueueRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records cards as queued; a card already queued (or failed) keeps its row and its place, and a card
   * already posted there is not queued again (a call set to high again asks for its rule channel's card
   * again): nothing would ever post or remove that row.
   */
  async queue(spots: CardSpot[], now: number): Promise<void> {
    for (const spot of spots) {
      // One statement (this runs in every ingest that opens a call): the row, unless its post is stored.
      await this.db
        .insertInto('card_queue')
        .columns(['episode_id', 'surface', 'channel', 'queued_at'])
        .expression(
          this.db
            .selectNoFrom((eb) => [
              eb.val(spot.episodeId).as('episode_id'),
              eb.val(spot.surface).as('surface'),
              eb.val(spot.channel).as('channel'),
              eb.val(now).as('queued_at'),
            ])
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('posts')
                    .select('episode_id')
                    .where('episode_id', '=', spot.episodeId)
                    .where('surface', '=', spot.surface)
                    .where('channel', '=', spot.channel),
                ),
              ),
            ),
        )
        .onConflict((oc) => oc.columns(['episode_id', 'surface', 'channel']).doNothing())
        .execute();
    }
  }

  /** Cards queued for a channel, not posted and not failed, oldest first. */
  async waiting(surface: string, channel: string): Promise<QueuedCard[]> {
    const rows = await this.db
      .selectFrom('card_queue as q')
      .select(['q.episode_id', 'q.queued_at'])
      .where('q.surface', '=', surface)
      .where('q.channel', '=', channel)
      .where('q.failed_at', 'is', null)
      .where((eb) => eb.not(cardPosted(eb)))
      .orderBy('q.queued_at')
      .orderBy('q.id')
      .execute();
    return rows.map((row) => ({ episodeId: row.episode_id, queuedAt: Number(row.queued_at) }));
  }

  async get(spot: CardSpot): Promise<CardQueueState | null> {
    const row = await this.db
      .selectFrom('card_queue')
      .select(['queued_at', 'failed_at', 'failure', 'attempted_at'])
      .where('episode_id', '=', spot.episodeId)
      .where('surface', '=', spot.surface)
      .where('channel', '=', spot.channel)
      .executeTakeFirst();
    if (!row) return null;
    return {
      queuedAt: Number(row.queued_at),
      failedAt: row.failed_at === null ? null : Number(row.failed_at),
      failure: row.failure,
      ...(row.attempted_at === null ? {} : { attemptedAt: Number(row.attempted_at) }),
    };
  }

  /**
   * The surface is about to be asked to post the card: written (and committed) before the call, so a
   * process killed after the vendor posted it leaves a trace the next delivery looks for.
   */
  async markAttempt(spot: CardSpot, now: number): Promise<void> {
    await this.db
      .updateTable('card_queue')
      .set({ attempted_at: now })
      .where('episode_id', '=', spot.episodeId)
      .where('surface', '=', spot.surface)
      .where('channel', '=', spot.channel)
      .execute();
  }

  /** The card is posted: `posts` says where from now on. */
  async remove(spot: CardSpot): Promise<void> {
    await this.db
      .deleteFrom('card_queue')
      .where('episode_id', '=', spot.episodeId)
      .where('surface', '=', spot.surface)
      .where('channel', '=', spot.channel)
      .execute();
  }

  /**
   * The surface refused the card for good: its lane skips it and its thread lines stop waiting. A refusal
   * of the whole channel is marked as such (CHANNEL_REFUSED), so the card can be queued again once the
   * channel takes posts (requeueChannelRefused).
   */
  async fail(
    spot: CardSpot,
    failure: string,
    now: number,
    how: { channelWide?: boolean } = {},
  ): Promise<void> {
    const words = how.channelWide ? `${CHANNEL_REFUSED}${failure}` : failure;
    await this.db
      .updateTable('card_queue')
      .set({ failed_at: now, failure: words.slice(0, 1000) })
      .where('episode_id', '=', spot.episodeId)
      .where('surface', '=', spot.surface)
      .where('channel', '=', spot.channel)
      .execute();
  }

  /**
   * The channel takes posts again: its cards refused because of the channel (not of the card) whose calls
   * are not resolved are waiting again, as if never attempted (nothing was posted). Answers their episodes.
   */
  async requeueChannelRefused(surface: string, channel: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('card_queue')
      .set({ failed_at: null, failure: null, attempted_at: null })
      .where('surface', '=', surface)
      .where('channel', '=', channel)
      .where('failed_at', 'is not', null)
      .where('failure', 'like', `${CHANNEL_REFUSED}%`)
      .where('episode_id', 'in', (eb) =>
        eb.selectFrom('episodes').select('episodes.id').where('episodes.state', '<>', 'resolved'),
      )
      .returning('episode_id')
      .execute();
    return rows.map((row) => row.episode_id);
  }

  /** Channels of a surface with cards refused because of the channel (see requeueChannelRefused). */
  async channelsRefused(surface: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('card_queue')
      .select('channel')
      .distinct()
      .where('surface', '=', surface)
      .where('failed_at', 'is not', null)
      .where('failure', 'like', `${CHANNEL_REFUSED}%`)
      .execute();
    return rows.map((row) => row.channel);
  }

  /**
   * Deletes up to `limit` cards the surface refused for good before `before`: kept that long so someone can
   * see why a card is missing, then gone like dead jobs. Answers how many.
   */
  async purgeFailed(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('card_queue')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('card_queue')
          .select('id')
          .where('failed_at', 'is not', null)
          .where('failed_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Deletes up to `limit` rows of cards whose post is stored: left by a version that queued a posted card
   * again (storing a post removes its row in the same transaction). Answers how many.
   */
  async purgePosted(limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('card_queue')
      .where('id', 'in', (eb) =>
        eb.selectFrom('card_queue as q').select('q.id').where(cardPosted).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Channels of a surface with cards waiting, as `waiting` has them (a restart, and the lane sweep, wake
   * their lanes): a channel whose only rows are posted cards has nothing for its lane.
   */
  async channelsWaiting(surface: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('card_queue as q')
      .select('q.channel')
      .distinct()
      .where('q.surface', '=', surface)
      .where('q.failed_at', 'is', null)
      .where((eb) => eb.not(cardPosted(eb)))
      .execute();
    return rows.map((row) => row.channel);
  }
}
