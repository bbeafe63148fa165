/**
 * The Aircall Public API, wrapped once: Basic auth (AIRCALL_API_ID:AIRCALL_API_TOKEN), a per-minute request
 * budget of our own (the company-wide limit is shared with every other integration), and Aircall's
 * `X-AircallApi-*` headers. It is called from jobs, so pacing is expressed as RetryAfter (the job comes back
 * later, no failure counted) and unfixable requests as PermanentFailure. Every request runs under the
 * Aircall vendor policy (a timeout shorter than a job's lease, and a breaker: VendorUnavailable, itself a
 * RetryAfter, while Aircall hangs or fails).
 */
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure, RetryAfter } from '../../jobs/runner.js';
import { type BudgetSource, localBudgets, type RequestBudget } from '../../resilience/budgets.js';
import { type VendorPolicy, vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { IngestMetrics } from '../metrics.js';

export const DEFAULT_AIRCALL_API_URL = 'https://api.aircall.io';
const WINDOW_MS = 60_000;

export interface AircallClientOptions {
  apiId: string;
  apiToken: string;
  /** AIRCALL_API_URL; default https://api.aircall.io. */
  baseUrl?: string;
  /** Requests per minute this process allows itself (Aircall allows 60–120 per company). */
  requestsPerMinute: number;
  clock: Clock;
  metrics?: IngestMetrics;
  /** A tighter bound than the policy's for one caller (the doctor). */
  timeoutMs?: number;
  /** Default: the process's Aircall policy (its timeout bounds every request). */
  policy?: VendorPolicy;
  /** Where the request budget lives: shared by every replica on PostgreSQL (the limit is per company). */
  budgets?: BudgetSource;
}

export interface AircallUser {
  id: string;
  name: string;
  email: string;
  /** Aircall's `available` (the agent's availability toggle); null when the answer leaves it out. */
  available: boolean | null;
  /** When the page that holds this user was asked for: an event newer than that says more. */
  readAt: number;
}

/** The most pages of users read (50 each): 10,000 users. */
const MAX_USER_PAGES = 200;
/**
 * A listing of the users cut short by the budget goes on from its next page when asked again within this
 * time; older, it starts again. A company with more pages than one minute's budget could otherwise never be
 * listed: every attempt started at page 1 and spent the budget on the same first pages.
 */
const USERS_LISTING_RESUME_MS = 10 * 60_000;

interface UsersListing {
  nextPage: number;
  users: AircallUser[];
  startedAt: number;
}

/** What Ringback reads back of one call: the comments and tags already on it. */
export interface AircallCallDetails {
  id: string;
  /** `postedAt`: Unix seconds, or null when the answer leaves it out. */
  comments: { content: string; postedAt: number | null }[];
  tags: { id: string; name: string | null }[];
}

/** A 4xx/5xx answer other than 429, kept for logs and the job's last_error. */
export class AircallApiError extends Error {
  constructor(
    readonly status: number,
    readonly operation: string,
    detail: string,
  ) {
    super(`Aircall ${operation} answered ${status}: ${detail}`);
    this.name = 'AircallApiError';
  }
}

const usersPage = z.object({
  users: z.array(
    z.object({
      id: z.union([z.number(), z.string()]).transform(String),
      name: z.string().nullish(),
      email: z.string().nullish(),
      available: z.boolean().nullish(),
    }),
  ),
  meta: z.object({ next_page_link: z.string().nullish() }).partial().optional(),
});

const aircallId = z.union([z.number(), z.string()]).transform(String);

/**
 * GET /v1/calls/:id. Aircall's Call object always carries `comments` and `tags` (empty arrays when there are
 * none), so an answer without them is refused rather than read as "nothing there".
 */
const callAnswer = z.object({
  call: z.object({
    id: aircallId,
    comments: z.array(z.object({ content: z.string(), posted_at: z.number().nullish() })),
    tags: z.array(z.object({ id: aircallId, name: z.string().nullish() })),
  }),
});

export class AircallClient {
  private readonly auth: string;
  private readonly baseUrl: string;
  /** Our share of the company's requests per minute, and Aircall's own "window spent until" (X-AircallApi-Reset). */
  private readonly budget: RequestBudget;
  private readonly policy: VendorPolicy;

  constructor(private readonly options: AircallClientOptions) {
    this.policy = options.policy ?? vendorPolicies.get('aircall');
    this.auth = `Basic ${Buffer.from(`${options.apiId}:${options.apiToken}`).toString('base64')}`;
    this.baseUrl = (options.baseUrl ?? DEFAULT_AIRCALL_API_URL).replace(/\/+$/, '');
    this.budget = (options.budgets ?? localBudgets(options.clock)).budget(
      `aircall:${options.apiId}`,
      options.requestsPerMinute,
    );
  }

  private usersListing: UsersListing | null = null;
  private usersInFlight: Promise<AircallUser[]> | null = null;

  /** Adds a note to a call (visible in the Aircall call history). */
  async comment(callId: string, content: string): Promise<void> {
    await this.request('comment', 'POST', `/v1/calls/${encodeURIComponent(callId)}/comments`, { content });
  }

  /** Tags a call; the tags must exist in Aircall. */
  async tag(callId: string, tags: (string | number)[]): Promise<void> {
    await this.request('tag', 'POST', `/v1/calls/${encodeURIComponent(callId)}/tags`, { tags });
  }

  /** One call with its comments and tags; a call Aircall does not know is a PermanentFailure (404). */
  async getCall(callId: string): Promise<AircallCallDetails> {
    const body = await this.request('get_call', 'GET', `/v1/calls/${encodeURIComponent(callId)}`);
    const parsed = callAnswer.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new AircallApiError(200, 'get_call', `unexpected body (${issues.join('; ').slice(0, 300)})`);
    }
    const { call } = parsed.data;
    return {
      id: call.id,
      comments: call.comments.map((comment) => ({
        content: comment.content,
        postedAt: comment.posted_at ?? null,
      })),
      tags: call.tags.map((tag) => ({ id: tag.id, name: tag.name ?? null })),
    };
  }

  /** Pre-fills the number in the agent's Aircall Phone; the agent presses call. */
  async dial(userId: string, to: string): Promise<void> {
    await this.request('dial', 'POST', `/v1/users/${encodeURIComponent(userId)}/dial`, { to });
  }

  /**
   * Every user of the company (paged by 50). Callers at the same time share one listing, and a listing the
   * budget cuts short (RetryAfter) keeps the pages it read: the next call goes on from where it stopped.
   */
  listUsers(): Promise<AircallUser[]> {
    this.usersInFlight ??= this.continueListingUsers().finally(() => {
      this.usersInFlight = null;
    });
    return this.usersInFlight;
  }

  private async continueListingUsers(): Promise<AircallUser[]> {
    const { clock } = this.options;
    const started = this.usersListing;
    const listing: UsersListing =
      started && clock.now() - started.startedAt <= USERS_LISTING_RESUME_MS
        ? started
        : { nextPage: 1, users: [], startedAt: clock.now() };
    this.usersListing = listing;
    for (; listing.nextPage <= MAX_USER_PAGES; listing.nextPage++) {
      const readAt = clock.now();
      const body = await this.request('list_users', 'GET', `/v1/users?page=${listing.nextPage}&per_page=50`);
      const parsed = usersPage.safeParse(body);
      if (!parsed.success) throw new AircallApiError(200, 'list_users', 'unexpected body');
      for (const user of parsed.data.users) {
        if (user.email) {
          listing.users.push({
            id: user.id,
            name: user.name ?? user.email,
            email: user.email,
            available: user.available ?? null,
            readAt,
          });
        }
      }
      if (!parsed.data.meta?.next_page_link || parsed.data.users.length === 0) break;
    }
    this.usersListing = null;
    // A user added while the listing paused can shift another onto a page already read: listed twice.
    return [...new Map(listing.users.map((user) => [user.id, user])).values()];
  }

  /** Throws RetryAfter when our own budget or Aircall's window is spent, without sending anything. */
  private async takeBudget(): Promise<void> {
    const wait = await this.budget.take();
    if (wait > 0) throw new RetryAfter(Math.max(100, wait), 'Aircall request budget is spent');
  }

  private resetDelay(headers: Headers): number | null {
    const reset = Number(headers.get('x-aircallapi-reset'));
    if (!Number.isFinite(reset) || reset <= 0) return null;
    return Math.max(1_000, reset * 1000 - this.options.clock.now());
  }

  private async request(operation: string, method: string, path: string, body?: unknown): Promise<unknown> {
    await this.takeBudget();
    return this.policy.request(operation, (signal) => this.send(operation, method, path, body, signal));
  }

  private async send(
    operation: string,
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    const count = (result: string) => this.options.metrics?.aircallApi.inc({ operation, result });
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: this.auth,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal:
          this.options.timeoutMs === undefined
            ? signal
            : AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
    } catch (error) {
      count('error');
      throw new Error(`Aircall ${operation} failed: ${(error as Error).message}`);
    }

    if (response.status === 429) {
      count('rate_limited');
      await response.body?.cancel();
      const delay = this.resetDelay(response.headers) ?? WINDOW_MS;
      await this.budget.pause(delay);
      throw new RetryAfter(delay, `Aircall ${operation} rate limited`);
    }
    // The window is spent: later requests wait for the reset instead of collecting 429s.
    if (response.headers.get('x-aircallapi-remaining') === '0') {
      const delay = this.resetDelay(response.headers);
      if (delay !== null) await this.budget.pause(delay);
    }

    const text = await response.text();
    if (response.ok) {
      count('ok');
      if (!text) return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    }
    count('error');
    const detail = text.slice(0, 300) || response.statusText;
    // A request Aircall refuses (bad id, unknown tag) will not pass by being repeated. Refused credentials
    // (401 without, 403 with a bad key) are the API key's, not this request's: retried until
    // AIRCALL_API_ID/AIRCALL_API_TOKEN are fixed.
    const retried = [401, 403, 408].includes(response.status);
    if (response.status >= 400 && response.status < 500 && !retried) {
      throw new PermanentFailure(new AircallApiError(response.status, operation, detail).message);
    }
    throw new AircallApiError(response.status, operation, detail);
  }
}

export function createAircallClient(options: AircallClientOptions): AircallClient {
  return new AircallClient(options);
}
