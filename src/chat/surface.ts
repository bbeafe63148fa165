/**
 * A chat surface (Slack, Teams, …) as the rest of Ringback sees it: it renders the card model and posts,
 * updates and replies under it, sends messages, and words things in its own markup. What every surface
 * shares is written once above it, in src/chat: the card outbox (post once, update every copy, one more
 * update when a change landed while the card was on its way), thread lines that wait for their card, the
 * notices, the command answers and the pacing. A surface's send methods are raw: they map the vendor's
 * refusals to RetryAfter (come back later) or PermanentFailure (no retry helps) and pace through `pace`.
 */
import type { Summary } from '../domain/summary.js';
import type { Actor, Episode } from '../domain/types.js';
import type { NewJob } from '../store/jobs.js';
import type { Post } from '../store/posts.js';
import type { CommandResult } from './commands.js';
import type { Address, MessagePayload } from './jobs.js';
import type { Pace, PacingTable } from './pacing.js';

export interface PostedCard {
  /** The message's id on the surface (Slack ts, Teams activity id). */
  ref: string;
  /** Where its thread lives, when that differs from `ref` (Teams: the `;messageid=` conversation id). */
  threadRef: string | null;
  /** Digest of the card as posted (chat/cardDigest.ts), when only the surface's updates ever change it. */
  shownDigest?: string;
}

/** The surface's markup, for words written above it (timeline lines, notices, outside text). */
export interface SurfaceMarkup {
  /** People's text made inert: no markup, no mentions, no links of its own. */
  escape(text: string): string;
  /** A person's name in a timeline line (bold, escaped). */
  who(name: string): string;
  /** Between two lines of one message. */
  lineBreak: string;
  /** Text from outside the chat with its author ("Marie via Zendesk: …"), both escaped. */
  quote(author: string, text: string): string;
}

/** Who a notice that is not a thread line is for. */
export type Audience =
  /** The managers' channel of the surface, else the managers privately. */
  | { kind: 'managers_channel' }
  /** The routing file's managers, privately. */
  | { kind: 'managers' }
  /** These people, privately, when the surface can reach them. */
  | { kind: 'people'; people: Actor[] };

/** A message the surface renders for a command answer or a summary: text plus its own rich content. */
export interface RenderedMessage {
  /** In the surface's markup. */
  text: string;
  /** Slack blocks, a Teams Adaptive Card…; absent for plain text. */
  rich?: unknown;
  /** For the channel rather than only the asker. */
  public?: boolean;
}

export interface SummaryOptions {
  timezone: string;
  title: string;
  now: number;
  lineCountry?: string;
  /**
   * Posted where not every reader is an agent (`/ringback summary … public`, typed in any channel): the
   * oldest open call is named by its line and age, not by its caller's number.
   */
  withoutCallers?: boolean;
}

/** How a surface posts its new cards when it does not post each one from its own job. */
export interface CardLane {
  /** The job that wakes the channel's lane (coalesced): the lane posts its queued cards in its own order. */
  wake(channel: string): NewJob;
}

export interface ChatSurface {
  /** `slack`, `teams`…: the surface of its posts and the prefix of its job kinds. */
  readonly name: string;
  /** The channels the routing file names for a line on this surface (none: the line is not here). */
  channelsFor(line: string): string[];
  readonly markup: SurfaceMarkup;
  /** The vendor's limits: windows per channel or conversation, buckets for workspace-wide tiers. */
  readonly pacing: PacingTable;
  /** Present when new cards go through a lane per channel (Slack's storm queue message) instead of a job each. */
  readonly cardLane?: CardLane;

  /** Renders the card of `episode` as it is now and posts it in `channel`. */
  postCard(episode: Episode, channel: string, pace: Pace): Promise<PostedCard>;
  /**
   * The card of `episode` already in `channel`, posted at or after `since` (ms; allow for clock skew), or null
   * when there is none or the surface cannot tell. Why: the outbox records each attempt before posting and
   * stores the post only after the vendor answers, so a process killed in between leaves a card posted but
   * unrecorded; before posting again, the next attempt asks here and stores the card it finds instead of
   * posting a duplicate. Optional: without it a card is posted again after such a crash. Must not throw:
   * null on any doubt (a duplicate card is better than a lost one). Slack implements it (conversations.history);
   * Teams does not, so a Teams card can still be posted twice after such a crash.
   */
  findPostedCard?(episode: Episode, channel: string, since: number): Promise<PostedCard | null>;
  /**
   * Renders the card of `episode` as it is now over one posted copy. A surface whose cards change only
   * through these updates returns the digest of what the copy shows now and sends nothing when it equals
   * `post.shownDigest`; one whose cards change otherwise too (Teams: a click's answer can replace the card)
   * returns undefined and always sends.
   */
  updateCard(episode: Episode, post: Post, pace: Pace): Promise<string | undefined>;
  /** Every copy shows this version now (or none is posted yet); Teams answers a click after this. */
  cardShown?(episode: Episode): void;
  /** A message in the thread under a posted card; `mention` is the routing file's `notify` words. */
  replyInThread(post: Post, text: string, mention: string | null, pace: Pace): Promise<void>;
  /** A message to a channel or to people. */
  sendMessage(message: MessagePayload, pace: Pace): Promise<void>;

  /** Where a notice for this audience goes on this surface (none: it cannot reach them). */
  addressesFor(audience: Audience): Address[];
  /** A summary (scheduled, or asked for) in this surface's form. */
  renderSummary(summary: Summary, options: SummaryOptions): RenderedMessage;
  /** The answer to a command, in this surface's words. */
  renderAnswer(result: CommandResult): RenderedMessage;
}
