/**
 * The `slack.lane` job: one channel's queued cards (store/cardQueue.ts), posted in order, one per slot,
 * with the storm digest when calls come faster than Slack lets us post (lane.ts decides which). Posting a
 * card itself is the shared outbox's (src/chat/outbox.ts); this file only orders and paces the channel.
 */
import type { ChatOutbox } from '../../chat/outbox.js';
import type { Env } from '../../config/env.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure } from '../../jobs/errors.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import { laneJob, laneKind } from './jobKinds.js';
import {
  type DigestState,
  headNeedsRefresh,
  listedInDigest,
  nextLaneStep,
  openedDigest,
  refreshedDigest,
  type WaitingCard,
} from './lane.js';
import { digestClosedText, digestHeadText, digestLine, digestListText } from './render.js';
import { type SenderOptions, SLACK_BUCKETS } from './settings.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface LaneRunnerDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  env: Env;
  outbox: ChatOutbox;
  options: SenderOptions;
}

export class LaneRunner {
  constructor(private readonly deps: LaneRunnerDeps) {}

  register(runner: JobRunner): void {
    runner.handle(laneKind, ({ channel }) => this.runLane(channel));
  }

  /** Cards queued for a channel and not posted yet, oldest first. */
  waitingCards(channel: string): Promise<WaitingCard[]> {
    return this.deps.store.cardQueue.waiting('slack', channel);
  }

  /** After a restart: every channel with cards still queued gets its lane going again. */
  async wakeWaitingLanes(): Promise<void> {
    const channels = await this.deps.store.cardQueue.channelsWaiting('slack');
    await this.deps.store.enqueue(
      channels.map((channel) => laneJob(channel)),
      this.deps.clock.now(),
    );
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

  private async enqueueLane(channel: string, runAt: number): Promise<void> {
    await this.deps.store.enqueue([laneJob(channel, runAt)], this.deps.clock.now());
  }

  private async runLane(channel: string): Promise<void> {
    const { clock, api, outbox, options } = this.deps;
    const pacer = outbox.pacing.pacer;
    const updates = outbox.pacing.bucket(SLACK_BUCKETS.update);
    const deadline = clock.now() + options.laneRunMs;
    for (;;) {
      let now = clock.now();
      let waiting = await this.waitingCards(channel);
      let digest = await this.loadDigest(channel);
      let step = nextLaneStep(waiting, digest, now, options.lane);
      if (step.kind === 'idle') return;

      if (digest && step.kind !== 'digest_close' && headNeedsRefresh(digest, waiting.length, now)) {
        // Best effort: the count on the digest message; the thread already lists every call.
        if (updates.take(now) === 0) {
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
        const wait = updates.take(now);
        if (wait > 0) {
          await this.enqueueLane(channel, now + wait);
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

      const slot = pacer.book(channel, now);
      if (slot - now > options.maxInlineWaitMs || slot > deadline) {
        pacer.cancel(channel, slot);
        await this.enqueueLane(channel, Math.max(now, slot - options.maxInlineWaitMs / 2));
        return;
      }
      now = clock.now();
      const at = pacer.sendAt(channel, now, slot);
      if (at > now) {
        await sleep(at - now);
        // Decide with what is true when the slot comes: calls that arrived meanwhile are listed now.
        now = clock.now();
        waiting = await this.waitingCards(channel);
        digest = await this.loadDigest(channel);
        step = nextLaneStep(waiting, digest, now, options.lane);
      }
      await this.take(step, channel, waiting.length, digest);
    }
  }

  /** Uses the slot the lane waited for. */
  private async take(
    step: ReturnType<typeof nextLaneStep>,
    channel: string,
    waitingCount: number,
    digest: DigestState | null,
  ): Promise<void> {
    const { clock, api, outbox, options } = this.deps;
    const pace = outbox.pacing.slotTaken();
    switch (step.kind) {
      case 'post_card':
        try {
          await outbox.deliverQueuedCard(step.episodeId, channel, pace);
        } catch (error) {
          // One card Slack refuses is stored as failed; it must not hold the channel's other cards back.
          if (!(error instanceof PermanentFailure)) throw error;
        }
        return;
      case 'digest_open': {
        const lines = await this.digestLines(step.episodeIds);
        const ts = await pace.send(channel, () =>
          api.postMessage({ channel, text: digestHeadText(waitingCount, lines) }),
        );
        await this.saveDigest(channel, openedDigest(ts, waitingCount, lines, clock.now(), options.lane));
        return;
      }
      case 'digest_list': {
        if (!digest) return;
        const lines = await this.digestLines(step.episodeIds);
        await pace.send(channel, () =>
          api.postMessage({ channel, text: digestListText(lines), threadTs: digest.headTs }),
        );
        await this.saveDigest(channel, listedInDigest(digest, step.episodeIds, lines, clock.now()));
        return;
      }
      case 'digest_close':
      case 'idle':
        // Nothing to post after all: the slot was used by nobody, which only costs a little time.
        return;
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
}
