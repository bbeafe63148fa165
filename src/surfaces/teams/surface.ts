/**
 * Microsoft Teams as a chat surface: an Adaptive Card posted as a new conversation in the channel, replies
 * in its reply chain, personal chats for private messages, Teams markdown, and Teams' per-conversation bot
 * limits. Teams' refusals become the runner's terms here: a 429 (or a 503 with Retry-After) comes back
 * later and pauses the conversation, a 4xx no retry can fix ends the job.
 */

import { lineNamed } from '../../app/routing.js';
import type { CommandResult } from '../../chat/commands.js';
import type { Address, MessagePayload } from '../../chat/jobs.js';
import type { Pace, PacingTable, RateWindow } from '../../chat/pacing.js';
import type {
  Audience,
  ChatSurface,
  PostedCard,
  RenderedMessage,
  SummaryOptions,
  SurfaceMarkup,
} from '../../chat/surface.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Summary } from '../../domain/summary.js';
import type { Actor, Episode } from '../../domain/types.js';
import { PermanentFailure, RetryAfter } from '../../jobs/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Post } from '../../store/posts.js';
import type { TeamsChannel, TeamsMember, TeamsRepository } from '../../store/teams.js';
import { escapeMarkdown } from './card.js';
import type { TeamsCards } from './cards.js';
import { teamsAnswer } from './commands.js';
import {
  type ConversationTarget,
  type OutgoingMessage,
  TeamsApiError,
  type TeamsConnector,
} from './connector.js';
import type { CardDeliveries } from './deliveries.js';
import { summaryCard } from './summaryCard.js';

/** What Teams as a surface needs: its store, its cards, and the Bot Connector once the SDK is loaded. */
export interface TeamsSurfaceDeps {
  teams: TeamsRepository;
  cards: TeamsCards;
  connector: () => Promise<TeamsConnector>;
  deliveries: CardDeliveries;
  routing: RoutingConfig;
  clock: Clock;
  logger: Logger;
  /** A card had to wait for Teams' pace in this channel (the storm queue message watches the queue then). */
  onCardDelayed?: (channelId: string) => void;
}

/**
 * Per bot and conversation, Teams takes at most 7 messages in 1 s, 8 in 2 s, 60 in 30 s and 1,800 in an
 * hour (learn.microsoft.com "Optimize your bot: rate limiting and best practices in Microsoft Teams").
 */
export const TEAMS_CONVERSATION_LIMITS: RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1_800 },
];

/** A send booked for a time reaches Teams a little later, and a burst may arrive closer than booked. */
export const TEAMS_PACING_MARGIN_MS = 250;

// Teams shows a line break only between paragraphs.
export const TEAMS_MARKUP: SurfaceMarkup = {
  escape: escapeMarkdown,
  who: (name) => `**${escapeMarkdown(name)}**`,
  lineBreak: '\n\n',
  quote: (author, text) => `**${escapeMarkdown(author)}:** ${escapeMarkdown(text)}`,
};

/** The Teams channel the routing file names for a line, if any. */
export function teamsChannelFor(routing: RoutingConfig, line: string): string | null {
  return lineNamed(routing, line)?.teams?.channel ?? null;
}

/** Managers Teams could reach: Entra ids or e-mails of `managers.teams`, and `managers.emails`. */
function teamsManagers(routing: RoutingConfig): string[] {
  return [...routing.managers.teams, ...routing.managers.emails];
}

/** Who a direct message goes to, as Teams knows them: Entra object ids, Teams ids or e-mails. */
export function teamsRecipients(people: Actor[]): string[] {
  const keys: string[] = [];
  for (const person of people) {
    if (person.surface === 'teams') keys.push(person.id.replace(/^teams:/, ''));
    // Slack people hear it in Slack; people known only by e-mail are looked up among Teams users.
    else if (person.surface !== 'slack' && person.email) keys.push(person.email.toLowerCase());
  }
  return [...new Set(keys)];
}

/**
 * A person's display name inside `<at>…</at>`: no tags, entities or Markdown of their own, so a name like
 * `</at><at>Mia` or `**x**` cannot forge a mention or reformat the message.
 */
export function mentionName(name: string): string {
  const plain = name
    .replace(/[<>&*_[\]()#~`\\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === '' ? 'someone' : plain;
}

export function channelTarget(channel: TeamsChannel, conversationId: string): ConversationTarget {
  return {
    serviceUrl: channel.serviceUrl,
    conversationId,
    tenantId: channel.tenantId,
    botId: channel.botId,
    botName: channel.botName,
  };
}

/** A thread's conversation id as stored on the post (older rows may only have the root id). */
function threadIdOf(post: Post): string {
  return post.threadRef ?? `${post.channel};messageid=${post.ref}`;
}

/** The least wait after a 412; up to twice this with jitter. */
export const PRECONDITION_RETRY_MS = 1_000;

/** Teams' answer in the runner's terms. */
export async function toTeams<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof TeamsApiError)) throw error;
    if (error.status === 429 || (error.status === 503 && error.retryAfterMs !== null)) {
      throw new RetryAfter(Math.max(error.retryAfterMs ?? 1_000, 250), error.message);
    }
    // 412 PreconditionFailed is Teams' own contention on the conversation: Microsoft says to retry it with
    // jitter, so two replicas do not meet again at the same instant.
    if (error.status === 412) {
      throw new RetryAfter(
        PRECONDITION_RETRY_MS + Math.floor(Math.random() * PRECONDITION_RETRY_MS),
        error.message,
      );
    }
    // 401: the Bot Connector refuses the bot's own credentials (a rotated client secret), not this send:
    // retried until MicrosoftAppPassword is fixed, like an outage.
    const retried = error.status === 408 || error.status === 401;
    if (error.status !== null && error.status >= 400 && error.status < 500 && !retried) {
      throw new PermanentFailure(error.message);
    }
    throw error;
  }
}

export class TeamsChatSurface implements ChatSurface {
  readonly name = 'teams';
  readonly markup = TEAMS_MARKUP;
  readonly pacing: PacingTable = { windows: TEAMS_CONVERSATION_LIMITS, marginMs: TEAMS_PACING_MARGIN_MS };

  constructor(private readonly deps: TeamsSurfaceDeps) {}

  channelsFor(line: string): string[] {
    const channel = teamsChannelFor(this.deps.routing, line);
    return channel ? [channel] : [];
  }

  private async channelOrFail(channelId: string): Promise<TeamsChannel> {
    const channel = await this.deps.teams.getChannel(channelId);
    if (!channel) {
      // Retried with backoff: the admin may add the app to the team in the meantime.
      throw new Error(
        `Teams channel ${channelId} is not known to Ringback: add the Ringback app to its team (or @mention Ringback in the channel)`,
      );
    }
    return channel;
  }

  private async cardMessage(episode: Episode): Promise<OutgoingMessage> {
    const card = await this.deps.cards.forEveryone(episode);
    return { card, text: typeof card.fallbackText === 'string' ? card.fallbackText : undefined };
  }

  async postCard(episode: Episode, channelId: string, pace: Pace): Promise<PostedCard> {
    const channel = await this.channelOrFail(channelId);
    const message = await this.cardMessage(episode);
    const connector = await this.deps.connector();
    const posted = await pace
      .send(channel.channelId, () =>
        toTeams(() =>
          connector.postToChannel(
            { ...channelTarget(channel, channel.channelId), channelId: channel.channelId },
            message,
          ),
        ),
      )
      .catch((error: unknown) => {
        if (error instanceof RetryAfter) this.deps.onCardDelayed?.(channelId);
        throw error;
      });
    return { ref: posted.rootId, threadRef: posted.threadId };
  }

  /** Always sent: a click's answer can replace a Teams card, so what it shows is not known here. */
  async updateCard(episode: Episode, post: Post, pace: Pace): Promise<undefined> {
    const channel = await this.channelOrFail(post.channel);
    const message = await this.cardMessage(episode);
    const connector = await this.deps.connector();
    await pace.send(post.channel, () =>
      toTeams(() => connector.update(channelTarget(channel, threadIdOf(post)), post.ref, message)),
    );
    return undefined;
  }

  cardShown(episode: Episode): void {
    this.deps.deliveries.markDelivered(episode.id, episode.version);
  }

  /** `notify` words that name people Teams knows (e-mails, Entra ids) become real mentions. */
  private async mentionsFor(
    notify: string | null | undefined,
  ): Promise<{ prefix: string; mentions: { id: string; name: string }[] }> {
    if (!notify) return { prefix: '', mentions: [] };
    const words = notify.split(/[\s,]+/).filter((w) => w !== '' && !w.startsWith('<'));
    const members = await this.deps.teams.findMembers(words);
    // Someone Ringback never met, or forgot after the retention (a manager who never clicks), is looked up
    // in the teams' rosters, as for a private message: otherwise the step would name them without a ping.
    const unmet = words.filter(
      (word) =>
        namesAPerson(word) &&
        !members.some(
          (m) => m.userKey === word || m.mri === word || (m.email !== null && m.email === word.toLowerCase()),
        ),
    );
    if (unmet.length > 0) members.push(...(await this.fromRosters(await this.deps.connector(), unmet)));
    const mentions: { id: string; name: string }[] = [];
    const said: string[] = [];
    for (const word of words) {
      const member = members.find(
        (m) => m.userKey === word || m.mri === word || (m.email !== null && m.email === word.toLowerCase()),
      );
      if (member) {
        // The same safe name in the text and in the entity: Teams pairs them by that text.
        const name = mentionName(member.name);
        if (!mentions.some((m) => m.id === member.mri)) mentions.push({ id: member.mri, name });
        said.push(`<at>${name}</at>`);
      } else if (!/^@\w+$/.test(word)) {
        // Slack's @here and the like mean nothing in Teams; other words are said as they are.
        said.push(word);
      }
    }
    const mentioned = members.filter((m) => mentions.some((mention) => mention.id === m.mri));
    await this.deps.teams.markUsed(
      mentioned.map((m) => m.userKey),
      this.deps.clock.now(),
    );
    return { prefix: said.length > 0 ? `${said.join(' ')} ` : '', mentions };
  }

  async replyInThread(post: Post, text: string, mention: string | null, pace: Pace): Promise<void> {
    const channel = await this.channelOrFail(post.channel);
    const { prefix, mentions } = await this.mentionsFor(mention);
    const connector = await this.deps.connector();
    await pace.send(post.channel, () =>
      toTeams(() =>
        connector.send(channelTarget(channel, threadIdOf(post)), { text: `${prefix}${text}`, mentions }),
      ),
    );
  }

  async sendMessage(payload: MessagePayload, pace: Pace): Promise<void> {
    const { to } = payload;
    const { prefix, mentions } = await this.mentionsFor(payload.mention);
    const card = payload.rich as OutgoingMessage['card'] | undefined;
    const message: OutgoingMessage = card
      ? { text: `${prefix}${payload.text}`, card, mentions }
      : { text: `${prefix}${payload.text}`, mentions };
    const connector = await this.deps.connector();
    if (to.kind === 'channel') {
      const channel = await this.channelOrFail(to.channel);
      await pace.send(channel.channelId, () =>
        toTeams(() =>
          connector.postToChannel(
            { ...channelTarget(channel, channel.channelId), channelId: channel.channelId },
            message,
          ),
        ),
      );
      return;
    }
    const keys = to.kind === 'managers' ? teamsManagers(this.deps.routing) : to.people;
    const members = await this.deps.teams.findMembers(keys);
    const unknown = keys.filter(
      (k) => !members.some((m) => m.userKey === k || m.mri === k || m.email === k.toLowerCase()),
    );
    await this.deps.teams.markUsed(
      members.map((m) => m.userKey),
      this.deps.clock.now(),
    );
    if (unknown.length > 0) members.push(...(await this.fromRosters(connector, unknown)));
    const seen = new Set<string>();
    for (const member of members) {
      if (seen.has(member.mri)) continue;
      seen.add(member.mri);
      const conversationId = await this.personalChat(connector, member, pace);
      const target = {
        serviceUrl: member.serviceUrl,
        conversationId,
        tenantId: member.tenantId,
        botId: member.botId,
        botName: null,
      };
      // Mentions only mean something in shared conversations.
      await pace.send(conversationId, () =>
        toTeams(() => connector.send(target, { ...message, text: payload.text, mentions: [] })),
      );
    }
  }

  /** People Ringback has not met in Teams yet, looked up in the rosters of the teams it is in. */
  private async fromRosters(connector: TeamsConnector, keys: string[]): Promise<TeamsMember[]> {
    const { teams, clock, logger } = this.deps;
    const teamsById = new Map((await teams.listChannels()).map((c) => [c.teamId, c] as const));
    const found: TeamsMember[] = [];
    for (const key of keys) {
      let member: TeamsMember | null = null;
      for (const channel of teamsById.values()) {
        const person = await connector.findMember(channel.serviceUrl, channel.teamId, key);
        if (!person) continue;
        member = {
          userKey: person.aadObjectId ?? person.id,
          mri: person.id,
          aadObjectId: person.aadObjectId,
          name: person.name,
          email: person.email,
          tenantId: channel.tenantId,
          serviceUrl: channel.serviceUrl,
          botId: channel.botId,
          personalConversationId: null,
          rosterCheckedAt: clock.now(),
        };
        await teams.saveMember(member, clock.now());
        break;
      }
      if (member) found.push(member);
      else
        logger.info(
          { person: key },
          'teams: a person to message is in none of the teams Ringback is in; skipped',
        );
    }
    return found;
  }

  private async personalChat(connector: TeamsConnector, member: TeamsMember, pace: Pace): Promise<string> {
    if (member.personalConversationId) return member.personalConversationId;
    const conversationId = await pace.send(`create:${member.mri}`, () =>
      toTeams(() =>
        connector.openPersonalChat({
          serviceUrl: member.serviceUrl,
          tenantId: member.tenantId,
          botId: member.botId,
          botName: null,
          userId: member.mri,
        }),
      ),
    );
    await this.deps.teams.saveMember(
      { ...member, personalConversationId: conversationId },
      this.deps.clock.now(),
    );
    return conversationId;
  }

  addressesFor(audience: Audience): Address[] {
    const { routing } = this.deps;
    const managers = teamsManagers(routing);
    const privately = (people: string[]): Address[] =>
      // One message per person, as on Slack: a pause or a refusal for one never repeats the message to the
      // people before them, nor keeps it from the people after.
      [...new Set(people)].map((person) => ({ kind: 'people', people: [person] }));
    switch (audience.kind) {
      case 'managers_channel':
        // Without a managers' channel the managers still hear it, privately.
        return routing.managers.teamsChannel
          ? [{ kind: 'channel', channel: routing.managers.teamsChannel }]
          : privately(managers);
      case 'managers':
        return privately(managers);
      case 'people':
        return privately(teamsRecipients(audience.people));
    }
  }

  renderSummary(summary: Summary, options: SummaryOptions): RenderedMessage {
    return { text: escapeMarkdown(options.title), rich: summaryCard(summary, options) };
  }

  renderAnswer(result: CommandResult): RenderedMessage {
    const answer = teamsAnswer(result);
    return answer.card ? { text: answer.text, rich: answer.card } : { text: answer.text };
  }
}

/**
 * A `notify` word that can name a person in a roster: an e-mail, an Entra object id or a Teams id. Other
 * words (`@here`, free text) are never looked up, so they cost no request.
 */
function namesAPerson(word: string): boolean {
  return (
    /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(word) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(word) ||
    /^\d+:\S+$/.test(word)
  );
}
