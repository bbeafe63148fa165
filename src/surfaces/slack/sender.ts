/**
 * The Slack job handlers: every outbound Slack effect runs here, from the jobs table, paced per channel
 * and per method tier so Slack never has to answer 429. New cards go through one lane per channel
 * (laneStep in lane.ts decides card or storm digest); thread lines, notices and private replies book
 * slots in the same per-channel pacer; updates and private replies draw from per-workspace buckets.
 */
import type { z } from 'zod';
import type { Env } from '../../config/env.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { parseDetails } from '../../domain/details.js';
import { type JobRunner, PermanentFailure, RetryAfter } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import type { Job, NewJob } from '../../store/jobs.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import type { Block } from './blocks.js';
import {
  ephemeralPayload,
  laneJob,
  lanePayload,
  messagePayload,
  postCardPayload,
  respondPayload,
  SLACK_JOBS,
  threadPostPayload,
  updateCardJob,
  updateCardPayload,
} from './jobKinds.js';
import {
  DEFAULT_LANE_OPTIONS,
  type DigestState,
  headNeedsRefresh,
  type LaneOptions,
  listedInDigest,
  nextLaneStep,
  openedDigest,
  refreshedDigest,
  type WaitingCard,
} from './lane.js';
import { link } from './mrkdwn.js';
import { Bookings, ChannelPacer, TokenBucket } from './pacer.js';
import { slackChannelsFor } from './planner.js';
import { digestClosedText, digestHeadText, digestLine, digestListText, renderCard } from './render.js';

export interface SenderOptions {
  /** Minimum time between two posts in one channel. */
  postIntervalMs: number;
  /** Longest a handler waits in place for its slot; longer waits go back to the jobs table. */
  maxInlineWaitMs: number;
  /** How long one lane run keeps posting before it hands its runner slot back. */
  laneRunMs: number;
  lane: LaneOptions;
  /** chat.update per workspace (Tier 3 is 50+/min): burst and sustained rate we allow ourselves. */
  updateBurst: number;
  updatesPerMinute: number;
  /** chat.postEphemeral per workspace (Tier 4 is 100+/min). */
  ephemeralBurst: number;
  ephemeralsPerMinute: number;
  /** How often a queued card checks that its lane is alive (a safety net; the lane does the posting). */
  postCheckMs: number;
  /** A thread line whose card is not posted after this long is given up (logged, parked). */
  threadGiveUpMs: number;
}

export const DEFAULT_SENDER_OPTIONS: SenderOptions = {
  postIntervalMs: 1_000,
  maxInlineWaitMs: 1_500,
  laneRunMs: 5_000,
  lane: DEFAULT_LANE_OPTIONS,
  updateBurst: 10,
  updatesPerMinute: 45,
  ephemeralBurst: 50,
  ephemeralsPerMinute: 90,
  postCheckMs: 60_000,
  threadGiveUpMs: 60 * 60_000,
};

export interface SenderDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  logger: Logger;
  routing: RoutingConfig;
  env: Env;
  /** Identifies this replica for the per-channel lane lease. */
  workerId: string;
  /** Where slash-command answers may be sent (response_url hosts). */
  responseOrigins: string[];
  options?: Partial<SenderOptions>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs work one at a time per key, in the order it was asked for (in process). */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

function parse<T extends z.ZodType>(schema: T, payload: unknown, kind: string): z.infer<T> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`${kind}: invalid payload: ${parsed.error.message}`);
  return parsed.data;
}

export class SlackSender {
  readonly pacer: ChannelPacer;
  private readonly options: SenderOptions;
  private readonly bookings = new Bookings();
  private readonly updates: TokenBucket;
  private readonly ephemerals: TokenBucket;
  private readonly serial = new KeyedSerial();
  /** Cards Slack refused for good (e.g. invalid blocks): the lane skips them, their post job is parked. */
  private readonly failedCards = new Map<string, string>();

  constructor(private readonly deps: SenderDeps) {
    this.options = { ...DEFAULT_SENDER_OPTIONS, ...deps.options };
    this.pacer = new ChannelPacer(this.options.postIntervalMs);
    this.updates = new TokenBucket(this.options.updateBurst, this.options.updatesPerMinute);
    this.ephemerals = new TokenBucket(this.options.ephemeralBurst, this.options.ephemeralsPerMinute);
  }

  register(runner: JobRunner): void {
    runner.register(SLACK_JOBS.postCard, (payload, job) => this.postCard(payload, job));
    runner.register(SLACK_JOBS.lane, (payload) => this.lane(payload));
    runner.register(SLACK_JOBS.updateCard, (payload) => this.updateCard(payload));
    runner.register(SLACK_JOBS.threadPost, (payload, job) => this.threadPost(payload, job));
    runner.register(SLACK_JOBS.message, (payload, job) => this.message(payload, job));
    runner.register(SLACK_JOBS.ephemeral, (payload) => this.ephemeral(payload));
    runner.register(SLACK_JOBS.respond, (payload) => this.respond(payload));
  }

  private async enqueue(jobs: NewJob[]): Promise<void> {
    await this.deps.store.enqueue(jobs, this.deps.clock.now());
  }

  /** Waits for this job's slot in the channel and sends; a far slot sends the job back to the table. */
  private async paced<T>(job: Job, channel: string, send: () => Promise<T>): Promise<T> {
    const { clock } = this.deps;
    let now = clock.now();
    this.bookings.prune(now - 60_000, this.pacer);
    const booking = this.bookings.get(job.id);
    this.bookings.delete(job.id);
    let slot: number;
    if (booking && booking.channel === channel && now - booking.slot <= this.pacer.intervalMs) {
      slot = booking.slot;
    } else {
      if (booking) this.pacer.cancel(booking.channel, booking.slot);
      slot = this.pacer.book(channel, now);
    }
    if (slot - now > this.options.maxInlineWaitMs) {
      this.bookings.set(job.id, channel, slot);
      throw new RetryAfter(slot - now - this.options.maxInlineWaitMs / 2, `pacing posts in ${channel}`);
    }
    now = clock.now();
    const at = this.pacer.sendAt(channel, now, slot);
    if (at > now) await sleep(at - now);
    return this.sendWithPause(channel, send);
  }

  /** A 429 despite pacing (another app, another replica) holds the whole channel back, not just this job. */
  private async sendWithPause<T>(channel: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof RetryAfter) this.pacer.pauseUntil(channel, this.deps.clock.now() + error.delayMs);
      throw error;
    }
  }

  /**
   * Books a token, waiting in place only when it is free soon; otherwise the job goes back to the table so
   * it does not hold one of the runner's slots while others (ingest, other channels) wait.
   */
  private async fromBucket(bucket: TokenBucket, what: string): Promise<void> {
    const booking = bucket.reserve(this.deps.clock.now(), this.options.maxInlineWaitMs);
    if (!booking.booked) throw new RetryAfter(booking.retryInMs, `pacing ${what}`);
    if (booking.waitMs > 0) await sleep(booking.waitMs);
  }

  // ---- new cards: the per-channel lane ------------------------------------------------------------------

  /**
   * The durable promise that a card will be posted. The lane posts it; this job only checks now and then
   * that the card is out, and wakes the lane if it is not.
   */
  private async postCard(payload: unknown, job: Job): Promise<void> {
    const { episodeId, channel } = parse(postCardPayload, payload, SLACK_JOBS.postCard);
    const { store } = this.deps;
    if (await store.posts.get(episodeId, 'slack', channel)) return;
    if (!(await store.episodes.get(episodeId))) {
      this.deps.logger.warn({ episodeId, jobId: job.id }, 'slack: no such episode; its card is not posted');
      return;
    }
    const failure = this.failedCards.get(`${episodeId}:${channel}`);
    if (failure) throw new PermanentFailure(failure);
    await this.enqueue([laneJob(channel)]);
    throw new RetryAfter(this.options.postCheckMs, 'waiting for the channel lane to post the card');
  }

  /** Cards queued for a channel and not posted yet, oldest first. */
  async waitingCards(channel: string): Promise<WaitingCard[]> {
    const { store } = this.deps;
    const [pending, running] = await Promise.all([
      store.jobs.list({ kind: SLACK_JOBS.postCard, status: 'pending' }),
      store.jobs.list({ kind: SLACK_JOBS.postCard, status: 'running' }),
    ]);
    const byEpisode = new Map<string, WaitingCard & { id: number }>();
    for (const job of [...pending, ...running]) {
      const parsed = postCardPayload.safeParse(job.payload);
      if (!parsed.success || parsed.data.channel !== channel) continue;
      if (this.failedCards.has(`${parsed.data.episodeId}:${channel}`)) continue;
      const known = byEpisode.get(parsed.data.episodeId);
      if (!known || job.createdAt < known.queuedAt)
        byEpisode.set(parsed.data.episodeId, {
          episodeId: parsed.data.episodeId,
          queuedAt: job.createdAt,
          id: job.id,
        });
    }
    if (byEpisode.size === 0) return [];
    const posted = new Set(
      (await store.posts.listForEpisodes([...byEpisode.keys()]))
        .filter((p) => p.surface === 'slack' && p.channel === channel)
        .map((p) => p.episodeId),
    );
    return [...byEpisode.values()]
      .filter((w) => !posted.has(w.episodeId))
      .sort((a, b) => a.queuedAt - b.queuedAt || a.id - b.id)
      .map(({ episodeId, queuedAt }) => ({ episodeId, queuedAt }));
  }

  private digestKey(channel: string): string {
    return `slack.digest:${channel}`;
  }

  private async loadDigest(channel: string): Promise<DigestState | null> {
    const text = await this.deps.store.cursors.get(this.digestKey(channel));
    if (!text) return null;
    try {
      const state = JSON.parse(text) as DigestState | null;
      return state && typeof state.headTs === 'string' ? state : null;
    } catch {
      return null;
    }
  }

  private async saveDigest(channel: string, state: DigestState | null): Promise<void> {
    await this.deps.store.cursors.set(this.digestKey(channel), JSON.stringify(state), this.deps.clock.now());
  }

  /** One channel's lane: posts cards in order, one per slot, and keeps the storm digest. */
  private async lane(payload: unknown): Promise<void> {
    const { channel } = parse(lanePayload, payload, SLACK_JOBS.lane);
    const { store, clock, workerId } = this.deps;
    const leaseName = `slack.lane:${channel}`;
    await this.serial.run(leaseName, async () => {
      // Two replicas never run one channel's lane at once, so they never post its cards twice.
      if (!(await store.leases.acquire(leaseName, workerId, this.options.laneRunMs * 6, clock.now()))) {
        throw new RetryAfter(this.options.postIntervalMs, 'another replica is posting in this channel');
      }
      try {
        await this.runLane(channel);
      } finally {
        await store.leases.release(leaseName, workerId);
      }
    });
  }

  private async runLane(channel: string): Promise<void> {
    const { clock, api } = this.deps;
    const deadline = clock.now() + this.options.laneRunMs;
    for (;;) {
      let now = clock.now();
      let waiting = await this.waitingCards(channel);
      let digest = await this.loadDigest(channel);
      let step = nextLaneStep(waiting, digest, now, this.options.lane);
      if (step.kind === 'idle') return;

      if (digest && step.kind !== 'digest_close' && headNeedsRefresh(digest, waiting.length, now)) {
        // Best effort: the count on the digest message; the thread already lists every call.
        if (this.updates.take(now) === 0) {
          await api.update({
            channel,
            ts: digest.headTs,
            text: digestHeadText(waiting.length, digest.recent),
          });
          digest = refreshedDigest(digest, waiting.length, now);
          await this.saveDigest(channel, digest);
        }
      }

      if (step.kind === 'digest_close' && digest) {
        const wait = this.updates.take(now);
        if (wait > 0) {
          await this.enqueue([laneJob(channel, now + wait)]);
          return;
        }
        await api.update({
          channel,
          ts: digest.headTs,
          text: digestClosedText(digest.listed.length, digest.startedAt, now, this.deps.routing.timezone),
        });
        await this.saveDigest(channel, null);
        continue;
      }

      const slot = this.pacer.book(channel, now);
      if (slot - now > this.options.maxInlineWaitMs || slot > deadline) {
        this.pacer.cancel(channel, slot);
        await this.enqueue([laneJob(channel, Math.max(now, slot - this.options.maxInlineWaitMs / 2))]);
        return;
      }
      now = clock.now();
      const at = this.pacer.sendAt(channel, now, slot);
      if (at > now) {
        await sleep(at - now);
        // Decide with what is true when the slot comes: calls that arrived meanwhile are listed now.
        now = clock.now();
        waiting = await this.waitingCards(channel);
        digest = await this.loadDigest(channel);
        step = nextLaneStep(waiting, digest, now, this.options.lane);
      }

      switch (step.kind) {
        case 'post_card':
          await this.postCardNow(channel, step.episodeId);
          break;
        case 'digest_open': {
          const lines = await this.digestLines(step.episodeIds);
          const ts = await this.sendWithPause(channel, () =>
            api.postMessage({ channel, text: digestHeadText(waiting.length, lines) }),
          );
          await this.saveDigest(
            channel,
            openedDigest(ts, waiting.length, lines, clock.now(), this.options.lane),
          );
          break;
        }
        case 'digest_list': {
          if (!digest) break;
          const lines = await this.digestLines(step.episodeIds);
          const headTs = digest.headTs;
          await this.sendWithPause(channel, () =>
            api.postMessage({ channel, text: digestListText(lines), threadTs: headTs }),
          );
          await this.saveDigest(channel, listedInDigest(digest, step.episodeIds, lines, clock.now()));
          break;
        }
        case 'digest_close':
        case 'idle':
          // Nothing to post after all: the slot was used by nobody, which only costs a little time.
          break;
      }
    }
  }

  private async digestLines(episodeIds: string[]): Promise<string[]> {
    const lines: string[] = [];
    for (const id of episodeIds) {
      const episode = await this.deps.store.episodes.get(id);
      if (episode) lines.push(digestLine(this.deps, episode));
    }
    return lines;
  }

  /** Posts one card now (the lane already waited for the slot) and remembers where it is. */
  private async postCardNow(channel: string, episodeId: string): Promise<void> {
    const { store, clock, api, logger } = this.deps;
    const episode = await store.episodes.get(episodeId);
    if (!episode) {
      this.failedCards.set(`${episodeId}:${channel}`, `episode ${episodeId} no longer exists`);
      return;
    }
    const details = parseDetails(await store.episodes.getDetails(episodeId));
    const message = renderCard(this.deps, episode, details, clock.now());
    let ts: string;
    try {
      ts = await this.sendWithPause(channel, () =>
        api.postMessage({ channel, text: message.text, blocks: message.blocks }),
      );
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      // One card Slack refuses must not hold the channel's other cards back.
      logger.error({ episodeId, channel, error: error.message }, `slack: card not posted: ${error.message}`);
      this.failedCards.set(`${episodeId}:${channel}`, error.message);
      return;
    }
    const now = clock.now();
    await store.posts.upsert({ episodeId, surface: 'slack', channel, ref: ts, threadRef: ts }, now);
    // A click that landed while the card was on its way changed nothing on it yet.
    const current = await store.episodes.get(episodeId);
    if (current && current.version !== episode.version) await this.enqueue([updateCardJob(episodeId)]);
  }

  // ---- updates, thread lines, messages ------------------------------------------------------------------

  private async updateCard(payload: unknown): Promise<void> {
    const { episodeId } = parse(updateCardPayload, payload, SLACK_JOBS.updateCard);
    // Two updates of one card never race: the later one always renders the later state last.
    await this.serial.run(`update:${episodeId}`, async () => {
      const { store, clock, api, logger } = this.deps;
      const posts = (await store.posts.listForEpisode(episodeId)).filter((p) => p.surface === 'slack');
      // A card not posted yet is rendered from the current state when it is.
      if (posts.length === 0) return;
      const episode = await store.episodes.get(episodeId);
      if (!episode) return;
      const details = parseDetails(await store.episodes.getDetails(episodeId));
      for (const post of posts) {
        await this.fromBucket(this.updates, 'chat.update');
        const message = renderCard(this.deps, episode, details, clock.now());
        try {
          await api.update({
            channel: post.channel,
            ts: post.ref,
            text: message.text,
            blocks: message.blocks,
          });
        } catch (error) {
          if (!(error instanceof PermanentFailure)) throw error;
          logger.warn({ episodeId, channel: post.channel, error: error.message }, 'slack: card not updated');
        }
      }
    });
  }

  private async threadPost(payload: unknown, job: Job): Promise<void> {
    const { episodeId, channel, text } = parse(threadPostPayload, payload, SLACK_JOBS.threadPost);
    const { store, clock } = this.deps;
    if (!channel) {
      // One job per channel, so a pause in one channel never repeats the line in another.
      const episode = await store.episodes.get(episodeId);
      if (!episode) return;
      const posted = (await store.posts.listForEpisode(episodeId)).filter((p) => p.surface === 'slack');
      const channels = new Set([
        ...slackChannelsFor(this.deps.routing, episode.line),
        ...posted.map((p) => p.channel),
      ]);
      await this.enqueue(
        [...channels].map((c) => ({
          kind: SLACK_JOBS.threadPost,
          payload: { episodeId, channel: c, text },
          dedupeKey: `slack.fanout:${job.id}:${c}`,
        })),
      );
      return;
    }
    await this.serial.run(`thread:${episodeId}:${channel}`, async () => {
      const post = await store.posts.get(episodeId, 'slack', channel);
      if (!post) {
        if (!(await store.episodes.get(episodeId))) return;
        const age = clock.now() - job.createdAt;
        if (age > this.options.threadGiveUpMs) {
          throw new PermanentFailure(`the card of ${episodeId} was never posted in ${channel}`);
        }
        // The card is still queued (a storm): come back later, less often the longer it takes.
        throw new RetryAfter(Math.min(30_000, Math.max(2_000, age / 4)), 'waiting for the card to be posted');
      }
      const threadTs = post.threadRef ?? post.ref;
      await this.paced(job, channel, () => this.deps.api.postMessage({ channel, text, threadTs }));
    });
  }

  private async message(payload: unknown, job: Job): Promise<void> {
    const parsed = parse(messagePayload, payload, SLACK_JOBS.message);
    const { store, api, logger } = this.deps;
    let text = parsed.text;
    if (parsed.episodeId && !parsed.blocks) {
      const post = (await store.posts.listForEpisode(parsed.episodeId)).find((p) => p.surface === 'slack');
      if (post) {
        try {
          const permalink = await api.permalink(post.channel, post.ref);
          if (permalink) text = `${text}\n${link(permalink, 'Open the card')}`;
        } catch (error) {
          logger.debug({ err: error }, 'slack: no permalink for the card; the notice goes without it');
        }
      }
    }
    const blocks = parsed.blocks as Block[] | undefined;
    await this.paced(job, parsed.channel, () =>
      api.postMessage({ channel: parsed.channel, text, ...(blocks ? { blocks } : {}) }),
    );
  }

  private async ephemeral(payload: unknown): Promise<void> {
    const message = parse(ephemeralPayload, payload, SLACK_JOBS.ephemeral);
    await this.fromBucket(this.ephemerals, 'chat.postEphemeral');
    await this.deps.api.postEphemeral(message);
  }

  /** A slash-command answer, POSTed to the response_url Slack gave with the (signed) command. */
  private async respond(payload: unknown): Promise<void> {
    const answer = parse(respondPayload, payload, SLACK_JOBS.respond);
    const url = new URL(answer.responseUrl);
    if (!this.deps.responseOrigins.includes(url.origin)) {
      throw new PermanentFailure(`response_url ${url.origin} is not a Slack address`);
    }
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: answer.public ? 'in_channel' : 'ephemeral',
        replace_original: false,
        text: answer.text,
        ...(answer.blocks ? { blocks: answer.blocks } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return;
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      throw new RetryAfter(
        (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000,
        'response_url rate limited',
      );
    }
    if (response.status >= 400 && response.status < 500) {
      throw new PermanentFailure(
        `response_url answered ${response.status} (expired after 30 minutes or 5 uses)`,
      );
    }
    throw new Error(`response_url answered ${response.status}`);
  }
}
