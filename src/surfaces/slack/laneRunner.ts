/**
 * The `slack.lane` job: one channel's queued cards (store/cardQueue.ts), posted in order, one per slot,
 * with the storm queue message when calls come faster than Slack lets us post (lane.ts decides which).
 * Posting a card itself is the shared outbox's (src/chat/outbox.ts); this file only orders and paces the
 * channel, and keeps the queue message current.
 */
import type { ChatOutbox } from '../../chat/outbox.js';
import {
  cardPostedDuringQueue,
  openedQueue,
  parseQueueState,
  queueChanged,
  type StormQueueState,
  shownQueue,
  stormQueueView,
} from '../../chat/stormQueue.js';
import type { Env } from '../../config/env.js';
import type { RoutingConfig } from '../../config/routing.js';
import { formatClock } from '../../domain/cardModel.js';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure, RetryAfter } from '../../jobs/errors.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import { ChannelCalls } from '../../store/channelCalls.js';
import type { Store } from '../../store/store.js';
import { type SlackApi, SlackRateLimited, SlackRefused } from './api.js';
import { laneJob, laneKind } from './jobKinds.js';
import { nextLaneStep, queueNeedsCheck, type WaitingCard } from './lane.js';
import { type SenderOptions, SLACK_BUCKETS } from './settings.js';
import { STORM_QUEUE_BLOCK_PREFIX, stormQueueClosedMessage, stormQueueMessage } from './stormBlocks.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Where a channel's open queue message is kept between lane runs. */
export function stormQueueKey(channel: string): string {
  return `slack.storm_queue:${channel}`;
}

/**
 * When a queue message post began that is not recorded yet ('' once it is): a post whose answer was lost (a
 * timeout, a crash before the save) may still have landed, and is then found instead of posted again.
 */
export function stormQueueAttemptKey(channel: string): string {
  return `slack.storm_queue_attempt:${channel}`;
}

/** The text digest of earlier versions (a message whose thread listed the waiting calls). */
const legacyDigestKey = (channel: string) => `slack.digest:${channel}`;

const LEGACY_DIGEST_RETIRED =
  'This list of waiting calls is no longer kept up to date: Ringback now posts a storm queue message with a Claim next button instead.';

/** After Slack refused a channel's storm queue message for good, how long its lane posts only cards. */
export const QUEUE_REFUSED_PAUSE_MS = 10 * 60_000;

/** How soon a lane whose queue message waits for a chat.update token to close looks again. */
export const QUEUE_CLOSE_RETRY_MS = 1_000;

export interface LaneRunnerDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  env: Env;
  outbox: ChatOutbox;
  options: SenderOptions;
  logger?: Logger;
}

/**
 * How many times in a row the card at the head of a channel may meet an error code Slack gives for no known
 * reason before the lane gives up on it: held back for good, it would hold every later call of the channel
 * back for as long as the lane retries (days).
 */
export const HEAD_CARD_REFUSALS = 5;

export class LaneRunner {
  private readonly calls: ChannelCalls;
  /** Until when a channel's lane posts no storm queue message: Slack refused the last one for good. */
  private readonly queueRefusedUntil = new Map<string, number>();
  /** The card each channel's lane last failed to post, and how many times in a row (this process). */
  private readonly headRefusals = new Map<string, { episodeId: string; count: number }>();

  constructor(private readonly deps: LaneRunnerDeps) {
    this.calls = new ChannelCalls(deps.store.db);
  }

  register(runner: JobRunner): void {
    runner.handle(laneKind, ({ channel }) => this.runLane(channel));
  }

  /** Cards queued for a channel and not posted yet, oldest first. */
  waitingCards(channel: string): Promise<WaitingCard[]> {
    return this.deps.store.cardQueue.waiting('slack', channel);
  }

  /**
   * After a restart, and now and then: every channel with cards still queued gets its lane going again, and
   * a channel that refused cards (on any replica) has them queued again by the next card it takes.
   */
  async wakeWaitingLanes(): Promise<void> {
    await this.deps.outbox.learnRefusedChannels();
    const channels = await this.deps.store.cardQueue.channelsWaiting('slack');
    await this.deps.store.enqueue(
      channels.map((channel) => laneJob(channel)),
      this.deps.clock.now(),
    );
  }

  /** The channel's open storm queue message, if any. */
  async queueOf(channel: string): Promise<StormQueueState | null> {
    return parseQueueState(await this.deps.store.cursors.get(stormQueueKey(channel)));
  }

  private async saveQueue(channel: string, state: StormQueueState | null): Promise<void> {
    await this.deps.store.cursors.set(stormQueueKey(channel), JSON.stringify(state), this.deps.clock.now());
  }

  private async enqueueLane(channel: string, runAt: number): Promise<void> {
    await this.deps.store.enqueue([laneJob(channel, runAt)], this.deps.clock.now());
  }

  private get zone(): string {
    return this.deps.routing.timezone;
  }

  private async runLane(channel: string): Promise<void> {
    const { clock, outbox, options } = this.deps;
    const pacer = outbox.pacing.pacer;
    const deadline = clock.now() + options.laneRunMs;
    await this.retireLegacyDigest(channel);
    // The lane may have run on another replica until now: its recent posts count against this channel too.
    await outbox.pacing.learnShared(channel);
    for (;;) {
      let now = clock.now();
      let waiting = await this.waitingCards(channel);
      let queue = await this.queueOf(channel);
      let step = nextLaneStep(waiting, queue, now, options.lane, this.queueRefused(channel, now));
      if (step.kind === 'idle') return;

      if (queue && step.kind === 'post_card' && queueNeedsCheck(queue, now, options.lane)) {
        queue = await this.refreshQueue(channel, queue, now);
      }

      if (step.kind === 'queue_close' && queue) {
        // The cluster's budget too: card updates of every replica draw from the same Tier 3 allowance.
        const wait = await outbox.pacing.tryPriorityToken(SLACK_BUCKETS.update);
        if (wait > 0) {
          // Card updates may have booked the Tier 3 bucket far ahead. Come back soon rather than then: the lane
          // job is coalesced, so a far-off run would swallow the wake-ups of new cards and stall the channel.
          await this.enqueueLane(channel, now + Math.min(wait, QUEUE_CLOSE_RETRY_MS));
          return;
        }
        await this.closeQueue(channel, queue, now);
        continue;
      }

      const slot = pacer.book(channel, now);
      const inlineWaitMs = Math.min(options.laneInlineWaitMs, options.maxInlineWaitMs);
      if (slot - now > inlineWaitMs || slot > deadline) {
        pacer.cancel(channel, slot);
        await this.enqueueLane(channel, Math.max(now, slot - inlineWaitMs / 2));
        return;
      }
      const at = await outbox.pacing.sendAt(channel, slot);
      now = clock.now();
      if (at > now) {
        await sleep(at - now);
        // Decide with what is true when the slot comes: calls that arrived meanwhile count now.
        now = clock.now();
        waiting = await this.waitingCards(channel);
        queue = await this.queueOf(channel);
        step = nextLaneStep(waiting, queue, now, options.lane, this.queueRefused(channel, now));
      }
      await this.take(step, channel, queue, at);
    }
  }

  /** Uses the slot the lane waited for, which sendAt recorded at `sentAt`. */
  private async take(
    step: ReturnType<typeof nextLaneStep>,
    channel: string,
    queue: StormQueueState | null,
    sentAt: number,
  ): Promise<void> {
    const { clock, api, outbox } = this.deps;
    const pace = outbox.pacing.slotTaken(sentAt);
    switch (step.kind) {
      case 'post_card':
        try {
          await outbox.deliverQueuedCard(step.episodeId, channel, pace);
          this.headRefusals.delete(channel);
        } catch (error) {
          // One card Slack refuses is stored as failed; it must not hold the channel's other cards back.
          if (error instanceof SlackRefused) await this.refusedAtHead(channel, step.episodeId, error);
          else if (!(error instanceof PermanentFailure)) throw error;
        }
        if (queue) await this.saveQueue(channel, cardPostedDuringQueue(queue));
        return;
      case 'queue_open': {
        const view = stormQueueView(this.deps.routing, await this.calls.waiting('slack', channel));
        const lost = await this.lostQueueMessage(channel);
        if (lost) {
          // It shows what was true then: an empty shownKey makes the next check bring it up to date, and it
          // keeps the time it says the storm began.
          await this.saveQueue(channel, { ...openedQueue(lost.ts, view, lost.since), shownKey: '' });
          await this.deps.store.cursors.set(stormQueueAttemptKey(channel), '', clock.now());
          this.deps.logger?.info(
            { channel },
            `slack: storm in ${channel}: found the queue message an earlier attempt posted; not posted again`,
          );
          return;
        }
        const message = stormQueueMessage(channel, view, formatClock(clock.now(), this.zone));
        await this.deps.store.cursors.set(stormQueueAttemptKey(channel), String(clock.now()), clock.now());
        let ts: string;
        try {
          ts = await pace.send(channel, () =>
            api.postMessage({ channel, text: message.text, blocks: message.blocks }),
          );
        } catch (error) {
          if (!(error instanceof PermanentFailure)) throw error;
          // The cards still go out (or are refused one by one, each with its reason); the job must not die
          // with them queued.
          await this.deps.store.cursors.set(stormQueueAttemptKey(channel), '', clock.now());
          this.queueRefusedUntil.set(channel, clock.now() + QUEUE_REFUSED_PAUSE_MS);
          this.deps.logger?.error(
            { channel, error: error.message },
            `slack: storm in ${channel}: the queue message was refused (${error.message}); posting the cards without it`,
          );
          return;
        }
        await this.saveQueue(channel, openedQueue(ts, view, clock.now()));
        await this.deps.store.cursors.set(stormQueueAttemptKey(channel), '', clock.now());
        this.deps.logger?.info(
          { channel, waiting: view.waiting },
          `slack: storm in ${channel}: queue message posted (${view.waiting} cards waiting)`,
        );
        return;
      }
      case 'queue_close':
      case 'idle':
        // Nothing to post after all: the slot was used by nobody, which only costs a little time.
        return;
    }
  }

  private queueRefused(channel: string, now: number): boolean {
    const until = this.queueRefusedUntil.get(channel);
    if (until === undefined) return false;
    if (until > now) return true;
    this.queueRefusedUntil.delete(channel);
    return false;
  }

  /**
   * A card Slack refused with a code of no known meaning: the lane tries it again (the error goes to the
   * runner, which retries the lane with backoff) until it was refused HEAD_CARD_REFUSALS times in a row;
   * then it is stored as failed and the lane moves on to the next call.
   */
  private async refusedAtHead(channel: string, episodeId: string, error: SlackRefused): Promise<void> {
    const earlier = this.headRefusals.get(channel);
    const count = earlier?.episodeId === episodeId ? earlier.count + 1 : 1;
    if (count < HEAD_CARD_REFUSALS) {
      this.headRefusals.set(channel, { episodeId, count });
      throw error;
    }
    this.headRefusals.delete(channel);
    const reason = `${error.message} (${count} times in a row)`;
    this.deps.logger?.error(
      { episodeId, channel, code: error.code },
      `slack: card not posted: ${reason}; the channel's next calls go on`,
    );
    await this.deps.store.cardQueue.fail(
      { episodeId, surface: 'slack', channel },
      reason,
      this.deps.clock.now(),
    );
  }

  /**
   * The open queue message an unrecorded attempt posted in `channel`, if Slack has it: the newest top-level
   * message since the attempt that carries the open message's block. A failed lookup answers null (a second
   * message is better than a storm with none).
   */
  private async lostQueueMessage(channel: string): Promise<{ ts: string; since: number } | null> {
    const since = Number((await this.deps.store.cursors.get(stormQueueAttemptKey(channel))) || Number.NaN);
    if (!Number.isFinite(since)) return null;
    try {
      const ts = await this.deps.api.findPostedSince(channel, since, (id) =>
        id.startsWith(STORM_QUEUE_BLOCK_PREFIX),
      );
      return ts ? { ts, since } : null;
    } catch (error) {
      this.deps.logger?.warn(
        { err: error, channel },
        'slack: could not look for a queue message an earlier attempt may have posted; posting one',
      );
      return null;
    }
  }

  /**
   * Brings the queue message up to date when what it says changed and a chat.update token is free now.
   * Best effort: a missed refresh is made at a later slot, and the cards keep going meanwhile.
   */
  private async refreshQueue(channel: string, queue: StormQueueState, now: number): Promise<StormQueueState> {
    const view = stormQueueView(this.deps.routing, await this.calls.waiting('slack', channel));
    if (!queueChanged(queue, view)) {
      const checked = shownQueue(queue, view, now);
      await this.saveQueue(channel, checked);
      return checked;
    }
    if ((await this.deps.outbox.pacing.tryPriorityToken(SLACK_BUCKETS.update)) > 0) return queue;
    const message = stormQueueMessage(channel, view, formatClock(queue.startedAt, this.zone));
    try {
      await this.deps.api.update({ channel, ts: queue.ref, text: message.text, blocks: message.blocks });
    } catch (error) {
      if (error instanceof SlackRateLimited)
        await this.deps.outbox.pacing.bucketLimited(SLACK_BUCKETS.update, error.delayMs);
      if (error instanceof RetryAfter) return queue;
      if (!(error instanceof PermanentFailure)) {
        // A timeout, a 5xx, an error code of no known meaning: the cards go on, the next check tries again.
        // Thrown, it failed the lane run before its card, and every retry met the same update first.
        this.deps.logger?.warn(
          { channel, err: error },
          'slack: the storm queue message could not be updated; posting the cards meanwhile',
        );
        const later = { ...queue, checkedAt: now };
        await this.saveQueue(channel, later);
        return later;
      }
      // Someone deleted the message (or it can no longer be edited): the next slot posts a fresh one.
      this.deps.logger?.warn(
        { channel, error: error.message },
        'slack: the storm queue message could not be updated; posting a new one',
      );
      await this.saveQueue(channel, null);
      return queue;
    }
    const shown = shownQueue(queue, view, this.deps.clock.now());
    await this.saveQueue(channel, shown);
    return shown;
  }

  private async closeQueue(channel: string, queue: StormQueueState, now: number): Promise<void> {
    const message = stormQueueClosedMessage(queue, now, this.zone);
    try {
      await this.deps.api.update({ channel, ts: queue.ref, text: message.text, blocks: message.blocks });
    } catch (error) {
      if (error instanceof SlackRateLimited)
        await this.deps.outbox.pacing.bucketLimited(SLACK_BUCKETS.update, error.delayMs);
      if (!(error instanceof PermanentFailure)) throw error;
      this.deps.logger?.warn(
        { channel, error: error.message },
        'slack: the storm queue message could not be closed; forgetting it',
      );
    }
    await this.saveQueue(channel, null);
  }

  /** A digest left open by an earlier version says so once, then is forgotten. */
  private async retireLegacyDigest(channel: string): Promise<void> {
    const { store, api, clock } = this.deps;
    const text = await store.cursors.get(legacyDigestKey(channel));
    if (!text) return;
    let headTs: unknown = null;
    try {
      headTs = (JSON.parse(text) as { headTs?: unknown } | null)?.headTs ?? null;
    } catch {
      headTs = null;
    }
    if (typeof headTs === 'string') {
      try {
        await api.update({ channel, ts: headTs, text: LEGACY_DIGEST_RETIRED });
      } catch (error) {
        if (!(error instanceof PermanentFailure)) throw error;
      }
    }
    await store.cursors.set(legacyDigestKey(channel), '', clock.now());
  }
}
