/**
 * A fake Aircall Public API on 127.0.0.1 (port 0) speaking the documented wire format: Basic auth
 * (403 on a bad key, 401 without one), a per-window request limit answered with 429 and the
 * X-AircallApi-Limit/-Remaining/-Reset headers (Reset in Unix seconds), and the endpoints Ringback uses.
 * Every request body is validated against the documented shape; a bad one is answered 400 and recorded.
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
}

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
  limit: number;
  windowMs: number;
  private windowStart = 0;
  private used = 0;
  private server: Server | null = null;
  url = '';

  constructor(options: FakeAircallOptions = {}) {
    this.apiId = options.apiId ?? 'fake-api-id';
    this.apiToken = options.apiToken ?? 'fake-api-token';
    this.limit = options.limit ?? 60;
    this.windowMs = options.windowMs ?? 60_000;
    this.users = options.users ?? [];
    this.numbers = options.numbers ?? [];
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

  /** Requests that reached an endpoint and were accepted. */
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
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname + url.search, body, status });
      res.writeHead(status, {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
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
    if (method === 'POST' && /^\/v1\/calls\/\d+\/comments$/.test(url.pathname)) {
      const parsed = commentBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      return answer(201, undefined, limits);
    }
    if (method === 'POST' && /^\/v1\/calls\/\d+\/tags$/.test(url.pathname)) {
      const parsed = tagsBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
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
