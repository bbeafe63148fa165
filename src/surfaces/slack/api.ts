/**
 * The Slack Web API, wrapped once: one WebClient for jobs and lookups, its failures translated for the job
 * runner (429 → RetryAfter with Slack's Retry-After, unfixable input → PermanentFailure, the rest → retry).
 * The client itself never sleeps on a 429: the jobs table does the waiting, so one rate-limited channel
 * cannot stall the others. Every call runs under Slack's vendor policy: a timeout shorter than a job's
 * lease, and a breaker that stops calling a Slack that hangs or fails (VendorUnavailable → RetryAfter).
 */

import type { types } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import type { Counter } from 'prom-client';
import { counterOnce } from '../../chat/metrics.js';
import { ChannelRefused } from '../../jobs/errors.js';
import { PermanentFailure, RetryAfter } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { isOutage, type VendorPolicy, vendorPolicies } from '../../resilience/vendorPolicy.js';
import { slackLogger } from './logging.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Slack's ts and our clock may disagree a little: a history is read from a bit before the moment asked. */
const HISTORY_SKEW_MS = 5_000;

export interface SlackApiOptions {
  token: string;
  /** Base URL with its trailing slash (SLACK_API_URL). */
  apiUrl?: string;
  /** Quick in-client retries for network blips; the jobs table retries everything else. */
  retries?: number;
  /** One HTTP attempt; default the policy's timeout. */
  timeoutMs?: number;
  logger: Logger;
  metrics: Metrics;
  /** Default: the process's Slack policy. */
  policy?: VendorPolicy;
}

/**
 * Methods that must not be sent again behind the job's back. The client's own quick retry would resend one
 * when an answer is lost after Slack did the work (a reset connection, or the client's timeout: its retry
 * then runs in the background after the policy gave up, and the WebClient takes no abort signal to stop it).
 * A post would put up a second card nobody records; the job's retry looks first (findPostedCard,
 * lostQueueMessage). An update or a Home publish would land late with what was current when it was first
 * sent, over a newer one another job applied meanwhile, and the stored digest would then skip the
 * correction; the job's retry renders the current state instead.
 */
export const SLACK_WRITE_ONCE_METHODS: ReadonlySet<string> = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.update',
  'views.publish',
  'files.completeUploadExternal',
]);

/** Slack answered (an API error, a 429): it is up. Network failures, timeouts and 5xx are outages. */
function isSlackOutage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (code === webApi.ErrorCode.PlatformError || code === webApi.ErrorCode.RateLimitedError) return false;
  return isOutage(error);
}

/** Errors no retry can fix: the job is parked and the log says what to do. */
const PERMANENT_ERRORS: Record<string, string> = {
  channel_not_found: 'the channel does not exist or the app cannot see it (private channels: invite the app)',
  not_in_channel: 'the app is not in this channel: invite it with /invite @Ringback',
  is_archived: 'the channel is archived',
  channel_is_archived: 'the channel is archived',
  invalid_blocks: 'Slack rejected the blocks (a bug: please report it)',
  invalid_blocks_format: 'Slack rejected the blocks (a bug: please report it)',
  msg_too_long: 'the message is too long',
  no_text: 'the message has no text',
  message_not_found: 'the message to update no longer exists',
  cant_update_message: 'the message cannot be updated by this app',
  edit_window_closed: 'the message can no longer be edited',
  user_not_found: 'no such user',
  user_not_in_channel: 'the user is not in the channel',
  invalid_arguments: 'Slack rejected the arguments (a bug: please report it)',
  restricted_action: 'a workspace setting forbids this post',
  restricted_action_read_only_channel: 'only admins may post in this channel',
  restricted_action_thread_only_channel: 'this channel only takes replies in threads',
  restricted_action_non_threadable_channel: 'this channel takes no thread replies',
  restricted_action_thread_locked: 'the thread is locked',
  ekm_access_denied: 'the workspace admins suspended posting (Enterprise Key Management)',
  too_many_attachments: 'the message has too many attachments (a bug: please report it)',
  thread_not_found: 'the thread no longer exists',
};

/** Of PERMANENT_ERRORS, those about the channel rather than the message: fixed in Slack, not in Ringback. */
const CHANNEL_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
]);

/**
 * Slack refuses the bot token itself: every request fails alike until someone fixes the app's installation,
 * so no single message is to blame (a lane does not give up on the card it was posting).
 */
const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'org_login_required',
  'team_added_to_org',
]);

/**
 * Slack answered with an error code Ringback does not know to be final (a new code, a server-side failure
 * such as `fatal_error`): retried, and counted against the message that met it.
 */
export class SlackRefused extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
  ) {
    super(`slack ${method}: ${code}`);
    this.name = 'SlackRefused';
  }
}

/** Slack's 429 (Retry-After): unlike a breaker's RetryAfter, it says the method's tier is spent. */
export class SlackRateLimited extends RetryAfter {
  constructor(delayMs: number, reason: string) {
    super(delayMs, reason);
    this.name = 'SlackRateLimited';
  }
}

export interface SlackUser {
  id: string;
  name: string;
  email: string | null;
  isBot: boolean;
  deleted: boolean;
}

export interface PostOptions {
  channel: string;
  text: string;
  blocks?: types.KnownBlock[];
  threadTs?: string;
}

/** A message of conversations.history, as much of it as Ringback reads. */
export interface HistoryMessage {
  ts: string;
  /** Set on a thread's parent (equal to ts) and on replies broadcast to the channel. */
  threadTs: string | null;
  blocks: unknown[];
}

export class SlackApi {
  /** For lookups (sending one again changes nothing): quick in-client retries. */
  readonly client: webApi.WebClient;
  /** For SLACK_WRITE_ONCE_METHODS: no in-client retry. */
  readonly writeOnceClient: webApi.WebClient;
  private readonly requests: Counter<'method' | 'result'>;
  private readonly policy: VendorPolicy;

  constructor(private readonly options: SlackApiOptions) {
    this.policy = options.policy ?? vendorPolicies.get('slack');
    const clientWith = (retries: number) =>
      new webApi.WebClient(options.token, {
        slackApiUrl: options.apiUrl ?? DEFAULT_SLACK_API_URL,
        logger: slackLogger(options.logger, 'slack-web-api'),
        rejectRateLimitedCalls: true,
        // Few and quick: the policy's timeout bounds the whole call, retries included.
        retryConfig: { retries, factor: 2, minTimeout: 200, maxTimeout: 1_000 },
        timeout: options.timeoutMs ?? this.policy.timeoutMs,
      });
    this.client = clientWith(options.retries ?? 1);
    this.writeOnceClient = clientWith(0);
    this.requests = counterOnce(
      options.metrics.registry,
      'ringback_slack_api_requests_total',
      'Slack Web API calls by method and result (ok, rate_limited, unavailable, error)',
      ['method', 'result'],
    );
  }

  /** The client for `method`: one that never sends it twice when it does something new each time. */
  clientFor(method: string): webApi.WebClient {
    return SLACK_WRITE_ONCE_METHODS.has(method) ? this.writeOnceClient : this.client;
  }

  /** Runs one call under Slack's timeout and breaker, its failure as the client threw it. */
  underPolicy<T>(method: string, run: () => Promise<T>): Promise<T> {
    return this.policy.request(method, () => run(), isSlackOutage);
  }

  /** Runs one call and translates its failure for the job runner. */
  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await this.underPolicy(method, run);
      this.requests.inc({ method, result: 'ok' });
      return result;
    } catch (error) {
      throw this.translate(method, error);
    }
  }

  private translate(method: string, error: unknown): Error {
    if (error instanceof RetryAfter) {
      this.requests.inc({ method, result: 'unavailable' });
      return error;
    }
    const coded = error as { code?: string; retryAfter?: number; data?: { error?: string } };
    if (coded.code === webApi.ErrorCode.RateLimitedError) {
      this.requests.inc({ method, result: 'rate_limited' });
      const seconds = typeof coded.retryAfter === 'number' && coded.retryAfter > 0 ? coded.retryAfter : 1;
      this.options.logger.warn(
        { method, retryAfterSeconds: seconds },
        `slack: ${method} rate limited; retrying after ${seconds}s`,
      );
      return new SlackRateLimited(seconds * 1000, `${method} rate limited`);
    }
    this.requests.inc({ method, result: 'error' });
    if (coded.code === webApi.ErrorCode.PlatformError) {
      const code = coded.data?.error ?? 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited')
        return new RetryAfter(1000, `${method} rate limited`);
      const why = PERMANENT_ERRORS[code];
      if (why && CHANNEL_ERRORS.has(code)) return new ChannelRefused(`slack ${method}: ${code}: ${why}`);
      if (why) return new PermanentFailure(`slack ${method}: ${code}: ${why}`);
      if (CREDENTIAL_ERRORS.has(code)) {
        this.options.logger.error(
          { method, code },
          `slack: ${method}: ${code}: Slack refuses Ringback's bot token; reinstall the app or fix SLACK_BOT_TOKEN (jobs wait and retry)`,
        );
        return new Error(`slack ${method}: ${code}: the bot token is refused`);
      }
      return new SlackRefused(method, code);
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  async postMessage(post: PostOptions): Promise<string> {
    const result = await this.call('chat.postMessage', () =>
      this.writeOnceClient.chat.postMessage({
        channel: post.channel,
        text: post.text,
        ...(post.blocks ? { blocks: post.blocks } : {}),
        ...(post.threadTs ? { thread_ts: post.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!result.ts) throw new Error('slack chat.postMessage: the answer has no ts');
    return result.ts;
  }

  async update(update: {
    channel: string;
    ts: string;
    text: string;
    blocks?: types.KnownBlock[];
  }): Promise<void> {
    await this.call('chat.update', () =>
      this.writeOnceClient.chat.update({
        channel: update.channel,
        ts: update.ts,
        text: update.text,
        ...(update.blocks ? { blocks: update.blocks } : {}),
      }),
    );
  }

  async postEphemeral(message: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.writeOnceClient.chat.postEphemeral({
        channel: message.channel,
        user: message.user,
        text: message.text,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      }),
    );
  }

  /**
   * The channel's latest top-level messages (newest first, at most `limit`) posted at or after `oldest`
   * (a Slack ts: seconds as a decimal string). Scopes channels:history / groups:history.
   */
  async conversationsHistory(query: {
    channel: string;
    oldest: string;
    limit: number;
  }): Promise<HistoryMessage[]> {
    const result = await this.call('conversations.history', () =>
      this.client.conversations.history({
        channel: query.channel,
        oldest: query.oldest,
        limit: query.limit,
        inclusive: true,
      }),
    );
    return (result.messages ?? []).flatMap((message) =>
      typeof message.ts === 'string'
        ? [
            {
              ts: message.ts,
              threadTs: message.thread_ts ?? null,
              blocks: Array.isArray(message.blocks) ? (message.blocks as unknown[]) : [],
            },
          ]
        : [],
    );
  }

  /**
   * The newest top-level message of `channel` posted since `since` (epoch ms) with a block whose id
   * `matches`: what an earlier attempt posted and did not live (or hear back) to record. Looks at the
   * latest 100, from a little before `since` (Slack's ts and our clock may disagree).
   */
  async findPostedSince(
    channel: string,
    since: number,
    matches: (blockId: string) => boolean,
  ): Promise<string | null> {
    const messages = await this.conversationsHistory({
      channel,
      oldest: ((since - HISTORY_SKEW_MS) / 1000).toFixed(3),
      limit: 100,
    });
    const found = messages.find(
      (m) =>
        (m.threadTs === null || m.threadTs === m.ts) &&
        m.blocks.some((b) => {
          const id = (b as { block_id?: unknown } | null)?.block_id;
          return typeof id === 'string' && matches(id);
        }),
    );
    return found?.ts ?? null;
  }

  /** A link to a message, for notices that point at a card. */
  async permalink(channel: string, ts: string): Promise<string | null> {
    const result = await this.call('chat.getPermalink', () =>
      this.client.chat.getPermalink({ channel, message_ts: ts }),
    );
    return result.permalink ?? null;
  }

  async userInfo(userId: string): Promise<SlackUser> {
    const result = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const user = result.user;
    if (!user?.id) throw new Error('slack users.info: the answer has no user');
    const profile = user.profile ?? {};
    const name = profile.real_name || user.real_name || profile.display_name || user.name || user.id;
    return {
      id: user.id,
      name,
      email: profile.email ?? null,
      isBot: user.is_bot === true,
      deleted: user.deleted === true,
    };
  }

  /** The Slack user with this e-mail (scope users:read.email); null when the workspace has none. */
  async userIdByEmail(email: string): Promise<string | null> {
    try {
      const result = await this.call('users.lookupByEmail', () => this.client.users.lookupByEmail({ email }));
      return result.user?.id ?? null;
    } catch (error) {
      if (error instanceof Error && error.message.endsWith(': users_not_found')) return null;
      throw error;
    }
  }

  async authTest(): Promise<{
    userId: string;
    botId: string;
    teamId: string | null;
    enterpriseId: string | null;
    isEnterpriseInstall: boolean;
  }> {
    const result = await this.call('auth.test', () => this.client.auth.test());
    if (!result.user_id) throw new Error('slack auth.test: the answer has no user_id');
    return {
      userId: result.user_id,
      botId: result.bot_id ?? '',
      teamId: result.team_id ?? null,
      enterpriseId: result.enterprise_id ?? null,
      isEnterpriseInstall: result.is_enterprise_install === true,
    };
  }
}
