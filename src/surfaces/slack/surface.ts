/**
 * Slack as a chat surface: Block Kit cards posted and updated through the Web API, threads under the card
 * message, mrkdwn, and Slack's limits (one post per second per channel, chat.update's workspace tier).
 * New cards go through the channel's lane (laneRunner.ts), which also keeps the storm queue message (claim next).
 */

import { lineNamed } from '../../app/routing.js';
import { cardDigest } from '../../chat/cardDigest.js';
import type { CommandResult } from '../../chat/commands.js';
import type { Address, MessagePayload } from '../../chat/jobs.js';
import type { Pace, PacingTable } from '../../chat/pacing.js';
import type {
  Audience,
  CardLane,
  ChatSurface,
  PostedCard,
  RenderedMessage,
  SummaryOptions,
  SurfaceMarkup,
} from '../../chat/surface.js';
import type { Env } from '../../config/env.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { parseDetails } from '../../domain/details.js';
import type { Summary } from '../../domain/summary.js';
import type { Episode } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import type { Post } from '../../store/posts.js';
import type { Store } from '../../store/store.js';
import { type SlackApi, SlackRateLimited } from './api.js';
import type { Block } from './blocks.js';
import { slackAnswer } from './command.js';
import { laneJob } from './jobKinds.js';
import { escapeMrkdwn, link, slackMention, truncate } from './mrkdwn.js';
import { slackRecipientOf, slackUserIds } from './peopleByEmail.js';
import { renderCard } from './render.js';
import { type SenderOptions, SLACK_BUCKETS } from './settings.js';
import { summaryMessage } from './summaryBlocks.js';

/**
 * Held back from each channel's post bucket for how much a post's way to Slack may vary. Slack counts
 * posts as they arrive: after a quiet spell its bucket stays full until a late post arrives, while ours
 * refills from the moment it went out, so a burst right after a post delayed by more than this margin gets
 * a 429 (test/unit/slack/pacer.test.ts). 50 ms is thin for a busy process or network (a simulation of
 * posts up to 300 ms late: 105 refusals in 2,000 drains at 50 ms, 7 at 250 ms). It costs a quarter of one
 * burst post, not the rate. A post answered later than this after it went out is counted from its answer
 * less the margin (WindowPacer.answered), so the next posts of the channel never rely on it alone.
 */
export const POST_MARGIN_MS = 250;

/** The block id of the card's title (blocks.ts), which names the episode. */
function cardTitleBlockId(episodeId: string): string {
  return truncate(`ringback.title:${episodeId}`, 255);
}

export const SLACK_MARKUP: SurfaceMarkup = {
  escape: escapeMrkdwn,
  who: (name) => `*${escapeMrkdwn(name)}*`,
  lineBreak: '\n',
  quote: (author, text) => `*${escapeMrkdwn(author)}:*\n${escapeMrkdwn(text)}`,
};

/** The Slack channels the routing file names for a line. */
export function slackChannelsFor(routing: RoutingConfig, line: string): string[] {
  const channel = lineNamed(routing, line)?.slack?.channel;
  return channel ? [channel] : [];
}

function withMention(text: string, mention: string | null | undefined): string {
  const slack = slackMention(mention);
  return slack ? `${slack} ${text}` : text;
}

export interface SlackSurfaceDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  logger: Logger;
  routing: RoutingConfig;
  env: Env;
  options: SenderOptions;
}

export class SlackChatSurface implements ChatSurface {
  readonly name = 'slack';
  readonly markup = SLACK_MARKUP;
  readonly pacing: PacingTable;
  readonly cardLane: CardLane = { wake: (channel) => laneJob(channel) };

  constructor(private readonly deps: SlackSurfaceDeps) {
    const { options } = deps;
    this.pacing = {
      // One post a second on average with short bursts: a bucket, so a channel fed at exactly that rate
      // catches up after one late post (a window of `postBurst` posts never did: each late post delayed
      // every later card by as much, the bench's steady p99 of 0.5 to 0.9 s).
      windows: [],
      keyBucket: { burst: options.postBurst, intervalMs: options.postIntervalMs, marginMs: POST_MARGIN_MS },
      buckets: {
        [SLACK_BUCKETS.update]: {
          burst: options.updateBurst,
          perMinute: options.updatesPerMinute,
          priority: { burst: options.queueUpdateBurst, perMinute: options.queueUpdatesPerMinute },
        },
        [SLACK_BUCKETS.ephemeral]: { burst: options.ephemeralBurst, perMinute: options.ephemeralsPerMinute },
      },
    };
  }

  channelsFor(line: string): string[] {
    return slackChannelsFor(this.deps.routing, line);
  }

  private async render(episode: Episode) {
    const details = parseDetails(await this.deps.store.episodes.getDetails(episode.id));
    return renderCard(this.deps, episode, details, this.deps.clock.now());
  }

  async postCard(episode: Episode, channel: string, pace: Pace): Promise<PostedCard> {
    const message = await this.render(episode);
    const ts = await pace.send(channel, () =>
      this.deps.api.postMessage({ channel, text: message.text, blocks: message.blocks }),
    );
    return { ref: ts, threadRef: ts, shownDigest: cardDigest(message) };
  }

  /**
   * The card of `episode` in `channel` posted since `since` (an attempt the process did not live to record):
   * the top-level message among the channel's latest 100 whose blocks carry the card's title block id.
   * A failed lookup answers null (the card is posted again: a duplicate is better than a lost card).
   */
  async findPostedCard(episode: Episode, channel: string, since: number): Promise<PostedCard | null> {
    const blockId = cardTitleBlockId(episode.id);
    try {
      const ts = await this.deps.api.findPostedSince(channel, since, (id) => id === blockId);
      return ts ? { ref: ts, threadRef: ts } : null;
    } catch (error) {
      this.deps.logger.warn(
        { err: error, episode: episode.id, channel },
        'slack: could not look for a card an earlier attempt may have posted; posting it again',
      );
      return null;
    }
  }

  /** Only these updates change a posted card (clicks answer in private or in the thread), so one that would show the same card is not sent. */
  async updateCard(episode: Episode, post: Post, pace: Pace): Promise<string> {
    const message = await this.render(episode);
    const digest = cardDigest(message);
    if (digest === post.shownDigest) return digest;
    await pace.token(SLACK_BUCKETS.update);
    try {
      await this.deps.api.update({
        channel: post.channel,
        ts: post.ref,
        text: message.text,
        blocks: message.blocks,
      });
    } catch (error) {
      if (error instanceof SlackRateLimited) await pace.bucketLimited(SLACK_BUCKETS.update, error.delayMs);
      throw error;
    }
    return digest;
  }

  async replyInThread(post: Post, text: string, mention: string | null, pace: Pace): Promise<void> {
    const threadTs = post.threadRef ?? post.ref;
    await pace.send(post.channel, () =>
      this.deps.api.postMessage({ channel: post.channel, text: withMention(text, mention), threadTs }),
    );
  }

  /** Channels (or people, whose DM channel id is their user id) a message goes to. */
  private targets(to: Address): string[] {
    switch (to.kind) {
      case 'channel':
        return [to.channel];
      case 'people':
        return [...new Set(to.people)];
      case 'managers':
        return [...new Set(this.deps.routing.managers.slack)];
    }
  }

  /** A notice about a call links its card when Slack can say where it is. */
  private async withCardLink(text: string, episodeId: string | null | undefined): Promise<string> {
    if (!episodeId) return text;
    const post = (await this.deps.store.posts.listForEpisode(episodeId)).find((p) => p.surface === 'slack');
    if (!post) return text;
    try {
      const permalink = await this.deps.api.permalink(post.channel, post.ref);
      return permalink ? `${text}\n${link(permalink, 'Open the card')}` : text;
    } catch (error) {
      this.deps.logger.debug({ err: error }, 'slack: no permalink for the card; the notice goes without it');
      return text;
    }
  }

  async sendMessage(message: MessagePayload, pace: Pace): Promise<void> {
    const blocks = message.rich as Block[] | undefined;
    const text = withMention(
      blocks ? message.text : await this.withCardLink(message.text, message.episodeId),
      message.mention,
    );
    // People known only by e-mail (a call claimed for its suggested agent) are found at send time.
    for (const channel of await slackUserIds(this.deps, this.targets(message.to))) {
      await pace.send(channel, () =>
        this.deps.api.postMessage({ channel, text, ...(blocks ? { blocks } : {}) }),
      );
    }
  }

  addressesFor(audience: Audience): Address[] {
    const { managers } = this.deps.routing;
    const privately = (users: string[]): Address[] =>
      // One message per person, so a pause for one never repeats the message to another.
      [...new Set(users)].map((user) => ({ kind: 'people', people: [user] }));
    switch (audience.kind) {
      case 'managers_channel':
        // Without a managers' channel the managers still hear it, privately.
        return managers.slackChannel
          ? [{ kind: 'channel', channel: managers.slackChannel }]
          : privately(managers.slack);
      case 'managers':
        return privately(managers.slack);
      case 'people':
        return privately(audience.people.map(slackRecipientOf).filter((id): id is string => id !== null));
    }
  }

  renderSummary(summary: Summary, options: SummaryOptions): RenderedMessage {
    const message = summaryMessage(summary, options);
    return { text: message.text, rich: message.blocks };
  }

  renderAnswer(result: CommandResult): RenderedMessage {
    return slackAnswer(result, null);
  }
}
