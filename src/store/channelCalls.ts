/**
 * The calls of one channel, as a storm needs them: the calls whose cards wait in the channel's queue (with
 * their episodes, in one query rather than one per card), and the unclaimed calls a "Claim next" click
 * may hand out. A call belongs to a channel when its card is posted there or queued for it, so a priority
 * rule that sent a call to another channel is respected without asking the routing file again.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Episode } from '../domain/types.js';
import { cardPosted } from './cardQueue.js';
import { episodeFromRow } from './episodes.js';
import type { Database } from './schema.js';

export interface QueuedCall {
  episode: Episode;
  /** When its card was queued, epoch ms. */
  queuedAt: number;
}

export class ChannelCalls {
  constructor(private readonly db: Kysely<Database>) {}

  /** Calls whose card is queued in the channel and neither posted nor refused, oldest queued first. */
  async waiting(surface: string, channel: string): Promise<QueuedCall[]> {
    const rows = await this.db
      .selectFrom('card_queue as q')
      .innerJoin('episodes as e', 'e.id', 'q.episode_id')
      .selectAll('e')
      .select(['q.queued_at as queue_queued_at'])
      .where('q.surface', '=', surface)
      .where('q.channel', '=', channel)
      .where('q.failed_at', 'is', null)
      .where((eb) => eb.not(cardPosted(eb)))
      .orderBy('q.queued_at')
      .orderBy('q.id')
      .execute();
    return rows.map((row) => {
      const { queue_queued_at, ...episode } = row;
      return { episode: episodeFromRow(episode), queuedAt: Number(queue_queued_at) };
    });
  }

  /**
   * Unclaimed calls of the channel (card posted or queued there), in the work-list order
   * (src/domain/listOrder.ts: high priority, then callback requests, then the longest waiting), at most
   * `limit`. The caller sorts again with workListOrder; the SQL order only picks the right first rows.
   */
  async unclaimed(surface: string, channel: string, limit: number): Promise<Episode[]> {
    const rows = await this.db
      .selectFrom('episodes as e')
      .selectAll('e')
      .where('e.state', '=', 'open')
      .where(inChannel(surface, channel))
      // 'high' sorts before 'normal' as text: the only two values the column holds.
      .orderBy('e.priority', 'asc')
      .orderBy('e.callback_requested', 'desc')
      .orderBy('e.missed_at', 'asc')
      .orderBy('e.id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(episodeFromRow);
  }
}

/** A call belongs to the channel when its card is posted there or queued for it (and not refused for good). */
function inChannel(surface: string, channel: string) {
  return ({ or, exists, selectFrom }: ExpressionBuilder<Database & { e: Database['episodes'] }, 'e'>) =>
    or([
      exists(
        selectFrom('posts as p')
          .select('p.episode_id')
          .whereRef('p.episode_id', '=', 'e.id')
          .where('p.surface', '=', surface)
          .where('p.channel', '=', channel),
      ),
      exists(
        selectFrom('card_queue as q')
          .select('q.episode_id')
          .whereRef('q.episode_id', '=', 'e.id')
          .where('q.surface', '=', surface)
          .where('q.channel', '=', channel)
          // A card the surface refused for good never comes: Claim next would hand out a call whose
          // clicker is told "its card follows", and the queue message does not count it either.
          .where('q.failed_at', 'is', null),
      ),
    ]);
}
