/**
 * The one Zendesk client: node-zendesk underneath (API-token auth, `.json` paths, JSON bodies), its quirks
 * wrapped here once — a 429 resolves instead of rejecting, bodies are unwrapped by resource name, tag
 * bodies must be objects, incremental lists stop after one page — and every request paced by a budget.
 * Pacing and 429s surface as ZendeskHeldBack, a RetryAfter (the job runner puts the job back); other
 * failures as ZendeskApiError with the status and the parsed body. node-zendesk has no request timeout of
 * its own: its transport is swapped for fetch with an abort signal, and every request runs under the
 * Zendesk vendor policy (timeout + breaker; VendorUnavailable, a RetryAfter, while Zendesk hangs or fails).
 */
// node-zendesk is CommonJS: Node's ESM loader cannot see its named exports, so take them off the default.
import nodeZendesk, { type ZendeskClient as NodeZendesk } from 'node-zendesk';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { httpStatusLabel } from '../observability/labels.js';
import type { Logger } from '../observability/logger.js';
import { type BudgetSource, localBudgets, type RequestBudget } from '../resilience/budgets.js';
import {
  type VendorPolicy,
  VendorTimeout,
  VendorUnavailable,
  vendorPolicies,
} from '../resilience/vendorPolicy.js';

const { createClient } = nodeZendesk;

import { ZendeskApiError, ZendeskHeldBack } from './errors.js';
import {
  commentSchema,
  identitySchema,
  organizationSchema,
  sideConversationEventSchema,
  sideConversationSchema,
  talkExportSchema,
  ticketSchema,
  ticketSummarySchema,
  userProfileSchema,
  userSchema,
  type ZendeskComment,
  type ZendeskIdentity,
  type ZendeskOrganization,
  type ZendeskSideConversation,
  type ZendeskSideConversationEvent,
  type ZendeskTicket,
  type ZendeskTicketSummary,
  type ZendeskUser,
  type ZendeskUserProfile,
} from './schemas.js';

/** `ZENDESK_URL`, else https://$ZENDESK_SUBDOMAIN.zendesk.com; null when neither is set. */
export { zendeskBaseUrl } from '../config/env.js';

export interface ZendeskClientOptions {
  baseUrl: string;
  email: string;
  token: string;
  clock: Clock;
  logger: Logger;
  /** Support API requests per minute this process allows itself (routing zendesk.requestsPerMinute). */
  requestsPerMinute: number;
  /** Talk incremental exports allow 10 requests a minute. */
  talkRequestsPerMinute?: number;
  /** Registers a request counter here when given. */
  registry?: Registry;
  /**
   * Where the request budgets live: shared by every replica on PostgreSQL (Zendesk's limit is per account),
   * in process otherwise. Default: in process.
   */
  budgets?: BudgetSource;
  /** Default: the process's Zendesk policy. */
  policy?: VendorPolicy;
}

/** What node-zendesk hands its transport: the request it assembled (plus its own options, ignored). */
interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body?: RequestInit['body'];
}

/** node-zendesk's transport over Node's fetch, abandoning any request that outlives `timeoutMs`. */
export function timedTransport(timeoutMs: number) {
  return {
    transportFn: (uri: string, request: TransportRequest) =>
      fetch(uri, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(timeoutMs),
      }),
    responseAdapter: (response: Response) => ({
      json: () => response.json(),
      status: response.status,
      headers: { get: (name: string) => response.headers.get(name) },
      statusText: response.statusText,
    }),
  };
}

/** Fields Ringback writes on a ticket (a subset of the OAS TicketUpdateInput). */
export interface TicketWrite {
  subject?: string;
  comment?: { body: string; public: boolean };
  requester_id?: number;
  assignee_id?: number | null;
  group_id?: number;
  status?: 'new' | 'open' | 'pending' | 'hold' | 'solved';
  tags?: string[];
  external_id?: string;
  custom_fields?: { id: number; value: string }[];
}

export interface NewSideConversationMessage {
  subject?: string;
  body: string;
  to?: { email: string }[];
  external_ids?: Record<string, string>;
}

/** A side conversation's events are read 100 to a page: 20 pages is a thread no team writes. */
const MAX_SIDE_CONVERSATION_EVENT_PAGES = 20;

export interface TalkExportPage {
  items: unknown[];
  count: number;
  endTime: number | null;
  nextPage: string | null;
}

export interface SideConversationEventsPage {
  events: ZendeskSideConversationEvent[];
  count: number;
  endTime: number | null;
}

/**
 * node-zendesk's `request(method, uri, body)` as it really behaves: `uri` may be path segments whose last
 * element is a query object; its published types only admit a string.
 */
type Segment = string | number | Record<string, string | number>;
interface RawRequester {
  request(method: string, uri: string | Segment[], body?: object): Promise<unknown>;
}
function raw(subClient: unknown): RawRequester {
  return subClient as RawRequester;
}

/** node-zendesk unwraps some single-resource answers and not others: take the resource either way. */
function unwrapOne(result: unknown, name: string): unknown {
  if (result && typeof result === 'object' && name in result)
    return (result as Record<string, unknown>)[name];
  return result;
}

/** What node-zendesk's request methods resolve to. */
interface RawOutcome {
  response: { status: number; headers: { get(name: string): string | null } };
  result: unknown;
}

/** Seconds (or an HTTP date) → milliseconds; at least one second, default 10 s when absent or odd. */
export function parseRetryAfter(value: string | null, now: number): number {
  if (!value) return 10_000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1_000, Math.ceil(seconds * 1000));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(1_000, date - now) : 10_000;
}

const usersArray = z.array(userSchema);
const ticketsArray = z.array(ticketSchema);
const commentsArray = z.array(commentSchema);
// node-zendesk unwraps some list answers and not others: take the list either way.
const identitiesArray = z
  .union([z.array(identitySchema), z.object({ identities: z.array(identitySchema) })])
  .transform((answer) => (Array.isArray(answer) ? answer : answer.identities));

export class ZendeskClient {
  readonly baseUrl: string;
  private readonly zd: NodeZendesk;
  private readonly budget: RequestBudget;
  private readonly talkBudget: RequestBudget;
  private readonly requests: Counter<'operation' | 'status'> | null;
  private me: Promise<ZendeskUser> | null = null;
  /** Which time parameter the side conversation events list took last (see incrementalSideConversationEvents). */
  private eventsTimeParameter: 'start_time' | 'unix_time' = 'start_time';
  private readonly policy: VendorPolicy;

  constructor(private readonly options: ZendeskClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.policy = options.policy ?? vendorPolicies.get('zendesk');
    this.zd = createClient({
      username: options.email,
      token: options.token,
      endpointUri: `${this.baseUrl}/api/v2`,
      // Keeps statusCode and the parsed body on rejected requests instead of a flattened message.
      throwOriginalException: true,
      transportConfig: timedTransport(this.policy.timeoutMs),
    } as Parameters<typeof createClient>[0]);
    const budgets = options.budgets ?? localBudgets(options.clock);
    const account = new URL(this.baseUrl).host;
    this.budget = budgets.budget(`zendesk:${account}`, options.requestsPerMinute);
    // Only the leased Talk poller uses the export, one replica at a time: its budget can stay in process.
    this.talkBudget = localBudgets(options.clock).budget('zendesk-talk', options.talkRequestsPerMinute ?? 10);
    this.requests = options.registry
      ? new Counter({
          name: 'ringback_zendesk_requests_total',
          help: 'Zendesk API requests by operation and status (429 = rate limited, budget = paced locally, timeout, unavailable = breaker open)',
          labelNames: ['operation', 'status'] as const,
          registers: [options.registry],
        })
      : null;
  }

  /**
   * Sends one request through node-zendesk and settles what it meant. `send` gets no arguments so every
   * call site keeps node-zendesk's own method (or its raw `request`) visible.
   */
  private async call(
    operation: string,
    send: () => Promise<unknown>,
    budget: RequestBudget = this.budget,
  ): Promise<unknown> {
    // An endpoint with its own limit (the Talk export) still counts against the account's: both must allow it.
    let wait = await budget.take();
    if (wait === 0 && budget !== this.budget) wait = await this.budget.take();
    if (wait > 0) {
      this.requests?.inc({ operation, status: 'budget' });
      throw new ZendeskHeldBack(wait, `zendesk: request budget spent (${operation})`);
    }
    try {
      // Settled inside the policy, so the breaker sees a 5xx as an outage and a 4xx as a live Zendesk.
      return await this.policy.request(operation, () => this.settle(operation, send, budget));
    } catch (error) {
      if (error instanceof VendorUnavailable) {
        this.requests?.inc({ operation, status: 'unavailable' });
      } else if (error instanceof VendorTimeout) {
        this.requests?.inc({ operation, status: 'timeout' });
      }
      throw error;
    }
  }

  private async settle(
    operation: string,
    send: () => Promise<unknown>,
    budget: RequestBudget,
  ): Promise<unknown> {
    let outcome: RawOutcome;
    try {
      outcome = (await send()) as RawOutcome;
    } catch (error) {
      const failed = error as { statusCode?: unknown; result?: unknown };
      if (typeof failed.statusCode === 'number') {
        this.requests?.inc({ operation, status: httpStatusLabel(failed.statusCode) });
        if (failed.statusCode === 429) throw await this.rateLimited(operation, null, budget);
        throw new ZendeskApiError(failed.statusCode, 'request', operation, failed.result);
      }
      this.requests?.inc({ operation, status: 'network' });
      throw error;
    }
    const { response, result } = outcome;
    this.requests?.inc({ operation, status: httpStatusLabel(response.status) });
    // node-zendesk turns any answer carrying Retry-After into a resolved "429" Error.
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 || (retryAfter !== null && response.status >= 400)) {
      throw await this.rateLimited(
        operation,
        retryAfter,
        budget,
        response.headers.get('x-rate-limit-remaining'),
      );
    }
    if (response.status >= 400) {
      const body = result instanceof Error ? (result as Error & { result?: unknown }).result : result;
      throw new ZendeskApiError(response.status, 'request', operation, body);
    }
    // 204 and empty answers come back as an Error object with statusCode 204: success without a body.
    return result instanceof Error ? null : result;
  }

  /**
   * A 429 pauses the budget the request was paced by, unless the account still had requests left
   * (`X-Rate-Limit-Remaining` above 0): then a narrower limit said no (30 updates of one ticket in 10
   * minutes, side conversation replies), and only this request waits, not every replica's Zendesk work.
   * Without the header, the account is taken as spent (fail closed).
   */
  private async rateLimited(
    operation: string,
    retryAfter: string | null,
    budget: RequestBudget,
    accountRemaining: string | null = null,
  ): Promise<ZendeskHeldBack> {
    const ms = parseRetryAfter(retryAfter, this.options.clock.now());
    const remaining = accountRemaining === null ? Number.NaN : Number(accountRemaining);
    const narrowLimit = budget === this.budget && Number.isFinite(remaining) && remaining > 0;
    if (!narrowLimit) await budget.pause(ms);
    this.options.logger.warn(
      { operation, retryAfterMs: ms, accountRemaining: narrowLimit ? remaining : undefined },
      narrowLimit
        ? `zendesk: rate limited on ${operation} by a per-ticket or per-endpoint limit; this request waits ${Math.round(ms / 1000)}s, the account's other requests go on`
        : `zendesk: rate limited on ${operation}; pausing ${Math.round(ms / 1000)}s`,
    );
    return new ZendeskHeldBack(ms, `zendesk: 429 on ${operation}`);
  }

  // --- tickets --------------------------------------------------------------------------------------

  async showTicket(ticketId: number): Promise<ZendeskTicket> {
    return ticketSchema.parse(await this.call('tickets.show', () => this.zd.tickets.show(ticketId)));
  }

  async findTicketsByExternalId(externalId: string): Promise<ZendeskTicket[]> {
    const result = await this.call('tickets.list', () =>
      raw(this.zd.tickets).request('GET', ['tickets', { external_id: externalId }]),
    );
    return ticketsArray.parse(result ?? []);
  }

  /** `via_followup_source_id`: the closed ticket this one follows up (Zendesk links the two). */
  async createTicket(
    ticket: TicketWrite & { comment: { body: string; public: boolean }; via_followup_source_id?: number },
  ): Promise<ZendeskTicket> {
    return ticketSchema.parse(
      await this.call('tickets.create', () => raw(this.zd.tickets).request('POST', ['tickets'], { ticket })),
    );
  }

  /**
   * A safe update: applied only if the ticket still has `updatedStamp` as its updated_at, else 409
   * (isConflict) — re-read and try again.
   */
  async updateTicket(ticketId: number, ticket: TicketWrite, updatedStamp: string): Promise<ZendeskTicket> {
    const body = { ticket: { ...ticket, safe_update: true, updated_stamp: updatedStamp } };
    return ticketSchema.parse(
      await this.call('tickets.update', () =>
        raw(this.zd.tickets).request('PUT', ['tickets', ticketId], body),
      ),
    );
  }

  /** Adds tags without replacing the others (PUT …/tags); node-zendesk sends nothing unless it is `{tags}`. */
  async addTags(ticketId: number, tags: string[], updatedStamp: string): Promise<void> {
    await this.call('tickets.tags', () =>
      raw(this.zd.tickets).request('PUT', ['tickets', ticketId, 'tags'], {
        tags,
        safe_update: true,
        updated_stamp: updatedStamp,
      }),
    );
  }

  /**
   * One page (up to 100) of the ticket's comments. `newest`: the latest, newest first, where Ringback looks
   * for the notes it wrote itself (oldest first, Zendesk's default, a ticket of more than 100 comments hid
   * them, and a retried job wrote its note again). `oldest`: the first ones, such as a voice ticket's call.
   */
  async listComments(ticketId: number, from: 'newest' | 'oldest' = 'newest'): Promise<ZendeskComment[]> {
    const order = from === 'newest' ? 'desc' : 'asc';
    const result = await this.call('tickets.comments', () =>
      raw(this.zd.tickets).request('GET', ['tickets', ticketId, 'comments', { sort_order: order }]),
    );
    return commentsArray.parse(result ?? []);
  }

  // --- users ----------------------------------------------------------------------------------------

  /** One page of /users/search (node-zendesk's users.search follows every page and hides 429s). */
  async searchUsers(query: string): Promise<ZendeskUser[]> {
    const result = await this.call('users.search', () =>
      raw(this.zd.users).request('GET', ['users', 'search', { query }]),
    );
    return usersArray.parse(result ?? []);
  }

  async findUsersByExternalId(externalId: string): Promise<ZendeskUser[]> {
    const result = await this.call('users.search', () =>
      raw(this.zd.users).request('GET', ['users', 'search', { external_id: externalId }]),
    );
    return usersArray.parse(result ?? []);
  }

  async showUser(userId: number): Promise<ZendeskUser> {
    return userSchema.parse(await this.call('users.show', () => this.zd.users.show(userId)));
  }

  /** A user's identities (e-mails, phone numbers…), one page (users have a handful). */
  async listIdentities(userId: number): Promise<ZendeskIdentity[]> {
    const result = await this.call('users.identities', () =>
      raw(this.zd.users).request('GET', ['users', userId, 'identities']),
    );
    return identitiesArray.parse(result ?? []);
  }

  /**
   * Creates an end user (never create_or_update, which would overwrite the name of a user who already has
   * this external id with ours). Zendesk refuses (422) an external id or a phone identity another user
   * holds already.
   */
  async createUser(user: {
    name: string;
    external_id: string;
    identities?: { type: 'phone_number'; value: string }[];
  }): Promise<ZendeskUser> {
    const body = { user: { ...user, role: 'end-user', skip_verify_email: true } };
    return userSchema.parse(await this.call('users.create', () => this.zd.users.create(body)));
  }

  // --- pre-brief (src/zendesk/prebrief.ts) ----------------------------------------------------------

  /** The requester's organization, tags and time zone. */
  async showUserProfile(userId: number): Promise<ZendeskUserProfile> {
    const result = await this.call('users.show', () => raw(this.zd.users).request('GET', ['users', userId]));
    return userProfileSchema.parse(unwrapOne(result, 'user'));
  }

  /** The requester's tickets, most recently updated first (one page: the pre-brief needs the latest). */
  async requestedTickets(userId: number): Promise<ZendeskTicketSummary[]> {
    const result = await this.call('tickets.requested', () =>
      raw(this.zd.tickets).request('GET', [
        'users',
        userId,
        'tickets',
        'requested',
        { sort_by: 'updated_at', sort_order: 'desc' },
      ]),
    );
    const list = Array.isArray(result) ? result : (result as { tickets?: unknown } | null)?.tickets;
    return z.array(ticketSummarySchema).parse(list ?? []);
  }

  async showOrganization(organizationId: number): Promise<ZendeskOrganization> {
    const result = await this.call('organizations.show', () =>
      raw(this.zd.organizations).request('GET', ['organizations', organizationId]),
    );
    return organizationSchema.parse(unwrapOne(result, 'organization'));
  }

  /** The API user (the token's owner), cached for the life of the process. */
  currentUser(): Promise<ZendeskUser> {
    this.me ??= this.call('users.me', () => this.zd.users.me())
      .then((result) => userSchema.parse(result))
      .catch((error: unknown) => {
        this.me = null;
        throw error;
      });
    return this.me;
  }

  // --- side conversations (raw: node-zendesk has no events, and its unwrapping would drop `event`) ------

  async createSideConversation(
    ticketId: number,
    message: NewSideConversationMessage,
    externalIds: Record<string, string>,
  ): Promise<{ sideConversation: ZendeskSideConversation; eventId: string | null }> {
    const result = await this.call('side_conversations.create', () =>
      raw(this.zd.sideconversations).request('POST', ['tickets', ticketId, 'side_conversations'], {
        message,
        external_ids: externalIds,
      }),
    );
    const parsed = z
      .object({ side_conversation: sideConversationSchema, event: z.object({ id: z.string() }).nullish() })
      .parse(result);
    return { sideConversation: parsed.side_conversation, eventId: parsed.event?.id ?? null };
  }

  async replySideConversation(
    ticketId: number,
    sideConversationId: string,
    message: NewSideConversationMessage,
  ): Promise<{ eventId: string | null }> {
    const result = await this.call('side_conversations.reply', () =>
      raw(this.zd.sideconversations).request(
        'POST',
        ['tickets', ticketId, 'side_conversations', sideConversationId, 'reply'],
        { message },
      ),
    );
    const parsed = z.object({ event: z.object({ id: z.string() }).nullish() }).safeParse(result);
    return { eventId: parsed.success ? (parsed.data.event?.id ?? null) : null };
  }

  async setSideConversationState(
    ticketId: number,
    sideConversationId: string,
    state: 'open' | 'closed',
  ): Promise<void> {
    await this.call('side_conversations.update', () =>
      raw(this.zd.sideconversations).request(
        'PUT',
        ['tickets', ticketId, 'side_conversations', sideConversationId],
        {
          side_conversation: { state },
        },
      ),
    );
  }

  async listSideConversations(ticketId: number): Promise<ZendeskSideConversation[]> {
    const result = await this.call('side_conversations.list', () =>
      raw(this.zd.sideconversations).request('GET', ['tickets', ticketId, 'side_conversations']),
    );
    // `side_conversations` is the client's resource name, so the list arrives unwrapped.
    return z.array(sideConversationSchema).parse(result ?? []);
  }

  async showSideConversation(ticketId: number, sideConversationId: string): Promise<ZendeskSideConversation> {
    const result = await this.call('side_conversations.show', () =>
      raw(this.zd.sideconversations).request('GET', [
        'tickets',
        ticketId,
        'side_conversations',
        sideConversationId,
      ]),
    );
    return z.object({ side_conversation: sideConversationSchema }).parse(result).side_conversation;
  }

  /**
   * Every event of one side conversation, following `next_page` (a long thread has more than one page; a
   * reply or our own mark on a later page was missed). At most MAX_SIDE_CONVERSATION_EVENT_PAGES pages.
   */
  async listSideConversationEvents(
    ticketId: number,
    sideConversationId: string,
  ): Promise<ZendeskSideConversationEvent[]> {
    const api = `${this.baseUrl}/api/v2/`;
    const pageSchema = z.object({
      events: z.array(sideConversationEventSchema).default([]),
      next_page: z.string().nullish(),
    });
    const events: ZendeskSideConversationEvent[] = [];
    let uri: string | Segment[] = ['tickets', ticketId, 'side_conversations', sideConversationId, 'events'];
    for (let page = 0; page < MAX_SIDE_CONVERSATION_EVENT_PAGES; page++) {
      const current = uri;
      const result = await this.call('side_conversations.events', () =>
        raw(this.zd.sideconversations).request('GET', current),
      );
      const parsed = pageSchema.parse(result ?? {});
      events.push(...parsed.events);
      // Only a page of our own Zendesk is followed: the link is Zendesk's to give, the credentials are ours.
      if (!parsed.next_page?.startsWith(api)) break;
      uri = parsed.next_page;
    }
    return events;
  }

  /**
   * Side-conversation events of the whole account since `startTime` (admin token), the webhook's fallback.
   * Zendesk's documentation does not settle whether the parameter is `start_time` or `unix_time`: the one a
   * 400 or 422 refused is swapped for the other once, and the one that worked is kept.
   */
  async incrementalSideConversationEvents(startTime: number): Promise<SideConversationEventsPage> {
    const ask = (parameter: 'start_time' | 'unix_time') =>
      this.call('side_conversations.incremental_events', () =>
        raw(this.zd.sideconversations).request('GET', [
          'tickets',
          'side_conversations',
          'events',
          { [parameter]: startTime },
        ]),
      );
    let result: unknown;
    try {
      result = await ask(this.eventsTimeParameter);
    } catch (error) {
      if (!(error instanceof ZendeskApiError) || (error.status !== 400 && error.status !== 422)) throw error;
      const other = this.eventsTimeParameter === 'start_time' ? 'unix_time' : 'start_time';
      result = await ask(other);
      this.options.logger.info(
        { refused: this.eventsTimeParameter, used: other },
        `zendesk: the side conversation events list refused ${this.eventsTimeParameter}; ${other} it is`,
      );
      this.eventsTimeParameter = other;
    }
    const parsed = z
      .object({
        events: z.array(z.unknown()).default([]),
        count: z.number().int().default(0),
        end_time: z.number().int().nullish(),
      })
      .parse(result ?? {});
    const events: ZendeskSideConversationEvent[] = [];
    for (const item of parsed.events) {
      const event = sideConversationEventSchema.safeParse(item);
      if (event.success) events.push(event.data);
    }
    return { events, count: parsed.count, endTime: parsed.end_time ?? null };
  }

  /** Talk numbers (id ↔ number), to name the line of a voice ticket the way the exports do. */
  async talkPhoneNumbers(): Promise<{ id: number; number: string }[]> {
    const result = await this.call('talk.phone_numbers', () =>
      raw(this.zd.sideconversations).request('GET', ['channels', 'voice', 'phone_numbers']),
    );
    const parsed = z
      .object({
        phone_numbers: z.array(z.object({ id: z.number().int(), number: z.string().nullish() })).default([]),
      })
      .parse(result ?? {});
    return parsed.phone_numbers.flatMap((p) => (p.number ? [{ id: p.id, number: p.number }] : []));
  }

  // --- Talk incremental exports (raw: node-zendesk's voice clients break with endpointUri) -------------

  /**
   * One page of the calls or legs export: from `nextPage` when it points at our base URL (Zendesk says to
   * treat it as opaque), else from `startTime` (unix seconds).
   */
  async talkExport(
    kind: 'calls' | 'legs',
    from: { nextPage?: string | null; startTime: number },
  ): Promise<TalkExportPage> {
    const api = `${this.baseUrl}/api/v2/`;
    const uri = from.nextPage?.startsWith(api)
      ? from.nextPage
      : ['channels', 'voice', 'stats', 'incremental', kind, { start_time: from.startTime }];
    const result = await this.call(
      `talk.export.${kind}`,
      () => raw(this.zd.sideconversations).request('GET', uri),
      this.talkBudget,
    );
    const parsed = talkExportSchema.parse(result ?? {});
    return {
      items: (kind === 'calls' ? parsed.calls : parsed.legs) ?? [],
      count: parsed.count,
      endTime: parsed.end_time ?? null,
      nextPage: parsed.next_page ?? null,
    };
  }
}

export function createZendeskClient(options: ZendeskClientOptions): ZendeskClient {
  return new ZendeskClient(options);
}
