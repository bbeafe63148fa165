/**
 * A fake Zendesk on 127.0.0.1 (port 0) that speaks the documented wire format for what Ringback uses:
 * tickets (safe updates with 409, tags, comments, follow-ups), users (search, create, create_or_update,
 * identities, me), side conversations (create, reply, state, events, incremental events), the Talk
 * incremental exports and Talk numbers. It checks API-token Basic auth, validates every request covered by the official
 * Support OpenAPI spec (zendeskOpenApi.ts) and the rest by hand, and enforces request budgets with
 * 429 + Retry-After (Support and Talk separately). Tests can inject failures (429, 409, 5xx) and act as
 * Zendesk users (replies in a side conversation, Talk calls, someone else touching a ticket).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAgainstSpec } from './zendeskOpenApi.js';

/** Zendesk's page size for a ticket's comments (List Comments: at most 100 records per page). */
const COMMENTS_PER_PAGE = 100;

export interface FakeComment {
  id: number;
  type: 'Comment' | 'VoiceComment';
  body: string;
  public: boolean;
  author_id: number;
  created_at: string;
  data?: Record<string, unknown>;
}

export interface FakeTicket {
  id: number;
  subject: string | null;
  status: string;
  requester_id: number | null;
  assignee_id: number | null;
  group_id: number | null;
  external_id: string | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  via: {
    channel: string;
    source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null };
  };
  created_at: string;
  updated_at: string;
  comments: FakeComment[];
  /** `urgent` | `high` | `normal` | `low` | null. */
  priority?: string | null;
}

export interface FakeUser {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'end-user' | 'agent' | 'admin';
  active: boolean;
  external_id: string | null;
  identities: { id: number; type: string; value: string }[];
  /** Pre-brief fields (issue 15): absent on users that do not need them. */
  organization_id?: number | null;
  tags?: string[];
  time_zone?: string;
  iana_time_zone?: string;
  /** BCP 47; absent → not sent (Zendesk then uses the account's default). */
  locale?: string | null;
  /** An agent's groups; absent: every group (the fake's default). A ticket of another group refuses them. */
  groupIds?: number[];
  /** ISO 8601; addUser stamps the fake's now. */
  created_at?: string;
}

export interface FakeOrganization {
  id: number;
  name: string;
  tags: string[];
}

export interface FakeSideConversationEvent {
  id: string;
  side_conversation_id: string;
  ticket_id: number;
  type: string;
  via: string;
  created_at: string;
  created_ms: number;
  actor: { user_id: number | null; name: string; email: string | null };
  message: {
    subject: string | null;
    body: string;
    to: unknown[];
    external_ids: Record<string, string>;
  } | null;
  updates: Record<string, unknown>;
}

export interface FakeSideConversation {
  id: string;
  ticket_id: number;
  subject: string | null;
  state: 'open' | 'closed';
  participants: unknown[];
  external_ids: Record<string, string>;
  created_at: string;
  events: FakeSideConversationEvent[];
}

export interface RecordedRequest {
  /** Which API token signed it (replicas in tests use different ones). */
  token: string | null;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
  at: number;
}

export interface InjectedFailure {
  method: string;
  path: RegExp;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  retryAfterSeconds?: number;
  body?: unknown;
  /** Apply the request first, then answer with the failure: the client never learns it succeeded. */
  afterApply?: boolean;
  /** Only requests whose JSON body this accepts fail (default: all that match method and path). */
  bodyMatches?: (body: unknown) => boolean;
  /** Runs as the failure is answered: what changed on Zendesk's side meanwhile (a ticket closed by an agent). */
  meanwhile?: () => void;
}

export interface FakeZendeskOptions {
  email?: string;
  token?: string;
  /** More API tokens accepted for the same email (one per replica in multi-replica tests). */
  extraTokens?: string[];
  /** Support API requests allowed per window (a Team plan: 200 a minute). */
  limit?: number;
  windowMs?: number;
  /** Talk incremental export requests allowed per window (Zendesk: 10 a minute). */
  talkLimit?: number;
  talkWindowMs?: number;
  /** Items per Talk export page (Zendesk: about 1000). */
  talkPageSize?: number;
  /** Events per page of one side conversation's event list (offset pages, `?page=N`). */
  sideConversationEventsPageSize?: number;
  /**
   * Which parameter the account-wide side conversation events list takes (the reference could not confirm
   * which one the live API wants): the other one is answered 400. Default: either.
   */
  incrementalEventsParameter?: 'start_time' | 'unix_time';
  now?: () => number;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function digits(text: string | null | undefined): string {
  return (text ?? '').replace(/\D/g, '');
}

type Body = Record<string, unknown>;

class Answer {
  constructor(
    readonly status: number,
    readonly payload?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export class FakeZendesk {
  readonly requests: RecordedRequest[] = [];
  /** Requests the spec (or the fake's own checks) refused: a test that passes has none. */
  readonly specProblems: { method: string; path: string; operation: string; problems: string[] }[] = [];
  readonly unknownRoutes: string[] = [];
  /** Requests that arrived while a Retry-After we sent had not yet run out. */
  readonly retryAfterViolations: RecordedRequest[] = [];
  readonly tickets = new Map<number, FakeTicket>();
  readonly users = new Map<number, FakeUser>();
  readonly organizations = new Map<number, FakeOrganization>();
  readonly sideConversations = new Map<string, FakeSideConversation>();
  readonly talkCalls = new Map<number, Record<string, unknown>>();
  readonly talkLegs = new Map<number, Record<string, unknown>>();
  readonly phoneNumbers: { id: number; number: string }[] = [];
  readonly failures: InjectedFailure[] = [];
  /** Requests whose path matches one of these are never answered (a Zendesk that hangs); stop() ends them. */
  readonly hangPaths: RegExp[] = [];
  readonly email: string;
  readonly token: string;
  readonly tokens: string[];
  readonly me: FakeUser;
  limit: number;
  windowMs: number;
  talkLimit: number;
  talkWindowMs: number;
  talkPageSize: number;
  private readonly sideConversationEventsPageSize: number;
  private readonly incrementalEventsParameter: 'start_time' | 'unix_time' | undefined;
  url = '';
  private readonly now: () => number;
  private nextId = 1000;
  private server: Server | null = null;
  private readonly windows = {
    support: { start: 0, used: 0, blockedUntil: 0 },
    talk: { start: 0, used: 0, blockedUntil: 0 },
  };

  constructor(options: FakeZendeskOptions = {}) {
    this.email = options.email ?? 'bot@example.com';
    this.token = options.token ?? 'fake-zendesk-token';
    this.tokens = [this.token, ...(options.extraTokens ?? [])];
    this.limit = options.limit ?? 200;
    this.windowMs = options.windowMs ?? 60_000;
    this.talkLimit = options.talkLimit ?? 10;
    this.talkWindowMs = options.talkWindowMs ?? 60_000;
    this.talkPageSize = options.talkPageSize ?? 1000;
    this.sideConversationEventsPageSize = options.sideConversationEventsPageSize ?? 100;
    this.incrementalEventsParameter = options.incrementalEventsParameter;
    this.now = options.now ?? Date.now;
    this.me = this.addUser({ name: 'Ringback Bot', email: this.email, role: 'admin' });
  }

  // --- test helpers ----------------------------------------------------------------------------------

  private id(): number {
    return this.nextId++;
  }

  addUser(user: Partial<FakeUser> & { name: string }): FakeUser {
    const created: FakeUser = {
      id: user.id ?? this.id(),
      email: null,
      phone: null,
      role: 'end-user',
      active: true,
      external_id: null,
      identities: [],
      created_at: iso(this.now()),
      ...user,
    };
    if (created.phone && !created.identities.some((i) => i.type === 'phone_number')) {
      created.identities.push({ id: this.id(), type: 'phone_number', value: created.phone });
    }
    this.users.set(created.id, created);
    return created;
  }

  addOrganization(organization: Omit<FakeOrganization, 'id'> & { id?: number }): FakeOrganization {
    const created = { ...organization, id: organization.id ?? this.id() };
    this.organizations.set(created.id, created);
    return created;
  }

  addAgent(name: string, email: string, role: 'agent' | 'admin' = 'agent'): FakeUser {
    return this.addUser({ name, email, role });
  }

  /** A ticket as Zendesk Talk makes it (voice channel, abandoned tags). */
  /** Uses up the account's current minute, as the customer's other apps might: the next request gets 429. */
  spendAccountMinute(): void {
    this.windows.support = { ...this.windows.support, start: this.now(), used: this.limit };
  }

  addTicket(ticket: Partial<FakeTicket>): FakeTicket {
    const now = this.now();
    const created: FakeTicket = {
      id: ticket.id ?? this.id(),
      subject: null,
      status: 'new',
      requester_id: null,
      assignee_id: null,
      group_id: null,
      external_id: null,
      tags: [],
      custom_fields: [],
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      created_at: iso(now),
      updated_at: iso(now),
      comments: [],
      ...ticket,
    };
    this.tickets.set(created.id, created);
    return created;
  }

  /** Someone else (Talk, an agent) changed the ticket: stamps read before now are stale. */
  touchTicket(id: number): void {
    const ticket = this.tickets.get(id);
    if (ticket) this.bump(ticket);
  }

  addTalkCall(call: Record<string, unknown> & { id: number; updated_at: string }): void {
    this.talkCalls.set(call.id, call);
  }

  addTalkLeg(leg: Record<string, unknown> & { id: number; call_id: number; updated_at: string }): void {
    this.talkLegs.set(leg.id, leg);
  }

  inject(failure: InjectedFailure): void {
    this.failures.push({ times: 1, ...failure });
  }

  /** A participant answers in the side conversation (by email), as Zendesk records it. */
  replyFromZendesk(
    sideConversationId: string,
    from: { name: string; email: string; body: string },
  ): FakeSideConversationEvent {
    const sc = this.sideConversations.get(sideConversationId);
    if (!sc) throw new Error(`no side conversation ${sideConversationId}`);
    const event = this.scEvent(
      sc,
      'reply',
      'email',
      { user_id: null, name: from.name, email: from.email },
      {
        subject: sc.subject,
        body: from.body,
        to: [],
        external_ids: {},
      },
    );
    const ticket = this.tickets.get(sc.ticket_id);
    if (ticket) this.bump(ticket);
    return event;
  }

  accepted(method?: string, path?: RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.status < 300 && (!method || r.method === method) && (!path || path.test(r.path)),
    );
  }

  rateLimited(): RecordedRequest[] {
    return this.requests.filter((r) => r.status === 429);
  }

  ticketsWithExternalId(externalId: string): FakeTicket[] {
    return [...this.tickets.values()].filter((t) => t.external_id === externalId);
  }

  // --- server --------------------------------------------------------------------------------------------

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'InternalError', description: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return { unparsable: text };
    }
  }

  private budget(kind: 'support' | 'talk'): Answer | null {
    const window = this.windows[kind];
    const limit = kind === 'talk' ? this.talkLimit : this.limit;
    const length = kind === 'talk' ? this.talkWindowMs : this.windowMs;
    const now = this.now();
    if (now - window.start >= length) {
      window.start = now;
      window.used = 0;
    }
    window.used++;
    if (window.used <= limit) return null;
    const seconds = Math.max(1, Math.ceil((window.start + length - now) / 1000));
    window.blockedUntil = Math.max(window.blockedUntil, now + seconds * 1000);
    return new Answer(
      429,
      { error: 'TooManyRequests', description: 'Rate limit exceeded' },
      { 'retry-after': String(seconds) },
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const body = await this.readBody(req);
    const path = url.pathname;
    const talk = /\/channels\/voice\/stats\/incremental\//.test(path);
    const window = this.windows[talk ? 'talk' : 'support'];
    const record: RecordedRequest = {
      token: this.tokenOf(req.headers.authorization),
      method,
      path,
      query: url.searchParams,
      body,
      status: 0,
      at: this.now(),
    };
    // A client that honours Retry-After sends nothing until it ran out (250 ms for requests in flight).
    if (
      record.at < window.blockedUntil - 250 &&
      window.blockedUntil - record.at < (talk ? this.talkWindowMs : this.windowMs)
    ) {
      this.retryAfterViolations.push(record);
    }
    if (this.hangPaths.some((pattern) => pattern.test(path))) {
      this.requests.push(record);
      return;
    }
    const answer = this.route(method, path, url.searchParams, body, talk, req.headers.authorization);
    record.status = answer.status;
    this.requests.push(record);
    // Zendesk says on every answer how much of the account's minute is left.
    const accountWindow = this.windows.support;
    res.writeHead(answer.status, {
      ...(answer.payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'x-rate-limit': String(this.limit),
      'x-rate-limit-remaining': String(Math.max(0, this.limit - accountWindow.used)),
      ...answer.headers,
    });
    res.end(answer.payload === undefined ? undefined : JSON.stringify(answer.payload));
  }

  private tokenOf(authorization: string | undefined): string | null {
    return (
      this.tokens.find(
        (token) =>
          authorization === `Basic ${Buffer.from(`${this.email}/token:${token}`).toString('base64')}`,
      ) ?? null
    );
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    talk: boolean,
    authorization: string | undefined,
  ): Answer {
    // API token auth: Basic base64("{email}/token:{token}").
    if (this.tokenOf(authorization) === null) return new Answer(401, { error: "Couldn't authenticate you" });
    const limited = this.budget(talk ? 'talk' : 'support');
    if (limited) return limited;

    const failure = this.failures.find(
      (f) =>
        f.method === method &&
        f.path.test(path) &&
        (f.times ?? 0) > 0 &&
        (f.bodyMatches === undefined || f.bodyMatches(body)),
    );
    if (failure) {
      if (failure.afterApply) this.apply(method, path, query, body);
      failure.times = (failure.times ?? 1) - 1;
      failure.meanwhile?.();
      return new Answer(
        failure.status,
        failure.body ??
          (failure.status === 409
            ? {
                error: 'UpdateConflict',
                description:
                  'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
              }
            : { error: 'Injected', description: `injected ${failure.status}` }),
        failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
      );
    }

    return this.apply(method, path, query, body);
  }

  private apply(method: string, path: string, query: URLSearchParams, body: unknown): Answer {
    const spec = checkAgainstSpec(method, path, query, body);
    if (spec.covered && spec.problems.length > 0) {
      this.specProblems.push({ method, path, operation: spec.operationId, problems: spec.problems });
      return new Answer(400, { error: 'InvalidRequest', description: spec.problems.join('; ') });
    }
    const clean = path.replace(/\.json$/, '');
    try {
      return this.dispatch(method, clean, query, (body ?? {}) as Body);
    } catch (error) {
      if (error instanceof Answer) return error;
      throw error;
    }
  }

  private invalid(method: string, path: string, problems: string[]): Answer {
    this.specProblems.push({ method, path, operation: 'fake check', problems });
    return new Answer(422, { error: 'RecordInvalid', description: problems.join('; ') });
  }

  private dispatch(method: string, path: string, query: URLSearchParams, body: Body): Answer {
    let m: RegExpExecArray | null;
    const route = (re: RegExp) => {
      m = re.exec(path);
      return m !== null;
    };
    const num = (i: number) => Number((m as RegExpExecArray)[i]);
    const str = (i: number) => String((m as RegExpExecArray)[i]);

    if (method === 'GET' && route(/^\/api\/v2\/users\/me$/))
      return new Answer(200, { user: this.userJson(this.me) });
    if (method === 'GET' && route(/^\/api\/v2\/users\/search$/)) return this.searchUsers(query);
    if (method === 'POST' && route(/^\/api\/v2\/users\/create_or_update$/))
      return this.createOrUpdateUser(body);
    if (method === 'POST' && route(/^\/api\/v2\/users$/)) return this.createUser(body);
    if (method === 'GET' && route(/^\/api\/v2\/users\/(\d+)$/)) {
      const user = this.users.get(num(1));
      return user ? new Answer(200, { user: this.userJson(user) }) : this.notFound();
    }
    if (method === 'GET' && route(/^\/api\/v2\/users\/(\d+)\/identities$/)) {
      const user = this.users.get(num(1));
      if (!user) return this.notFound();
      return new Answer(200, {
        identities: user.identities.map((identity, index) => ({
          ...identity,
          user_id: user.id,
          primary: index === 0,
          url: `${this.url}/api/v2/users/${user.id}/identities/${identity.id}.json`,
        })),
        next_page: null,
        previous_page: null,
        count: user.identities.length,
      });
    }
    if (method === 'GET' && route(/^\/api\/v2\/users\/(\d+)\/tickets\/requested$/)) {
      const list = [...this.tickets.values()]
        .filter((t) => t.requester_id === num(1))
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
      return new Answer(200, {
        tickets: list.map((t) => this.ticketJson(t)),
        next_page: null,
        previous_page: null,
        count: list.length,
      });
    }
    if (method === 'GET' && route(/^\/api\/v2\/organizations\/(\d+)$/)) {
      const organization = this.organizations.get(num(1));
      return organization ? new Answer(200, { organization }) : this.notFound();
    }
    if (method === 'POST' && route(/^\/api\/v2\/users\/(\d+)\/identities$/)) {
      const user = this.users.get(num(1));
      if (!user) return this.notFound();
      const identity = body.identity as { type: string; value: string };
      const created = { id: this.id(), type: identity.type, value: identity.value };
      user.identities.push(created);
      return new Answer(201, { identity: { ...created, user_id: user.id } });
    }

    if (method === 'GET' && route(/^\/api\/v2\/tickets$/)) {
      const externalId = query.get('external_id');
      const list = [...this.tickets.values()].filter(
        (t) => externalId === null || t.external_id === externalId,
      );
      return new Answer(200, {
        tickets: list.map((t) => this.ticketJson(t)),
        next_page: null,
        previous_page: null,
        count: list.length,
      });
    }
    if (method === 'POST' && route(/^\/api\/v2\/tickets$/)) return this.createTicket(path, body);
    if (route(/^\/api\/v2\/tickets\/side_conversations\/events$/) && method === 'GET')
      return this.incrementalEvents(path, query);
    if (method === 'GET' && route(/^\/api\/v2\/tickets\/(\d+)$/)) {
      const ticket = this.tickets.get(num(1));
      return ticket ? new Answer(200, { ticket: this.ticketJson(ticket) }) : this.notFound();
    }
    if (method === 'PUT' && route(/^\/api\/v2\/tickets\/(\d+)$/))
      return this.updateTicket(path, num(1), body);
    if (method === 'PUT' && route(/^\/api\/v2\/tickets\/(\d+)\/tags$/))
      return this.addTags(path, num(1), body);
    if (method === 'GET' && route(/^\/api\/v2\/tickets\/(\d+)\/comments$/)) {
      const ticket = this.tickets.get(num(1));
      if (!ticket) return this.notFound();
      // Offset pagination as Zendesk does it: oldest first unless sort_order=desc, at most 100 a page.
      const ordered = query.get('sort_order') === 'desc' ? [...ticket.comments].reverse() : ticket.comments;
      return new Answer(200, {
        comments: ordered.slice(0, COMMENTS_PER_PAGE),
        next_page: ordered.length > COMMENTS_PER_PAGE ? `${path}?page=2` : null,
        previous_page: null,
        count: ticket.comments.length,
      });
    }

    if (route(/^\/api\/v2\/tickets\/(\d+)\/side_conversations$/)) {
      const ticket = this.tickets.get(num(1));
      if (!ticket) return this.notFound();
      if (method === 'POST') return this.createSideConversation(path, ticket, body);
      if (method === 'GET') {
        const list = [...this.sideConversations.values()].filter((sc) => sc.ticket_id === ticket.id);
        return new Answer(200, {
          side_conversations: list.map((sc) => this.scJson(sc)),
          next_page: null,
          previous_page: null,
          count: list.length,
        });
      }
    }
    if (route(/^\/api\/v2\/tickets\/(\d+)\/side_conversations\/([^/]+)\/reply$/) && method === 'POST') {
      return this.replySideConversation(path, num(1), str(2), body);
    }
    if (route(/^\/api\/v2\/tickets\/(\d+)\/side_conversations\/([^/]+)\/events$/) && method === 'GET') {
      const sc = this.sideConversations.get(str(2));
      if (!sc || sc.ticket_id !== num(1)) return this.notFound();
      const size = this.sideConversationEventsPageSize;
      const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
      const pageUrl = (n: number) =>
        `${this.url}/api/v2/tickets/${sc.ticket_id}/side_conversations/${sc.id}/events.json?page=${n}`;
      return new Answer(200, {
        events: sc.events.slice((page - 1) * size, page * size).map((e) => this.eventJson(e)),
        next_page: page * size < sc.events.length ? pageUrl(page + 1) : null,
        previous_page: page > 1 ? pageUrl(page - 1) : null,
        count: sc.events.length,
      });
    }
    if (route(/^\/api\/v2\/tickets\/(\d+)\/side_conversations\/([^/]+)$/)) {
      const sc = this.sideConversations.get(str(2));
      if (!sc || sc.ticket_id !== num(1)) return this.notFound();
      if (method === 'GET') return new Answer(200, { side_conversation: this.scJson(sc) });
      if (method === 'PUT') {
        const update = (body.side_conversation ?? {}) as { state?: unknown; subject?: unknown };
        const problems: string[] = [];
        if (typeof body.side_conversation !== 'object') problems.push('side_conversation is required');
        if (update.state !== undefined && update.state !== 'open' && update.state !== 'closed')
          problems.push('state must be open or closed');
        if (problems.length > 0) return this.invalid(method, path, problems);
        if (update.state === 'open' || update.state === 'closed') {
          sc.state = update.state;
          this.scEvent(
            sc,
            'update',
            'api',
            { user_id: this.me.id, name: this.me.name, email: this.me.email },
            null,
            { state: update.state },
          );
        }
        return new Answer(200, { side_conversation: this.scJson(sc) });
      }
    }

    if (method === 'GET' && route(/^\/api\/v2\/channels\/voice\/stats\/incremental\/(calls|legs)$/)) {
      return this.talkExport(path, str(1) as 'calls' | 'legs', query);
    }
    if (method === 'GET' && route(/^\/api\/v2\/channels\/voice\/phone_numbers$/)) {
      return new Answer(200, {
        phone_numbers: this.phoneNumbers,
        next_page: null,
        previous_page: null,
        count: this.phoneNumbers.length,
      });
    }

    this.unknownRoutes.push(`${method} ${path}`);
    return new Answer(404, { error: 'InvalidEndpoint', description: 'Not found' });
  }

  private notFound(): Answer {
    return new Answer(404, { error: 'RecordNotFound', description: 'Not found' });
  }

  private bump(ticket: FakeTicket): void {
    // Zendesk stamps have second resolution: make every change visibly newer.
    const previous = Date.parse(ticket.updated_at);
    ticket.updated_at = iso(Math.max(this.now(), previous + 1000));
  }

  private userJson(user: FakeUser) {
    const { identities: _identities, ...rest } = user;
    return { ...rest, url: `${this.url}/api/v2/users/${user.id}.json` };
  }

  private ticketJson(ticket: FakeTicket) {
    const { comments: _comments, ...rest } = ticket;
    return { ...rest, url: `${this.url}/api/v2/tickets/${ticket.id}.json` };
  }

  private searchUsers(query: URLSearchParams): Answer {
    const externalId = query.get('external_id');
    const q = (query.get('query') ?? '').trim().toLowerCase();
    let found: FakeUser[];
    if (externalId !== null) {
      found = [...this.users.values()].filter(
        (u) => u.external_id?.toLowerCase() === externalId.toLowerCase(),
      );
    } else if (digits(q).length >= 7 && /^[+\d\s().-]+$/.test(q)) {
      const wanted = digits(q);
      const phones = (u: FakeUser) => [
        u.phone,
        ...u.identities.filter((i) => i.type === 'phone_number').map((i) => i.value),
      ];
      found = [...this.users.values()].filter((u) =>
        phones(u).some(
          (p) => digits(p).endsWith(wanted) || (wanted.endsWith(digits(p)) && digits(p).length >= 7),
        ),
      );
    } else {
      found = [...this.users.values()].filter(
        (u) => u.name.toLowerCase().includes(q) || (u.email ?? '').toLowerCase().includes(q),
      );
    }
    return new Answer(200, {
      users: found.map((u) => this.userJson(u)),
      next_page: null,
      previous_page: null,
      count: found.length,
    });
  }

  /**
   * Create User: unlike create_or_update it changes no existing user; an external id or e-mail another user
   * has is refused, as Zendesk answers a duplicate (the `zendesk2` gem's and other fakes' "has already been taken").
   */
  private createUser(body: Body): Answer {
    const input = (body.user ?? {}) as Partial<FakeUser>;
    const externalId = input.external_id?.toLowerCase();
    const email = input.email?.toLowerCase();
    const taken = (field: 'external_id' | 'email', description: string) =>
      new Answer(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { [field]: [{ description, error: 'DuplicateValue' }] },
      });
    const users = [...this.users.values()];
    if (externalId && users.some((u) => u.external_id?.toLowerCase() === externalId))
      return taken('external_id', 'External has already been taken');
    if (email && users.some((u) => u.email?.toLowerCase() === email))
      return taken('email', `Email: ${input.email} is already being used by another user`);
    return this.createOrUpdateUser(body);
  }

  private createOrUpdateUser(body: Body): Answer {
    const input = (body.user ?? {}) as Partial<FakeUser> & { identities?: { type: string; value: string }[] };
    if (typeof input.name !== 'string' || input.name === '')
      return this.invalid('POST', '/api/v2/users', ['user.name is required']);
    const existing = [...this.users.values()].find(
      (u) =>
        (input.external_id && u.external_id?.toLowerCase() === input.external_id.toLowerCase()) ||
        (input.email && u.email?.toLowerCase() === input.email.toLowerCase()),
    );
    if (existing) {
      existing.name = input.name;
      return new Answer(200, { user: this.userJson(existing) });
    }
    for (const identity of input.identities ?? []) {
      const taken = [...this.users.values()].some((u) =>
        u.identities.some((i) => i.type === identity.type && digits(i.value) === digits(identity.value)),
      );
      if (taken)
        return new Answer(422, {
          error: 'RecordInvalid',
          description: `${identity.value} is already being used by another user`,
        });
    }
    const phone = input.phone ?? input.identities?.find((i) => i.type === 'phone_number')?.value ?? null;
    const user = this.addUser({
      name: input.name,
      email: input.email ?? null,
      phone,
      role: (input.role as FakeUser['role']) ?? 'end-user',
      external_id: input.external_id ?? null,
      identities: (input.identities ?? []).map((i) => ({ id: this.id(), type: i.type, value: i.value })),
    });
    return new Answer(
      201,
      { user: this.userJson(user) },
      { location: `${this.url}/api/v2/users/${user.id}.json` },
    );
  }

  private comment(ticket: FakeTicket, input: unknown): void {
    const comment = input as { body?: string; html_body?: string; public?: boolean } | undefined;
    if (!comment) return;
    ticket.comments.push({
      id: this.id(),
      type: 'Comment',
      body: comment.body ?? comment.html_body ?? '',
      // The first comment's visibility persists unless a later one says otherwise.
      public: comment.public ?? ticket.comments[0]?.public ?? true,
      author_id: this.me.id,
      created_at: iso(this.now()),
    });
  }

  private createTicket(path: string, body: Body): Answer {
    const input = (body.ticket ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof input.requester_id === 'number' && !this.users.has(input.requester_id))
      problems.push('requester_id is no user');
    const followed = input.via_followup_source_id;
    if (followed !== undefined && (typeof followed !== 'number' || !this.tickets.has(followed)))
      problems.push('via_followup_source_id is no ticket');
    if (problems.length > 0) return this.invalid('POST', path, problems);
    // A follow-up names the closed ticket it follows in its via; the field does nothing for other tickets.
    const source = typeof followed === 'number' ? this.tickets.get(followed) : undefined;
    const via: FakeTicket['via'] | undefined =
      source?.status === 'closed'
        ? {
            channel: 'api',
            source: { from: { ticket_id: source.id, subject: source.subject }, to: {}, rel: 'follow_up' },
          }
        : undefined;
    const ticket = this.addTicket({
      ...(via ? { via } : {}),
      subject: (input.subject as string | undefined) ?? null,
      requester_id: (input.requester_id as number | undefined) ?? this.me.id,
      assignee_id: (input.assignee_id as number | undefined) ?? null,
      group_id: (input.group_id as number | undefined) ?? null,
      external_id: (input.external_id as string | undefined) ?? null,
      tags: [...new Set((input.tags as string[] | undefined) ?? [])],
      status: (input.status as string | undefined) ?? 'new',
    });
    this.comment(ticket, input.comment);
    return new Answer(
      201,
      { ticket: this.ticketJson(ticket), audit: { id: this.id(), ticket_id: ticket.id, events: [] } },
      {
        location: `${this.url}/api/v2/tickets/${ticket.id}.json`,
      },
    );
  }

  private stale(ticket: FakeTicket, body: { safe_update?: unknown; updated_stamp?: unknown }): Answer | null {
    if (body.safe_update !== true && body.safe_update !== 'true') return null;
    if (typeof body.updated_stamp !== 'string') {
      return new Answer(400, {
        error: 'InvalidRequest',
        description: 'updated_stamp is required with safe_update',
      });
    }
    if (Date.parse(body.updated_stamp) === Date.parse(ticket.updated_at)) return null;
    return new Answer(409, {
      error: 'UpdateConflict',
      description:
        'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
    });
  }

  private updateTicket(path: string, id: number, body: Body): Answer {
    const ticket = this.tickets.get(id);
    if (!ticket) return this.notFound();
    const input = (body.ticket ?? {}) as Record<string, unknown>;
    const conflict = this.stale(ticket, input);
    if (conflict) return conflict;
    // Zendesk takes no change to a closed ticket (a follow-up ticket is the way to add to it).
    if (ticket.status === 'closed') {
      return new Answer(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { status: [{ description: 'Status: closed prevents ticket update' }] },
      });
    }
    const assignee = 'assignee_id' in input ? (input.assignee_id as number | null) : ticket.assignee_id;
    const status = (input.status as string | undefined) ?? ticket.status;
    if (assignee !== null && !this.users.get(assignee)?.role.match(/agent|admin/)) {
      return this.invalid('PUT', path, [`assignee ${assignee} is not an agent`]);
    }
    const groups = assignee === null ? undefined : this.users.get(assignee)?.groupIds;
    const group = 'group_id' in input ? (input.group_id as number | null) : ticket.group_id;
    if (
      groups &&
      group !== null &&
      group !== undefined &&
      !groups.includes(group) &&
      'assignee_id' in input
    ) {
      // As a real account answers (facetoe/zenpy#628).
      return new Answer(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { assignee_id: [{ description: 'Assignee: is not a member of the group' }] },
      });
    }
    if (status === 'solved' && assignee === null) {
      return new Answer(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { status: [{ description: 'Status: solved is not valid with no assignee' }] },
      });
    }
    ticket.assignee_id = assignee;
    ticket.status = status === 'new' && assignee !== null ? 'open' : status;
    if (Array.isArray(input.tags)) ticket.tags = [...new Set(input.tags as string[])];
    if (typeof input.group_id === 'number') ticket.group_id = input.group_id;
    if (typeof input.subject === 'string') ticket.subject = input.subject;
    if (Array.isArray(input.custom_fields)) {
      for (const field of input.custom_fields as { id: number; value: unknown }[]) {
        ticket.custom_fields = [...ticket.custom_fields.filter((f) => f.id !== field.id), field];
      }
    }
    this.comment(ticket, input.comment);
    this.bump(ticket);
    return new Answer(200, {
      ticket: this.ticketJson(ticket),
      audit: { id: this.id(), ticket_id: ticket.id, events: [] },
    });
  }

  private addTags(path: string, id: number, body: Body): Answer {
    const ticket = this.tickets.get(id);
    if (!ticket) return this.notFound();
    if (!Array.isArray(body.tags) || body.tags.length === 0)
      return this.invalid('PUT', path, ['tags must be a non-empty array']);
    const conflict = this.stale(ticket, body);
    if (conflict) return conflict;
    ticket.tags = [...new Set([...ticket.tags, ...(body.tags as string[])])];
    this.bump(ticket);
    return new Answer(200, { tags: ticket.tags });
  }

  // --- side conversations ------------------------------------------------------------------------------

  private checkMessage(message: unknown, requireTo: boolean): string[] {
    const problems: string[] = [];
    if (!message || typeof message !== 'object') return ['message is required'];
    const m = message as Record<string, unknown>;
    if (typeof m.body !== 'string' && typeof m.html_body !== 'string')
      problems.push('message.body or message.html_body is required');
    if (requireTo && (!Array.isArray(m.to) || m.to.length === 0)) problems.push('message.to is required');
    if (Array.isArray(m.to)) {
      for (const p of m.to as Record<string, unknown>[]) {
        const keys = Object.keys(p ?? {});
        const known = [
          'email',
          'name',
          'user_id',
          'slack_workspace_id',
          'slack_channel_id',
          'msteams_channel_id',
          'support_group_id',
          'support_agent_id',
        ];
        if (keys.length === 0 || keys.some((k) => !known.includes(k)))
          problems.push(`participant ${JSON.stringify(p)} is not one Zendesk knows`);
      }
    }
    if (
      m.external_ids !== undefined &&
      !Object.values(m.external_ids as object).every((v) => typeof v === 'string')
    ) {
      problems.push('message.external_ids values must be strings');
    }
    const unknown = Object.keys(m).filter(
      (k) => !['subject', 'body', 'html_body', 'to', 'from', 'attachment_ids', 'external_ids'].includes(k),
    );
    if (unknown.length > 0) problems.push(`message has unknown fields ${unknown.join(', ')}`);
    return problems;
  }

  private scEvent(
    sc: FakeSideConversation,
    type: string,
    via: string,
    actor: FakeSideConversationEvent['actor'],
    message: FakeSideConversationEvent['message'],
    updates: Record<string, unknown> = {},
  ): FakeSideConversationEvent {
    const now = this.now();
    const event: FakeSideConversationEvent = {
      id: randomUUID(),
      side_conversation_id: sc.id,
      ticket_id: sc.ticket_id,
      type,
      via,
      created_at: new Date(now).toISOString(),
      created_ms: now,
      actor,
      message,
      updates,
    };
    sc.events.push(event);
    return event;
  }

  private eventJson(event: FakeSideConversationEvent) {
    const { created_ms: _created, ...rest } = event;
    return rest;
  }

  private scJson(sc: FakeSideConversation) {
    const { events: _events, ...rest } = sc;
    return { ...rest, url: `${this.url}/api/v2/tickets/${sc.ticket_id}/side_conversations/${sc.id}` };
  }

  private createSideConversation(path: string, ticket: FakeTicket, body: Body): Answer {
    const problems = this.checkMessage(body.message, true);
    const unknown = Object.keys(body).filter((k) => !['message', 'external_ids'].includes(k));
    if (unknown.length > 0) problems.push(`unknown fields ${unknown.join(', ')}`);
    if (problems.length > 0) return this.invalid('POST', path, problems);
    const message = body.message as {
      subject?: string;
      body: string;
      to: unknown[];
      external_ids?: Record<string, string>;
    };
    const sc: FakeSideConversation = {
      id: randomUUID(),
      ticket_id: ticket.id,
      subject: message.subject ?? null,
      state: 'open',
      participants: message.to,
      external_ids: (body.external_ids as Record<string, string> | undefined) ?? {},
      created_at: new Date(this.now()).toISOString(),
      events: [],
    };
    this.sideConversations.set(sc.id, sc);
    const event = this.scEvent(
      sc,
      'create',
      'api',
      { user_id: this.me.id, name: this.me.name, email: this.me.email },
      {
        subject: sc.subject,
        body: message.body,
        to: message.to,
        external_ids: message.external_ids ?? {},
      },
    );
    this.bump(ticket);
    return new Answer(201, { side_conversation: this.scJson(sc), event: this.eventJson(event), updates: {} });
  }

  private replySideConversation(path: string, ticketId: number, id: string, body: Body): Answer {
    const sc = this.sideConversations.get(id);
    if (!sc || sc.ticket_id !== ticketId) return this.notFound();
    const problems = this.checkMessage(body.message, false);
    if (problems.length > 0) return this.invalid('POST', path, problems);
    const message = body.message as {
      subject?: string;
      body: string;
      to?: unknown[];
      external_ids?: Record<string, string>;
    };
    sc.state = 'open';
    const event = this.scEvent(
      sc,
      'reply',
      'api',
      { user_id: this.me.id, name: this.me.name, email: this.me.email },
      {
        subject: message.subject ?? sc.subject,
        body: message.body,
        to: message.to ?? sc.participants,
        external_ids: message.external_ids ?? {},
      },
    );
    const ticket = this.tickets.get(ticketId);
    if (ticket) this.bump(ticket);
    return new Answer(200, { side_conversation: this.scJson(sc), event: this.eventJson(event), updates: {} });
  }

  private incrementalEvents(path: string, query: URLSearchParams): Answer {
    const wanted = this.incrementalEventsParameter;
    if (wanted && !query.has(wanted)) {
      return new Answer(400, { error: 'InvalidParameter', description: `${wanted} is required` });
    }
    const start = Number(query.get('start_time') ?? query.get('unix_time'));
    if (!Number.isFinite(start)) return this.invalid('GET', path, ['start_time is required']);
    const events = [...this.sideConversations.values()]
      .flatMap((sc) => sc.events)
      .filter((e) => Math.floor(e.created_ms / 1000) >= start)
      .sort((a, b) => a.created_ms - b.created_ms);
    const endTime =
      events.length > 0
        ? Math.floor((events[events.length - 1] as FakeSideConversationEvent).created_ms / 1000)
        : start;
    return new Answer(200, {
      events: events.map((e) => this.eventJson(e)),
      count: events.length,
      end_time: endTime,
      next_page: `${this.url}/api/v2/tickets/side_conversations/events?${wanted ?? 'start_time'}=${endTime}`,
    });
  }

  // --- Talk ---------------------------------------------------------------------------------------------

  private talkExport(path: string, kind: 'calls' | 'legs', query: URLSearchParams): Answer {
    const raw = query.get('start_time');
    if (raw === null || !/^\d+$/.test(raw))
      return this.invalid('GET', path, ['start_time (unix seconds) is required']);
    const unknown = [...query.keys()].filter((k) => k !== 'start_time');
    if (unknown.length > 0) return this.invalid('GET', path, [`unknown parameters ${unknown.join(', ')}`]);
    const start = Number(raw);
    const items = [...(kind === 'calls' ? this.talkCalls : this.talkLegs).values()]
      .map((item) => ({ item, at: Math.floor(Date.parse(String(item.updated_at)) / 1000) }))
      .filter(({ at }) => at >= start)
      .sort((a, b) => a.at - b.at)
      .slice(0, this.talkPageSize);
    const endTime = items.length > 0 ? (items[items.length - 1] as { at: number }).at : start;
    return new Answer(200, {
      [kind]: items.map(({ item }) => item),
      count: items.length,
      end_time: endTime,
      next_page: `${this.url}/api/v2/channels/voice/stats/incremental/${kind}.json?start_time=${endTime}`,
    });
  }
}
