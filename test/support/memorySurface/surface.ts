/**
 * A third chat surface that lives in memory: cards are plain text, threads are arrays, clicks are method
 * calls. It implements the ChatSurface interface and registers through registerChatSurface like Slack and
 * Teams, and nothing outside this folder knows it exists: the proof that a new surface is one folder.
 * It lives under test/ because it talks to no one; a real surface would sit in src/surfaces/<name>/.
 */
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { type ActDeps, type ActResult, actOnCard, type CardAction } from '../../../src/app/act.js';
import { cardModelFor } from '../../../src/app/card.js';
import type { CommandResult } from '../../../src/chat/commands.js';
import type { Address, MessagePayload } from '../../../src/chat/jobs.js';
import type { Pace, PacingTable } from '../../../src/chat/pacing.js';
import { registerChatSurface } from '../../../src/chat/register.js';
import type {
  Audience,
  ChatSurface,
  PostedCard,
  RenderedMessage,
  SummaryOptions,
  SurfaceMarkup,
} from '../../../src/chat/surface.js';
import type { Env } from '../../../src/config/env.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import type { Clock } from '../../../src/domain/clock.js';
import { parseDetails } from '../../../src/domain/details.js';
import type { Summary } from '../../../src/domain/summary.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import type { Post } from '../../../src/store/posts.js';
import type { Store } from '../../../src/store/store.js';

/** One posted card: what it said each time it was posted or updated, and its thread. */
export interface MemoryCard {
  episodeId: string;
  channel: string;
  ref: string;
  versions: string[];
  thread: string[];
}

export interface MemorySurfaceOptions {
  /** The channels of each line on this surface (the routing file knows only Slack and Teams). */
  channels: Record<string, string[]>;
}

/** Plain text has no markup: nothing to escape, names as they are. */
const PLAIN: SurfaceMarkup = {
  escape: (text) => text,
  who: (name) => name,
  lineBreak: '\n',
  quote: (author, text) => `${author}: ${text}`,
};

interface MemoryDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  env: Env;
}

export class MemoryChatSurface implements ChatSurface {
  readonly name = 'memory';
  readonly markup = PLAIN;
  /** Ten sends a second per channel: a limit, so pacing is exercised, that no test waits on. */
  readonly pacing: PacingTable = { windows: [{ windowMs: 1_000, max: 10 }] };
  readonly cards: MemoryCard[] = [];
  readonly messages: { to: Address; text: string }[] = [];
  private refusals = 0;
  private readonly broken = new Set<string>();
  private deps: MemoryDeps | null = null;
  private act: ActDeps | null = null;

  constructor(private readonly options: MemorySurfaceOptions) {}

  /** The adapter that plugs this surface into a Ringback. */
  adapter(): RegisterAdapter {
    return (ctx) => {
      this.deps = { store: ctx.store, clock: ctx.clock, routing: ctx.config.routing, env: ctx.config.env };
      this.act = { commands: ctx.commands, directory: ctx.directory, routing: ctx.config.routing };
      registerChatSurface(ctx, this);
    };
  }

  private started(): MemoryDeps {
    if (!this.deps) throw new Error('the memory surface is not registered');
    return this.deps;
  }

  /** The next card post is refused with "come back in a second", as a vendor under load answers. */
  refuseNextPost(): void {
    this.refusals += 1;
  }

  /** Every card post to `channel` fails with an error worth retrying (the channel is unknown for now). */
  breakChannel(channel: string): void {
    this.broken.add(channel);
  }

  /** A person clicks a control on the card. */
  async click(episodeId: string, actor: Actor, action: CardAction): Promise<ActResult> {
    if (!this.act) throw new Error('the memory surface is not registered');
    return actOnCard(this.act, { episodeId, actor, action });
  }

  cardOf(episodeId: string): MemoryCard | undefined {
    return this.cards.find((card) => card.episodeId === episodeId);
  }

  channelsFor(line: string): string[] {
    return this.options.channels[line] ?? [];
  }

  private async render(episode: Episode): Promise<string> {
    const { store, clock, routing, env } = this.started();
    const details = parseDetails(await store.episodes.getDetails(episode.id));
    const model = cardModelFor({ routing, env }, episode, details, clock.now());
    return `${model.title} · ${model.statusText}`;
  }

  async postCard(episode: Episode, channel: string, pace: Pace): Promise<PostedCard> {
    if (this.refusals > 0) {
      this.refusals -= 1;
      throw new RetryAfter(1_000, 'the memory surface is busy');
    }
    if (this.broken.has(channel)) throw new Error(`memory channel ${channel} is not known`);
    const text = await this.render(episode);
    return pace.send(channel, async () => {
      const ref = `m${this.cards.length + 1}`;
      this.cards.push({ episodeId: episode.id, channel, ref, versions: [text], thread: [] });
      return { ref, threadRef: null };
    });
  }

  async updateCard(episode: Episode, post: Post, pace: Pace): Promise<undefined> {
    const text = await this.render(episode);
    const card = this.cards.find((c) => c.ref === post.ref);
    if (!card) throw new Error(`no card ${post.ref}`);
    await pace.send(post.channel, async () => {
      card.versions.push(text);
    });
    return undefined;
  }

  async replyInThread(post: Post, text: string, mention: string | null, pace: Pace): Promise<void> {
    const card = this.cards.find((c) => c.ref === post.ref);
    if (!card) throw new Error(`no card ${post.ref}`);
    await pace.send(post.channel, async () => {
      card.thread.push(mention ? `${mention} ${text}` : text);
    });
  }

  async sendMessage(message: MessagePayload, pace: Pace): Promise<void> {
    const key = message.to.kind === 'channel' ? message.to.channel : 'people';
    await pace.send(key, async () => {
      this.messages.push({ to: message.to, text: message.text });
    });
  }

  addressesFor(audience: Audience): Address[] {
    if (audience.kind !== 'people') return [];
    const people = audience.people.map((p) => p.email).filter((e): e is string => e !== null);
    return people.length > 0 ? [{ kind: 'people', people }] : [];
  }

  renderSummary(summary: Summary, options: SummaryOptions): RenderedMessage {
    return { text: `${options.title}: ${summary.totals.missedCalls} missed` };
  }

  renderAnswer(result: CommandResult): RenderedMessage {
    return { text: result.kind === 'calls' ? `${result.heading}: ${result.total}` : result.kind };
  }
}
