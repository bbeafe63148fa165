/**
 * The Teams job handlers: post a card, update every copy, reply in the reply chain, send notices. Each send
 * is paced per conversation (pacer.ts); a 429 pauses the conversation and hands the job back to the runner
 * with Teams' Retry-After; answers no retry can fix (a deleted message, a removed bot) end the job.
 */
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Episode } from '../../domain/types.js';
import { type JobHandler, PermanentFailure, RetryAfter } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import type { Job } from '../../store/jobs.js';
import type { Post } from '../../store/posts.js';
import type { Store } from '../../store/store.js';
import type { TeamsChannel, TeamsMember, TeamsRepository } from '../../store/teams.js';
import type { TeamsCards } from './cards.js';
import {
  type ConversationTarget,
  type OutgoingMessage,
  TeamsApiError,
  type TeamsConnector,
} from './connector.js';
import type { CardDeliveries } from './deliveries.js';
import {
  type MessagePayload,
  messagePayload,
  postCardPayload,
  TEAMS_JOBS,
  threadPostPayload,
  updateCardJob,
  updateCardPayload,
} from './jobKinds.js';
import type { ConversationPacer } from './pacer.js';
import { teamsChannelFor } from './planner.js';

/** A send waits in the handler for its slot up to this long; beyond, the job comes back at the slot. */
const MAX_INLINE_WAIT_MS = 1_500;
/** A reply for a card not posted yet waits for the card this long after the call, then is dropped. */
const THREAD_WAIT_FOR_CARD_MS = 10 * 60_000;

export interface TeamsSenderDeps {
  store: Store;
  teams: TeamsRepository;
  cards: TeamsCards;
  connector: () => Promise<TeamsConnector>;
  pacer: ConversationPacer;
  deliveries: CardDeliveries;
  routing: RoutingConfig;
  clock: Clock;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

function parse<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  payload: unknown,
  job: Job,
): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    throw new PermanentFailure(`${job.kind} job ${job.id}: bad payload: ${parsed.error.message}`);
  return parsed.data;
}

function channelTarget(channel: TeamsChannel, conversationId: string): ConversationTarget {
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

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TeamsSender {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: TeamsSenderDeps) {
    this.sleep = deps.sleep ?? realSleep;
  }

  handlers(): Record<string, JobHandler> {
    return {
      [TEAMS_JOBS.postCard]: (payload, job) => this.postCard(parse(postCardPayload, payload, job)),
      [TEAMS_JOBS.updateCard]: (payload, job) => this.updateCard(parse(updateCardPayload, payload, job)),
      [TEAMS_JOBS.threadPost]: (payload, job) => this.threadPost(parse(threadPostPayload, payload, job)),
      [TEAMS_JOBS.message]: (payload, job) => this.message(parse(messagePayload, payload, job)),
    };
  }

  /** Waits for the conversation's next slot, then sends; maps Teams' refusals to the runner's terms. */
  private async paced<T>(conversation: string, send: () => Promise<T>): Promise<T> {
    const { pacer, clock } = this.deps;
    const now = clock.now();
    const at = pacer.nextSlot(conversation, now);
    if (at - now > MAX_INLINE_WAIT_MS) throw new RetryAfter(at - now, `pacing ${conversation}`);
    pacer.record(conversation, at);
    if (at > now) await this.sleep(at - now);
    try {
      return await send();
    } catch (error) {
      if (
        error instanceof TeamsApiError &&
        (error.status === 429 || (error.status === 503 && error.retryAfterMs !== null))
      ) {
        const wait = Math.max(error.retryAfterMs ?? 1_000, 250);
        pacer.pauseUntil(conversation, clock.now() + wait);
        throw new RetryAfter(wait, error.message);
      }
      if (
        error instanceof TeamsApiError &&
        error.status !== null &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 408
      ) {
        throw new PermanentFailure(error.message);
      }
      throw error;
    }
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

  async postCard(payload: { episodeId: string; channel: string }): Promise<void> {
    const { store, cards, deliveries, clock, logger } = this.deps;
    const { episodeId } = payload;
    if (await store.posts.get(episodeId, 'teams', payload.channel)) return;
    const episode = await store.episodes.get(episodeId);
    if (!episode) throw new PermanentFailure(`episode ${episodeId} does not exist`);
    const channel = await this.channelOrFail(payload.channel);
    const card = await cards.forEveryone(episode);
    const connector = await this.deps.connector();
    const posted = await this.paced(channel.channelId, () =>
      connector.postToChannel(
        { ...channelTarget(channel, channel.channelId), channelId: channel.channelId },
        {
          card,
          text: typeof card.fallbackText === 'string' ? card.fallbackText : undefined,
        },
      ),
    );
    const now = clock.now();
    await store.transaction(async (repos) => {
      await repos.posts.upsert(
        {
          episodeId,
          surface: 'teams',
          channel: channel.channelId,
          ref: posted.rootId,
          threadRef: posted.threadId,
        },
        now,
      );
      // A change that landed while the card was on its way is shown by one more update.
      const current = await repos.episodes.get(episodeId);
      if (current && current.version !== episode.version)
        await repos.enqueue([updateCardJob(episodeId)], now);
    });
    deliveries.markDelivered(episodeId, episode.version);
    logger.info(
      { episode: episodeId, channel: channel.channelId, activity: posted.rootId },
      'teams: card posted',
    );
  }

  async updateCard(payload: { episodeId: string }): Promise<void> {
    const { store, cards, deliveries, logger } = this.deps;
    const posts = (await store.posts.listForEpisode(payload.episodeId)).filter((p) => p.surface === 'teams');
    const episode = await store.episodes.get(payload.episodeId);
    if (!episode) throw new PermanentFailure(`episode ${payload.episodeId} does not exist`);
    if (posts.length === 0) {
      // Not posted yet: the post job renders the current state when it runs.
      deliveries.markDelivered(episode.id, episode.version);
      return;
    }
    const card = await cards.forEveryone(episode);
    const connector = await this.deps.connector();
    for (const post of posts) {
      const channel = await this.channelOrFail(post.channel);
      try {
        await this.paced(post.channel, () =>
          connector.update(channelTarget(channel, threadIdOf(post)), post.ref, {
            card,
            text: typeof card.fallbackText === 'string' ? card.fallbackText : undefined,
          }),
        );
      } catch (error) {
        // A card someone deleted stays deleted (and a bot removed from its team cannot edit it): the
        // other copies still get the update, and a retry would not change the answer.
        if (error instanceof PermanentFailure) {
          logger.warn(
            { episode: episode.id, channel: post.channel, error: error.message },
            'teams: card not updated',
          );
          continue;
        }
        throw error;
      }
    }
    deliveries.markDelivered(episode.id, episode.version);
  }

  /** `notify` words that name people Teams knows (e-mails, Entra ids) become real mentions. */
  private async mentionsFor(
    notify: string | null | undefined,
  ): Promise<{ prefix: string; mentions: { id: string; name: string }[] }> {
    if (!notify) return { prefix: '', mentions: [] };
    const words = notify.split(/[\s,]+/).filter((w) => w !== '' && !w.startsWith('<'));
    const members = await this.deps.teams.findMembers(words);
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
      } else if (/^@\w+$/.test(word)) {
      } else {
        said.push(word);
      }
    }
    return { prefix: said.length > 0 ? `${said.join(' ')} ` : '', mentions };
  }

  async threadPost(payload: {
    episodeId: string;
    text: string;
    mention?: string | null | undefined;
  }): Promise<void> {
    const { store, clock, routing } = this.deps;
    const posts = (await store.posts.listForEpisode(payload.episodeId)).filter((p) => p.surface === 'teams');
    if (posts.length === 0) {
      const episode = await store.episodes.get(payload.episodeId);
      if (episode && this.cardMayStillCome(episode, routing, clock.now())) {
        throw new RetryAfter(3_000, 'the card is not posted yet');
      }
      return;
    }
    const { prefix, mentions } = await this.mentionsFor(payload.mention);
    const connector = await this.deps.connector();
    for (const post of posts) {
      const channel = await this.channelOrFail(post.channel);
      await this.paced(post.channel, () =>
        connector.send(channelTarget(channel, threadIdOf(post)), {
          text: `${prefix}${payload.text}`,
          mentions,
        }),
      );
    }
  }

  private cardMayStillCome(episode: Episode, routing: RoutingConfig, now: number): boolean {
    return (
      teamsChannelFor(routing, episode.line) !== null && now - episode.missedAt < THREAD_WAIT_FOR_CARD_MS
    );
  }

  async message(payload: MessagePayload): Promise<void> {
    const { to } = payload;
    const { prefix, mentions } = await this.mentionsFor(payload.mention);
    const message: OutgoingMessage = payload.card
      ? { text: `${prefix}${payload.text}`, card: payload.card as OutgoingMessage['card'], mentions }
      : { text: `${prefix}${payload.text}`, mentions };
    const connector = await this.deps.connector();
    if (to.kind === 'channel') {
      const channel = await this.channelOrFail(to.channel);
      await this.paced(channel.channelId, () =>
        connector.postToChannel(
          { ...channelTarget(channel, channel.channelId), channelId: channel.channelId },
          message,
        ),
      );
      return;
    }
    const keys =
      to.kind === 'managers'
        ? [...this.deps.routing.managers.teams, ...this.deps.routing.managers.emails]
        : to.people;
    const members = await this.deps.teams.findMembers(keys);
    const unknown = keys.filter(
      (k) => !members.some((m) => m.userKey === k || m.mri === k || m.email === k.toLowerCase()),
    );
    if (unknown.length > 0) members.push(...(await this.fromRosters(connector, unknown)));
    const seen = new Set<string>();
    for (const member of members) {
      if (seen.has(member.mri)) continue;
      seen.add(member.mri);
      const conversationId = await this.personalChat(connector, member);
      await this.paced(conversationId, () =>
        connector.send(
          {
            serviceUrl: member.serviceUrl,
            conversationId,
            tenantId: member.tenantId,
            botId: member.botId,
            botName: null,
          },
          // Mentions only mean something in shared conversations.
          { ...message, text: payload.text, mentions: [] },
        ),
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

  private async personalChat(connector: TeamsConnector, member: TeamsMember): Promise<string> {
    if (member.personalConversationId) return member.personalConversationId;
    const conversationId = await this.paced(`create:${member.mri}`, () =>
      connector.openPersonalChat({
        serviceUrl: member.serviceUrl,
        tenantId: member.tenantId,
        botId: member.botId,
        botName: null,
        userId: member.mri,
      }),
    );
    await this.deps.teams.saveMember(
      { ...member, personalConversationId: conversationId },
      this.deps.clock.now(),
    );
    return conversationId;
  }
}
