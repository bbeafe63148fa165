/**
 * Proactive Bot Connector calls (Bot Framework REST API v3) for the job handlers: post a card as a new
 * conversation in a channel, reply in its reply chain, update it, open a personal chat. Each failure comes
 * back as a TeamsApiError with the HTTP status and, for 429, the Retry-After Teams asked for. Every call
 * runs under the Teams vendor policy (a timeout, passed on as the request's abort signal, and a breaker
 * that answers VendorUnavailable while the Bot Connector hangs or fails).
 */
import type { Activity, Attachment, ConversationParameters, Entity } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { type VendorPolicy, vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { AdaptiveCardJson } from './card.js';

/** Where a conversation lives: enough to address it proactively. */
export interface ConversationTarget {
  serviceUrl: string;
  conversationId: string;
  tenantId: string | null;
  botId: string;
  botName: string | null;
}

export interface OutgoingMessage {
  /** Markdown; with a card, only the notification preview. */
  text?: string;
  card?: AdaptiveCardJson;
  /** `<at>Name</at>` mentions in `text`. */
  mentions?: { id: string; name: string }[];
}

export class TeamsApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | null,
    readonly code: string | null,
    message: string,
    /** From Retry-After, for 429 and 503. */
    readonly retryAfterMs: number | null,
  ) {
    super(`${operation}: ${status ?? 'no answer'}${code ? ` ${code}` : ''}: ${message}`);
    this.name = 'TeamsApiError';
  }
}

/** Retry-After in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
}

function toApiError(operation: string, error: unknown): TeamsApiError {
  const e = (error ?? {}) as RestErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const retryAfter = parseRetryAfter(e.response?.headers?.get?.('retry-after'), Date.now());
  return new TeamsApiError(
    operation,
    status,
    typeof e.code === 'string' ? e.code : null,
    e.message ?? String(error),
    retryAfter,
  );
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

function attachmentOf(card: AdaptiveCardJson): Attachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

/** The channel id of a thread conversation id (`19:…@thread.tacv2;messageid=…` → `19:…@thread.tacv2`). */
export function channelOfConversation(conversationId: string): string {
  return conversationId.split(';messageid=')[0] ?? conversationId;
}

/** The root message id of a thread conversation id, or null for a plain channel or chat id. */
export function rootOfConversation(conversationId: string): string | null {
  const root = conversationId.split(';messageid=')[1];
  return root ? root : null;
}

export interface TeamsConnector {
  /** A new conversation (thread) in a channel whose first message is this one. */
  postToChannel(
    channel: Omit<ConversationTarget, 'conversationId'> & { channelId: string },
    message: OutgoingMessage,
  ): Promise<{ rootId: string; threadId: string }>;
  send(target: ConversationTarget, message: OutgoingMessage): Promise<string | null>;
  update(target: ConversationTarget, activityId: string, message: OutgoingMessage): Promise<void>;
  /**
   * One person in a team's roster, by Teams id, Entra object id or user principal name (e-mail); null when
   * the team has no such member.
   */
  findMember(
    serviceUrl: string,
    teamId: string,
    user: string,
  ): Promise<{ id: string; name: string; aadObjectId: string | null; email: string | null } | null>;
  /** The personal (1:1) chat with one person, created if needed; returns its conversation id. */
  openPersonalChat(target: Omit<ConversationTarget, 'conversationId'> & { userId: string }): Promise<string>;
}

/** Per-request options of the connector SDK: the policy's signal and timeout. */
interface RequestLimits {
  abortSignal: never;
  timeout: number;
}

/** The Bot Connector for proactive sends, over the SDK's connector client. */
export class BotConnector implements TeamsConnector {
  constructor(
    private readonly clientFor: (serviceUrl: string) => Promise<ConnectorClient>,
    private readonly policy: VendorPolicy = vendorPolicies.get('teams'),
  ) {}

  /** One connector call under the policy; its failure becomes a TeamsApiError (or the policy's own). */
  private request<T>(operation: string, send: (limits: RequestLimits) => Promise<T>): Promise<T> {
    return this.policy.request(operation, async (signal) => {
      try {
        // The SDK's AbortSignalLike is the DOM shape Node's AbortSignal has; its declared type differs.
        return await send({ abortSignal: signal as never, timeout: this.policy.timeoutMs });
      } catch (error) {
        throw toApiError(operation, error);
      }
    });
  }

  private activity(
    target: Pick<ConversationTarget, 'botId' | 'botName'>,
    message: OutgoingMessage,
  ): Partial<Activity> {
    const activity: Partial<Activity> = {
      type: 'message',
      channelId: 'msteams',
      from: { id: target.botId, name: target.botName ?? 'Ringback' },
    };
    if (message.card) {
      // A card speaks for itself: the text only becomes the notification preview.
      activity.attachments = [attachmentOf(message.card)];
      const preview = message.text ?? message.card.fallbackText;
      if (typeof preview === 'string') activity.summary = preview;
    } else if (message.text !== undefined) {
      activity.text = message.text;
      activity.textFormat = 'markdown';
    }
    if (message.mentions && message.mentions.length > 0) {
      activity.entities = message.mentions.map(
        (m): Entity => ({
          type: 'mention',
          text: `<at>${m.name}</at>`,
          mentioned: { id: m.id, name: m.name },
        }),
      );
    }
    return activity;
  }

  async postToChannel(
    channel: Omit<ConversationTarget, 'conversationId'> & { channelId: string },
    message: OutgoingMessage,
  ): Promise<{ rootId: string; threadId: string }> {
    const client = await this.clientFor(channel.serviceUrl);
    const parameters: ConversationParameters = {
      isGroup: true,
      bot: { id: channel.botId, name: channel.botName ?? 'Ringback' },
      members: [],
      channelData: {
        channel: { id: channel.channelId },
        ...(channel.tenantId ? { tenant: { id: channel.tenantId } } : {}),
      },
      activity: this.activity(channel, message) as Activity,
      ...(channel.tenantId ? { tenantId: channel.tenantId } : {}),
    };
    const result: { id?: string; activityId?: string } = await this.request('createConversation', (limits) =>
      client.conversations.createConversation(parameters, limits),
    );
    const threadId = result.id;
    // Teams answers the thread's conversation id ("19:…;messageid=<root>"); the root is the card's id.
    const rootId = result.activityId || (threadId ? rootOfConversation(threadId) : null);
    if (!threadId || !rootId) {
      throw new TeamsApiError(
        'createConversation',
        200,
        null,
        'no conversation or activity id in the answer',
        null,
      );
    }
    return {
      rootId,
      threadId: threadId.includes(';messageid=') ? threadId : `${threadId};messageid=${rootId}`,
    };
  }

  async send(target: ConversationTarget, message: OutgoingMessage): Promise<string | null> {
    const client = await this.clientFor(target.serviceUrl);
    const activity = { ...this.activity(target, message), conversation: { id: target.conversationId } };
    const result = await this.request('sendToConversation', (limits) =>
      client.conversations.sendToConversation(target.conversationId, activity as Activity, limits),
    );
    return result.id ?? null;
  }

  async update(target: ConversationTarget, activityId: string, message: OutgoingMessage): Promise<void> {
    const client = await this.clientFor(target.serviceUrl);
    const activity = {
      ...this.activity(target, message),
      id: activityId,
      conversation: { id: target.conversationId },
    };
    await this.request('updateActivity', (limits) =>
      client.conversations.updateActivity(target.conversationId, activityId, activity as Activity, limits),
    );
  }

  async findMember(
    serviceUrl: string,
    teamId: string,
    user: string,
  ): Promise<{ id: string; name: string; aadObjectId: string | null; email: string | null } | null> {
    const client = await this.clientFor(serviceUrl);
    try {
      const member = (await this.request('getConversationMember', (limits) =>
        client.conversations.getConversationMember(teamId, user, limits),
      )) as unknown as {
        id: string;
        name?: string;
        aadObjectId?: string;
        email?: string;
        userPrincipalName?: string;
      };
      return {
        id: member.id,
        name: member.name ?? member.email ?? member.id,
        aadObjectId: member.aadObjectId ?? null,
        email: (member.email ?? member.userPrincipalName ?? null)?.toLowerCase() ?? null,
      };
    } catch (error) {
      if (error instanceof TeamsApiError && error.status === 404) return null;
      throw error;
    }
  }

  async openPersonalChat(
    target: Omit<ConversationTarget, 'conversationId'> & { userId: string },
  ): Promise<string> {
    const client = await this.clientFor(target.serviceUrl);
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: target.botId, name: target.botName ?? 'Ringback' },
      members: [{ id: target.userId, name: '' }],
      ...(target.tenantId
        ? { tenantId: target.tenantId, channelData: { tenant: { id: target.tenantId } } }
        : {}),
    } as ConversationParameters;
    const result = await this.request('createConversation', (limits) =>
      client.conversations.createConversation(parameters, limits),
    );
    if (!result.id) {
      throw new TeamsApiError('createConversation', 200, null, 'no conversation id in the answer', null);
    }
    return result.id;
  }
}
