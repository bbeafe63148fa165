/**
 * Teams' storm queue message. Teams has no lane: each card is its own post job, paced per conversation
 * (7 in 1 s, 8 in 2 s, 60 in 30 s), and a card the pace holds back stays in the card queue
 * (store/cardQueue.ts) like Slack's. So Teams cards queue exactly when Teams' pace holds them, and the
 * rule is the one of Slack's lane: once a waiting card is older than `queueAfterMs`, the channel gets the
 * queue message (src/chat/stormQueue.ts) with a Claim next button, kept current while the queue drains
 * and closed when it is empty.
 *
 * The `teams.storm_queue` job watches one channel: woken when a card had to wait for the pace (the surface
 * tells us), it re-arms itself every `watchEveryMs` while cards wait. Its queue key keeps one watcher per
 * channel across replicas. Its own sends keep the conversation's windows, but go ahead of the cards already
 * booked: the message is what makes those cards' calls claimable now, so it must not wait behind them.
 */
import { z } from 'zod';
import type { Pacing } from '../../chat/pacing.js';
import {
  openedQueue,
  parseQueueState,
  queueChanged,
  queueCheckDue,
  queueOverdue,
  type StormQueueState,
  shownQueue,
  stormQueueView,
} from '../../chat/stormQueue.js';
import type { RoutingConfig } from '../../config/routing.js';
import { formatClock } from '../../domain/cardModel.js';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure } from '../../jobs/errors.js';
import { defineJob, jobOf } from '../../jobs/registry.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import { ChannelCalls } from '../../store/channelCalls.js';
import type { NewJob } from '../../store/jobs.js';
import type { Store } from '../../store/store.js';
import type { TeamsChannel } from '../../store/teams.js';
import type { TeamsConnector } from './connector.js';
import { teamsStormQueueCard, teamsStormQueueClosedCard } from './stormCard.js';
import { channelTarget, toTeams } from './surface.js';

export const teamsStormKind = defineJob('teams.storm_queue', z.object({ channel: z.string().min(1) }), {
  queueKey: ({ channel }) => `teams.storm:${channel}`,
});

/**
 * The watcher is the only thing that closes its channel's queue message, so it never gives up, as the Slack
 * lane: dead after a long Teams outage (12 attempts), it left "N calls are waiting" up until the next storm.
 */
const STORM_WATCHER_MAX_ATTEMPTS = 1_000;

export function teamsStormJob(channel: string, runAt?: number): NewJob {
  return jobOf(
    teamsStormKind,
    { channel },
    {
      coalesceKey: `teams.storm_queue:${channel}`,
      maxAttempts: STORM_WATCHER_MAX_ATTEMPTS,
      ...(runAt !== undefined ? { runAt } : {}),
    },
  );
}

/** Where a channel's open queue message is kept between runs. */
export function teamsStormKey(channel: string): string {
  return `teams.storm_queue:${channel}`;
}

export interface TeamsStormOptions {
  /** A card waiting this long opens the queue message (as Slack's lane). */
  queueAfterMs: number;
  /** The message is brought up to date at most this often (each update is a send in the conversation). */
  queueRefreshEveryMs: number;
  /** How often the watcher looks again while cards wait. */
  watchEveryMs: number;
}

export const DEFAULT_TEAMS_STORM_OPTIONS: TeamsStormOptions = {
  queueAfterMs: 2_000,
  queueRefreshEveryMs: 3_000,
  watchEveryMs: 1_000,
};

export interface TeamsStormDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  routing: RoutingConfig;
  connector: () => Promise<TeamsConnector>;
  options?: Partial<TeamsStormOptions>;
}

/** A root post's conversation id, as Teams addresses an update of it. */
function rootConversation(channelId: string, ref: string): string {
  return `${channelId};messageid=${ref}`;
}

export class TeamsStormQueue {
  private readonly options: TeamsStormOptions;
  private readonly calls: ChannelCalls;
  private readonly wokenAt = new Map<string, number>();
  private pacing: Pacing | null = null;

  constructor(private readonly deps: TeamsStormDeps) {
    this.options = { ...DEFAULT_TEAMS_STORM_OPTIONS, ...deps.options };
    this.calls = new ChannelCalls(deps.store.db);
  }

  /** `pacing` is the Teams outbox's: the queue message shares the conversation's pace with the cards. */
  register(runner: JobRunner, pacing: Pacing): void {
    this.pacing = pacing;
    runner.handle(teamsStormKind, ({ channel }) => this.run(channel));
  }

  /** A card waits for Teams' pace in `channel`: make sure its watcher runs (at most once a second). */
  wake(channel: string): void {
    const now = this.deps.clock.now();
    if (now - (this.wokenAt.get(channel) ?? Number.NEGATIVE_INFINITY) < this.options.watchEveryMs) return;
    this.wokenAt.set(channel, now);
    this.deps.store.enqueue([teamsStormJob(channel)], now).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, channel }, 'teams: could not wake the storm queue watcher');
    });
  }

  /** The channel's open queue message, if any. */
  async queueOf(channel: string): Promise<StormQueueState | null> {
    return parseQueueState(await this.deps.store.cursors.get(teamsStormKey(channel)));
  }

  private async save(channel: string, state: StormQueueState | null): Promise<void> {
    await this.deps.store.cursors.set(teamsStormKey(channel), JSON.stringify(state), this.deps.clock.now());
  }

  private async rearm(channel: string, runAt: number): Promise<void> {
    await this.deps.store.enqueue([teamsStormJob(channel, runAt)], this.deps.clock.now());
  }

  private async channelOrFail(channelId: string): Promise<TeamsChannel> {
    const channel = await this.deps.store.teams.getChannel(channelId);
    if (!channel) throw new PermanentFailure(`Teams channel ${channelId} is not known to Ringback`);
    return channel;
  }

  /**
   * Sends ahead of the cards already booked (Pacing.sendAhead), on every replica's 429 pause of the
   * conversation: the pause is shared through PostgreSQL like the sends.
   */
  private sendAhead<T>(key: string, send: () => Promise<T>): Promise<T> {
    const pacing = this.pacing;
    if (!pacing) throw new Error('teams: the storm queue watcher is not registered');
    return pacing.sendAhead(key, send);
  }

  async run(channelId: string): Promise<void> {
    const { clock, routing } = this.deps;
    const now = clock.now();
    const waiting = await this.calls.waiting('teams', channelId);
    const state = await this.queueOf(channelId);
    const zone = routing.timezone;

    if (state === null) {
      const oldest = waiting[0];
      if (!oldest) return;
      if (!queueOverdue(waiting, now, this.options.queueAfterMs)) {
        await this.rearm(channelId, oldest.queuedAt + this.options.queueAfterMs);
        return;
      }
      const channel = await this.channelOrFail(channelId);
      const view = stormQueueView(routing, waiting);
      const card = teamsStormQueueCard(channelId, view, formatClock(now, zone));
      const connector = await this.deps.connector();
      const posted = await this.sendAhead(channelId, () =>
        toTeams(() =>
          connector.postToChannel(
            { ...channelTarget(channel, channelId), channelId },
            { card, text: String(card.fallbackText) },
          ),
        ),
      );
      await this.save(channelId, openedQueue(posted.rootId, view, clock.now()));
      this.deps.logger.info(
        { channel: channelId, waiting: view.waiting },
        `teams: storm in ${channelId}: queue message posted (${view.waiting} cards waiting)`,
      );
      await this.rearm(channelId, clock.now() + this.options.watchEveryMs);
      return;
    }

    // Cards posted since the last look: those it counted, plus those queued since, minus those still waiting.
    const queuedSince = waiting.filter((w) => w.queuedAt > state.shownThrough).length;
    const posted = Math.max(0, state.shownWaiting + queuedSince - waiting.length);
    const current: StormQueueState = { ...state, cardsPosted: state.cardsPosted + posted };

    if (waiting.length === 0) {
      const card = teamsStormQueueClosedCard(current, now, zone);
      await this.update(channelId, current, card);
      await this.save(channelId, null);
      return;
    }
    if (queueCheckDue(current, now, this.options.queueRefreshEveryMs)) {
      const view = stormQueueView(routing, waiting);
      if (queueChanged(current, view)) {
        const card = teamsStormQueueCard(channelId, view, formatClock(current.startedAt, zone));
        if (await this.update(channelId, current, card)) {
          await this.save(channelId, shownQueue(current, view, clock.now()));
        } else {
          await this.save(channelId, null);
        }
      } else {
        await this.save(channelId, shownQueue(current, view, now));
      }
    }
    await this.rearm(channelId, clock.now() + this.options.watchEveryMs);
  }

  /** Updates the message; false when Teams refused for good (deleted): the next run posts a fresh one. */
  private async update(
    channelId: string,
    state: StormQueueState,
    card: ReturnType<typeof teamsStormQueueCard>,
  ): Promise<boolean> {
    const channel = await this.channelOrFail(channelId);
    const connector = await this.deps.connector();
    try {
      await this.sendAhead(channelId, () =>
        toTeams(() =>
          connector.update(channelTarget(channel, rootConversation(channelId, state.ref)), state.ref, {
            card,
            text: String(card.fallbackText),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      this.deps.logger.warn(
        { channel: channelId, error: error.message },
        'teams: the storm queue message could not be updated; forgetting it',
      );
      return false;
    }
  }
}
