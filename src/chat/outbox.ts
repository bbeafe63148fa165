/**
 * The card outbox of one chat surface: the job handlers that post an episode's card in a channel, update
 * every posted copy, put lines in the card's thread and send messages. Written once for every surface;
 * the surface only renders and sends (src/chat/surface.ts).
 *
 * - A card is posted once per channel: its queued row (store/cardQueue.ts) goes and its post is stored in
 *   one transaction, and a change that landed while the card was on its way gets one more update.
 * - Each attempt is recorded (committed) before the surface is asked to post. A process killed between the
 *   vendor's answer and that transaction leaves the attempt on the queued row; the next delivery asks the
 *   surface for the card it may have posted (findPostedCard) and stores that one instead of posting again.
 * - A thread line waits for its card as long as the card is queued, at most THREAD_LINE_WAIT_MS.
 * - Updates of one card, and the thread lines of one card in one channel, run one at a time across replicas
 *   (queue keys, src/chat/jobs.ts): the later update renders the later state last.
 */

import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import type { Episode } from '../domain/types.js';
import { ChannelRefused, PermanentFailure, RetryAfter } from '../jobs/errors.js';
import { jobOf } from '../jobs/registry.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../observability/logger.js';
import type { BudgetSource } from '../resilience/budgets.js';
import { CallRecordRepository } from '../store/callRecords.js';
import type { CardSpot } from '../store/cardQueue.js';
import type { Job } from '../store/jobs.js';
import type { Post } from '../store/posts.js';
import type { Store } from '../store/store.js';
import { cardChannelsFor, isRuleChannel } from './cardChannels.js';
import { type ChatJobKinds, chatJobKinds, threadQueueKey } from './jobs.js';
import { type Pace, Pacing } from './pacing.js';
import { updateCardJob } from './planner.js';
import { sendsInCursors } from './sharedSends.js';
import type { ChatSurface, PostedCard } from './surface.js';

/**
 * How long a thread line waits for its card, counted from when the line was queued. One limit for every
 * surface: a line only waits while its card is queued (a card refused for good, or never queued, ends the
 * wait at once), so this is a safety net, long enough for the slowest queue we know: Slack posts one card
 * per second per channel, and a storm of a few thousand calls in one channel takes most of an hour.
 */
export const THREAD_LINE_WAIT_MS = 60 * 60_000;

/** How often a waiting line looks again: soon at first, less often the longer the card takes. */
export function threadLineRetryMs(waitedMs: number): number {
  return Math.min(30_000, Math.max(2_000, waitedMs / 4));
}

export interface OutboxDeps {
  surface: ChatSurface;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Longest a handler waits in place for a pacing slot; longer waits go back to the jobs table. */
  maxInlineWaitMs: number;
  /** Budgets shared by every replica (PostgreSQL), for the surface's workspace-wide buckets. */
  clusterBudgets?: BudgetSource;
  /** The routing file's priority rules: a high call's card has a copy in its rule's channel too. */
  routing?: Pick<RoutingConfig, 'priority'>;
}

export class ChatOutbox {
  readonly kinds: ChatJobKinds;
  readonly pacing: Pacing;

  constructor(private readonly deps: OutboxDeps) {
    this.kinds = chatJobKinds(deps.surface.name);
    this.pacing = new Pacing(deps.surface.pacing, {
      maxInlineWaitMs: deps.maxInlineWaitMs,
      now: () => deps.clock.now(),
      ...(deps.clusterBudgets
        ? {
            cluster: { budgets: deps.clusterBudgets, prefix: deps.surface.name },
            sharedSends: sendsInCursors(deps.store, deps.surface.name, deps.clock),
          }
        : {}),
    });
  }

  register(runner: JobRunner): void {
    const { kinds } = this;
    const { store, clock } = this.deps;
    runner.handle(kinds.postCard, (payload, job) => this.postCard(payload, job), {
      // Its process died on every attempt: the card is failed, as after a last attempt that failed.
      whenBuried: (payload) =>
        store.cardQueue.fail(
          { episodeId: payload.episodeId, surface: this.name, channel: payload.channel },
          'the post job died with its process on every attempt',
          clock.now(),
        ),
    });
    runner.handle(kinds.updateCard, (payload, job) => this.updateCard(payload.episodeId, job));
    runner.handle(kinds.threadLine, (payload, job) => this.threadLine(payload, job));
    runner.handle(kinds.message, (payload, job) =>
      this.deps.surface.sendMessage(payload, this.pacing.forJob(job.id)),
    );
  }

  private get name(): string {
    return this.deps.surface.name;
  }

  private async postCard(payload: { episodeId: string; channel: string }, job: Job): Promise<void> {
    const { surface, store, clock } = this.deps;
    if (surface.cardLane) {
      // The lane posts the card. A post job from before the lane read the queue (migration 009), queued by an
      // older replica during a rolling deploy, comes without a queued card: it is queued here, unless posted
      // (queue skips a posted card).
      const spot = { episodeId: payload.episodeId, surface: this.name, channel: payload.channel };
      await store.cardQueue.queue([spot], clock.now());
      await store.enqueue([surface.cardLane.wake(payload.channel)], clock.now());
      return;
    }
    try {
      await this.deliverQueuedCard(payload.episodeId, payload.channel, this.pacing.forJob(job.id));
    } catch (error) {
      // The last attempt: the job dies, so the card is stored as failed too. Left waiting, it would keep the
      // channel's storm queue message open for good ("1 call is waiting for its card").
      const last = job.attempts >= job.maxAttempts;
      if (last && !(error instanceof PermanentFailure) && !(error instanceof RetryAfter)) {
        const reason = error instanceof Error ? error.message : String(error);
        this.deps.logger.error(
          { episodeId: payload.episodeId, channel: payload.channel, attempts: job.attempts, error: reason },
          `${this.name}: card not posted after ${job.attempts} attempts: ${reason}`,
        );
        await store.cardQueue.fail(
          { episodeId: payload.episodeId, surface: this.name, channel: payload.channel },
          `${reason} (after ${job.attempts} attempts)`,
          clock.now(),
        );
      }
      throw error;
    }
  }

  /**
   * Posts a queued card now and stores where it is. A card the surface refuses for good is kept as failed
   * (the PermanentFailure goes on to the caller: a lane skips it, a post job ends).
   */
  async deliverQueuedCard(episodeId: string, channel: string, pace: Pace): Promise<void> {
    const { surface, store, clock, logger } = this.deps;
    const spot = { episodeId, surface: this.name, channel };
    if (await store.posts.get(episodeId, this.name, channel)) {
      await store.cardQueue.remove(spot);
      return;
    }
    const episode = await store.episodes.get(episodeId);
    if (!episode) {
      await store.cardQueue.fail(spot, `episode ${episodeId} no longer exists`, clock.now());
      throw new PermanentFailure(`episode ${episodeId} no longer exists`);
    }
    const recovered = await this.findEarlierPost(episode, channel, spot);
    if (recovered) {
      // It shows the state of its own attempt, which may be older than `episode`: one update to be sure.
      await this.storePost(episode, channel, recovered, { renderedFromEpisode: false });
      logger.info(
        { episode: episodeId, channel, ref: recovered.ref },
        `${this.name}: card recovered: an earlier attempt had posted it; not posted again`,
      );
      return;
    }
    // Committed before the vendor is called: a process killed after the post leaves this trace.
    await store.cardQueue.markAttempt(spot, clock.now());
    let posted: PostedCard;
    try {
      posted = await surface.postCard(episode, channel, pace);
    } catch (error) {
      if (error instanceof PermanentFailure) {
        logger.error(
          { episodeId, channel, error: error.message },
          `${this.name}: card not posted: ${error.message}`,
        );
        const channelWide = error instanceof ChannelRefused;
        if (channelWide) this.refusedChannels.add(channel);
        await store.cardQueue.fail(spot, error.message, clock.now(), { channelWide });
      }
      throw error;
    }
    await this.storePost(episode, channel, posted, { renderedFromEpisode: true });
    logger.info({ episode: episodeId, channel, ref: posted.ref }, `${this.name}: card posted`);
    if (this.refusedChannels.has(channel)) await this.requeueChannelRefused(channel);
  }

  /**
   * Channels known to hold cards refused because of the channel, learnt from the refusals of this process and
   * from the store at start (learnRefusedChannels). Kept in memory so that an ordinary post costs no query.
   */
  private readonly refusedChannels = new Set<string>();

  /** Learns which channels hold cards refused because of the channel, from every replica's refusals. */
  async learnRefusedChannels(): Promise<void> {
    for (const channel of await this.deps.store.cardQueue.channelsRefused(this.name))
      this.refusedChannels.add(channel);
  }

  /** The channel took a card: those it refused before (the app was invited since) are queued again. */
  private async requeueChannelRefused(channel: string): Promise<void> {
    const { surface, store, clock, logger } = this.deps;
    this.refusedChannels.delete(channel);
    const episodeIds = await store.cardQueue.requeueChannelRefused(this.name, channel);
    if (episodeIds.length === 0) return;
    logger.info(
      { channel, cards: episodeIds.length },
      `${this.name}: ${channel} takes cards again; the ${episodeIds.length} it refused before are queued again`,
    );
    await store.enqueue(
      surface.cardLane
        ? [surface.cardLane.wake(channel)]
        : episodeIds.map((episodeId) => jobOf(this.kinds.postCard, { episodeId, channel })),
      clock.now(),
    );
  }

  /**
   * The card an earlier attempt may have posted without its post being stored (the process was killed, or the
   * vendor's answer was lost): looked for only when the queued row says an attempt was made and the surface
   * can look. Null: post it (again).
   */
  private async findEarlierPost(
    episode: Episode,
    channel: string,
    spot: CardSpot,
  ): Promise<PostedCard | null> {
    const { surface, store } = this.deps;
    if (!surface.findPostedCard) return null;
    const attemptedAt = (await store.cardQueue.get(spot))?.attemptedAt;
    if (attemptedAt === undefined) return null;
    return surface.findPostedCard(episode, channel, attemptedAt);
  }

  /**
   * Stores where the card is and removes its queued row, in one transaction. A card rendered from `episode`
   * gets one more update when a change landed meanwhile; one rendered by an earlier attempt (recovered) gets
   * it always, since a change made before it was found updated no stored copy.
   */
  private async storePost(
    episode: Episode,
    channel: string,
    posted: PostedCard,
    how: { renderedFromEpisode: boolean },
  ): Promise<void> {
    const { surface, store, clock } = this.deps;
    const episodeId = episode.id;
    const now = clock.now();
    await store.transaction(async (repos) => {
      // Held until the post is committed: a change committing meanwhile (another replica's claim) would
      // otherwise be read as not there yet here, while its own card update could not see this post yet.
      await new CallRecordRepository(repos).lockEpisode(episodeId);
      await repos.posts.upsert(
        {
          episodeId,
          surface: this.name,
          channel,
          ref: posted.ref,
          threadRef: posted.threadRef,
          shownDigest: posted.shownDigest ?? null,
        },
        now,
      );
      await repos.cardQueue.remove({ episodeId, surface: this.name, channel });
      // A change that landed while the card was on its way is shown by one more update.
      const current = await repos.episodes.get(episodeId);
      if (current && (!how.renderedFromEpisode || current.version !== episode.version))
        await repos.enqueue([updateCardJob(this.name, episodeId)], now);
    });
    surface.cardShown?.(episode);
    if (this.linesWaiting.delete(`${episodeId}:${channel}`)) {
      // Each waiting line looks again on its own schedule, a newer line more often: left to that, "Resolved"
      // could be said above "Claimed". Due now together, they run oldest first (their queue key's order).
      await store.jobs.runQueueNow(threadQueueKey(this.name, episodeId, channel), clock.now());
    }
  }

  /**
   * Cards (`episode:channel`) a thread line of this process is waiting for, so that storing one wakes its
   * lines without a query for the cards no line waits for. A line waiting on another replica is not woken:
   * it comes on its own schedule.
   */
  private readonly linesWaiting = new Set<string>();

  private async updateCard(episodeId: string, job: Job): Promise<void> {
    const { surface, store, logger, clock } = this.deps;
    const episode = await store.episodes.get(episodeId);
    if (!episode) {
      logger.warn({ episodeId }, `${this.name}: no such episode; its card is not updated`);
      return;
    }
    const posts = (await store.posts.listForEpisode(episodeId)).filter((p) => p.surface === this.name);
    // A card not posted yet is rendered from the current state when it is.
    const pace = this.pacing.forJob(job.id);
    for (const post of posts) {
      try {
        const shown = (await surface.updateCard(episode, post, pace)) ?? null;
        if (shown !== post.shownDigest) await store.posts.setShown(post, shown, clock.now());
      } catch (error) {
        // A card someone deleted stays deleted: the other copies still get the update.
        if (!(error instanceof PermanentFailure)) throw error;
        logger.warn(
          { episodeId, channel: post.channel, error: error.message },
          `${this.name}: card not updated`,
        );
      }
    }
    surface.cardShown?.(episode);
  }

  private async threadLine(
    payload: {
      episodeId: string;
      channel?: string | undefined;
      text: string;
      mention?: string | null | undefined;
    },
    job: Job,
  ): Promise<void> {
    const { surface, store, clock } = this.deps;
    const { episodeId, channel } = payload;
    if (!channel) {
      // One job per channel, so a pause in one channel never repeats the line in another.
      const episode = await store.episodes.get(episodeId);
      if (!episode) return;
      const posted = (await store.posts.listForEpisode(episodeId)).filter((p) => p.surface === this.name);
      const belongs = cardChannelsFor(surface, this.deps.routing ?? { priority: [] }, episode);
      const channels = new Set([...belongs, ...posted.map((p) => p.channel)]);
      await store.enqueue(
        [...channels].map((c) =>
          jobOf(
            this.kinds.threadLine,
            { ...payload, channel: c },
            { dedupeKey: `${this.name}.fanout:${job.id}:${c}` },
          ),
        ),
        clock.now(),
      );
      return;
    }
    const post =
      (await store.posts.get(episodeId, this.name, channel)) ??
      (await this.waitForCard(episodeId, channel, job));
    if (!post) return;
    await surface.replyInThread(post, payload.text, payload.mention ?? null, this.pacing.forJob(job.id));
  }

  /**
   * A line whose card was not posted when it looked: come back while the card is queued, else there is
   * nothing to say it under. Resolves with the card's post when it was stored meanwhile; null: dropped.
   */
  private async waitForCard(episodeId: string, channel: string, job: Job): Promise<Post | null> {
    const { store, clock, logger } = this.deps;
    const queued = await store.cardQueue.get({ episodeId, surface: this.name, channel });
    if (queued?.failedAt != null) {
      this.linesWaiting.delete(`${episodeId}:${channel}`);
      throw new PermanentFailure(
        `the card of ${episodeId} was never posted in ${channel}: ${queued.failure}`,
      );
    }
    if (!queued) {
      // The card may have been stored between the two reads: its post and the removal of its queued row
      // commit together, so a missing row with no post before it can mean the card is out now.
      const posted = await store.posts.get(episodeId, this.name, channel);
      if (posted) return posted;
      // Expected in a priority rule's channel where this call never was high (lines go to every rule's
      // channel, for the copies of calls that dropped back to normal): not worth a line each.
      const ruleChannel = isRuleChannel(this.name, this.deps.routing ?? { priority: [] }, channel);
      logger[ruleChannel ? 'debug' : 'info'](
        { episodeId, channel },
        `${this.name}: a thread line for a card that is not queued here; dropped`,
      );
      return null;
    }
    this.linesWaiting.add(`${episodeId}:${channel}`);
    const waited = clock.now() - job.createdAt;
    if (waited > THREAD_LINE_WAIT_MS) {
      this.linesWaiting.delete(`${episodeId}:${channel}`);
      throw new PermanentFailure(`the card of ${episodeId} was not posted in ${channel} within an hour`);
    }
    throw new RetryAfter(threadLineRetryMs(waited), 'waiting for the card to be posted');
  }
}
