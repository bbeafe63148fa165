/**
 * A fake Aircall Public API on 127.0.0.1 (port 0) speaking the documented wire format: Basic auth
 * (403 on a bad key, 401 without one), a per-window request limit answered with 429 and the
 * X-AircallApi-Limit/-Remaining/-Reset headers (Reset in Unix seconds), and the endpoints Ringback uses.
 * Every request body is validated against the documented shape; a bad one is answered 400 and recorded.
 * Comments and tags POSTed to a call are kept on it and served back by GET /v1/calls/:id.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface FakeAircallUser {
  id: number;
  name: string;
  email: string;
  /** The agent's availability toggle (`available` in GET /v1/users); default true. */
  available?: boolean;
}

export interface FakeAircallNumber {
  id: number;
  name: string;
  /** Formatted, as Aircall shows it: `+33 1 76 36 06 95`. */
  digits: string;
  /** Ids of the users (agents) assigned to the number. */
  userIds?: number[];
}

/** A tag of the company (Aircall: Settings > Tags). */
export interface FakeAircallTag {
  id: number;
  name: string;
}

/** What the fake keeps of a call: the comments and tags written to it, in Aircall's wire format. */
export interface FakeAircallCall {
  id: number;
  comments: { id: number; content: string; posted_at: number; posted_by: null }[];
  tags: (FakeAircallTag & { tagged_at: number; tagged_by: null })[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

export interface FakeAircallOptions {
  apiId?: string;
  apiToken?: string;
  /** Requests allowed per window (Aircall: 60 or 120 per minute per company). */
  limit?: number;
  /** Window length; tests shorten it so a 429 clears quickly. */
  windowMs?: number;
  users?: FakeAircallUser[];
  numbers?: FakeAircallNumber[];
  /**
   * Ids of calls that exist. A comment or tag POSTed to another call creates it (the fake is lenient there, so
   * tests that only write need not declare their calls); GET of a call that never existed answers 404.
   */
  calls?: number[];
  /** The company's tags. A tag POSTed by a name the company lacks is created; by an unknown id, named after it. */
  tags?: FakeAircallTag[];
}

type RequestMatch = (method: string, path: string) => boolean;

const E164 = /^\+[1-9]\d{6,14}$/;
const commentBody = z.object({ content: z.string().min(1).max(5000) }).strict();
const tagsBody = z.object({ tags: z.array(z.union([z.number().int(), z.string().min(1)])).min(1) }).strict();
const dialBody = z.object({ to: z.string().regex(E164, 'to must be E.164') }).strict();

export class FakeAircall {
  readonly requests: RecordedRequest[] = [];
  readonly apiId: string;
  readonly apiToken: string;
  users: FakeAircallUser[];
  numbers: FakeAircallNumber[];
  readonly calls = new Map<number, FakeAircallCall>();
  readonly tags: FakeAircallTag[];
  limit: number;
  windowMs: number;
  private windowStart = 0;
  private used = 0;
  private server: Server | null = null;
  private nextCommentId = 90_000_001;
  private nextTagId = 70_000_001;
  /** Answered as scripted instead of being carried out. */
  private readonly scriptedAnswers: { match: RequestMatch; status: number; body?: unknown }[] = [];
  /** Carried out, then answered late or never. */
  private readonly withheldAnswers: { match: RequestMatch; answerAfterMs: number }[] = [];
  url = '';

  constructor(options: FakeAircallOptions = {}) {
    this.apiId = options.apiId ?? 'fake-api-id';
    this.apiToken = options.apiToken ?? 'fake-api-token';
    this.limit = options.limit ?? 60;
    this.windowMs = options.windowMs ?? 60_000;
    this.users = options.users ?? [];
    this.numbers = options.numbers ?? [];
    this.tags = options.tags ?? [];
    for (const id of options.calls ?? []) this.call(id);
  }

  /** The call with this id, created empty if the fake did not know it yet. */
  call(id: number): FakeAircallCall {
    let call = this.calls.get(id);
    if (!call) {
      call = { id, comments: [], tags: [] };
      this.calls.set(id, call);
    }
    return call;
  }

  /** The next request matching is answered `status` (and `body`) without being carried out. */
  answerNext(match: RequestMatch, status: number, body?: unknown): void {
    this.scriptedAnswers.push({ match, status, ...(body === undefined ? {} : { body }) });
  }

  /**
   * The next request matching is carried out (a comment is stored) but its answer is sent only after
   * `answerAfterMs`, or never (until stop()): the client times out although Aircall did the write.
   */
  hangNextAnswer(match: RequestMatch, options: { answerAfterMs?: number } = {}): void {
    this.withheldAnswers.push({ match, answerAfterMs: options.answerAfterMs ?? Number.POSITIVE_INFINITY });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
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

  /** Requests that reached an endpoint and were accepted (whether or not the client got the answer). */
  accepted(method?: string, pathPattern?: RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.status < 300 && (!method || r.method === method) && (!pathPattern || pathPattern.test(r.path)),
    );
  }

  rateLimited(): RecordedRequest[] {
    return this.requests.filter((r) => r.status === 429);
  }

  private numberJson(number: FakeAircallNumber) {
    return {
      id: number.id,
      direct_link: `${this.url}/v1/numbers/${number.id}`,
      name: number.name,
      digits: number.digits,
      country: 'FR',
      time_zone: 'Europe/Paris',
      open: true,
      availability_status: 'open',
      is_ivr: false,
    };
  }

  private callJson(call: FakeAircallCall) {
    return {
      id: call.id,
      direct_link: `${this.url}/v1/calls/${call.id}`,
      direction: 'inbound',
      status: 'done',
      comments: call.comments,
      tags: call.tags,
    };
  }

  private companyTag(given: string | number): FakeAircallTag {
    const known = this.tags.find((t) => (typeof given === 'number' ? t.id === given : t.name === given));
    if (known) return known;
    const created =
      typeof given === 'number' ? { id: given, name: `Tag ${given}` } : { id: this.nextTagId++, name: given };
    this.tags.push(created);
    return created;
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const body = await this.readBody(req);
    let withheld: { answerAfterMs: number } | null = null;
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname + url.search, body, status });
      const send = () => {
        // The client gave up waiting and closed the connection.
        if (res.destroyed) return;
        res.writeHead(status, {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (!withheld) return send();
      if (Number.isFinite(withheld.answerAfterMs)) setTimeout(send, withheld.answerAfterMs).unref();
    };

    const auth = req.headers.authorization;
    if (!auth) return answer(401, { error: 'Unauthorized', troubleshoot: 'Missing credentials' });
    const expected = `Basic ${Buffer.from(`${this.apiId}:${this.apiToken}`).toString('base64')}`;
    if (auth !== expected) return answer(403, { error: 'Forbidden', troubleshoot: 'Invalid API key' });

    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetSeconds = String(Math.ceil((this.windowStart + this.windowMs) / 1000));
    if (this.used >= this.limit) {
      return answer(
        429,
        { error: 'Too Many Requests', troubleshoot: 'Rate limit reached' },
        {
          'X-AircallApi-Limit': String(this.limit),
          'X-AircallApi-Remaining': '0',
          'X-AircallApi-Reset': resetSeconds,
        },
      );
    }
    this.used++;
    const limits = {
      'X-AircallApi-Limit': String(this.limit),
      'X-AircallApi-Remaining': String(this.limit - this.used),
      'X-AircallApi-Reset': resetSeconds,
    };
    const invalid = (error: z.ZodError) =>
      answer(
        400,
        {
          error: 'Bad Request',
          troubleshoot: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        },
        limits,
      );

    const scripted = this.scriptedAnswers.findIndex((s) => s.match(method, url.pathname));
    if (scripted >= 0) {
      const [script] = this.scriptedAnswers.splice(scripted, 1);
      if (script) return answer(script.status, script.body, limits);
    }
    const withheldIndex = this.withheldAnswers.findIndex((w) => w.match(method, url.pathname));
    if (withheldIndex >= 0) withheld = this.withheldAnswers.splice(withheldIndex, 1)[0] ?? null;

    if (method === 'GET' && url.pathname === '/v1/ping') return answer(200, { ping: 'pong' }, limits);
    if (method === 'GET' && url.pathname === '/v1/users') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const perPage = Math.min(50, Number(url.searchParams.get('per_page') ?? '20'));
      const slice = this.users.slice((page - 1) * perPage, page * perPage);
      const hasNext = page * perPage < this.users.length;
      return answer(
        200,
        {
          users: slice.map((u) => ({
            ...u,
            direct_link: `${this.url}/v1/users/${u.id}`,
            available: u.available ?? true,
            availability_status: (u.available ?? true) ? 'available' : 'unavailable',
          })),
          meta: {
            count: slice.length,
            total: this.users.length,
            current_page: page,
            per_page: perPage,
            next_page_link: hasNext ? `${this.url}/v1/users?page=${page + 1}&per_page=${perPage}` : null,
            previous_page_link: page > 1 ? `${this.url}/v1/users?page=${page - 1}&per_page=${perPage}` : null,
          },
        },
        limits,
      );
    }
    if (method === 'GET' && url.pathname === '/v1/numbers') {
      const page = Number(url.searchParams.get('page') ?? '1');
      const perPage = Math.min(50, Number(url.searchParams.get('per_page') ?? '20'));
      const slice = this.numbers.slice((page - 1) * perPage, page * perPage);
      const hasNext = page * perPage < this.numbers.length;
      return answer(
        200,
        {
          numbers: slice.map((n) => this.numberJson(n)),
          meta: {
            count: slice.length,
            total: this.numbers.length,
            current_page: page,
            per_page: perPage,
            next_page_link: hasNext ? `${this.url}/v1/numbers?page=${page + 1}&per_page=${perPage}` : null,
          },
        },
        limits,
      );
    }
    const numberRoute = /^\/v1\/numbers\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && numberRoute) {
      const number = this.numbers.find((n) => String(n.id) === numberRoute[1]);
      if (!number) return answer(404, { error: 'Not found', troubleshoot: 'no such number' }, limits);
      const users = this.users.filter((u) => number.userIds?.includes(u.id));
      return answer(
        200,
        {
          number: {
            ...this.numberJson(number),
            users: users.map((u) => ({ id: u.id, name: u.name, email: u.email, available: true })),
          },
        },
        limits,
      );
    }
    const callRoute = /^\/v1\/calls\/(\d+)$/.exec(url.pathname);
    if (method === 'GET' && callRoute) {
      const call = this.calls.get(Number(callRoute[1]));
      if (!call) return answer(404, { error: 'Not found', troubleshoot: 'no such call' }, limits);
      return answer(200, { call: this.callJson(call) }, limits);
    }
    const commentsRoute = /^\/v1\/calls\/(\d+)\/comments$/.exec(url.pathname);
    if (method === 'POST' && commentsRoute) {
      const parsed = commentBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      this.call(Number(commentsRoute[1])).comments.push({
        id: this.nextCommentId++,
        content: parsed.data.content,
        posted_at: Math.floor(now / 1000),
        posted_by: null,
      });
      return answer(201, undefined, limits);
    }
    const tagsRoute = /^\/v1\/calls\/(\d+)\/tags$/.exec(url.pathname);
    if (method === 'POST' && tagsRoute) {
      const parsed = tagsBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      const call = this.call(Number(tagsRoute[1]));
      for (const given of parsed.data.tags) {
        const tag = this.companyTag(given);
        // A call has a tag or not: adding one it has changes nothing.
        if (!call.tags.some((t) => t.id === tag.id))
          call.tags.push({ ...tag, tagged_at: Math.floor(now / 1000), tagged_by: null });
      }
      return answer(201, undefined, limits);
    }
    if (method === 'POST' && url.pathname.match(/^\/v1\/users\/\d+\/dial$/)) {
      if (!this.users.some((u) => `/v1/users/${u.id}/dial` === url.pathname))
        return answer(404, { error: 'Not found' }, limits);
      const parsed = dialBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      return answer(204, undefined, limits);
    }
    return answer(
      404,
      { error: 'Not found', troubleshoot: `${method} ${url.pathname} is not an Aircall endpoint` },
      limits,
    );
  }
}

export async function startFakeAircall(options: FakeAircallOptions = {}): Promise<FakeAircall> {
  return new FakeAircall(options).start();
}
