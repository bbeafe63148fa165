/**
 * Request budgets towards vendors whose limits hold for the whole account, not for one process: Zendesk's
 * per-minute limit is shared with the customer's other apps, Aircall's with every other integration. With
 * several replicas, a budget per process would spend N budgets, so on PostgreSQL every replica draws from
 * one budget kept in the database (rate-limiter-flexible's RateLimiterPostgres: one atomic upsert per
 * request, expired rows cleared by the library). On SQLite there is one process, so the budget stays in
 * memory, and what it granted is also written to the database (`rememberedBudgets`) so that a restarted
 * process does not spend the same minute again.
 *
 * A budget never sleeps: `take()` says how long to wait, so a job goes back to the table (RetryAfter)
 * instead of holding a worker. A 429 pauses the budget for every replica.
 */
import pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Clock } from '../domain/clock.js';

export interface RequestBudget {
  /** Takes one request: 0 when granted, otherwise the milliseconds until one may be free. */
  take(): Promise<number>;
  /** The vendor said to wait: no replica sends before then. */
  pause(ms: number): Promise<void>;
}

export interface BudgetSource {
  /** True when every replica draws from these budgets (PostgreSQL); false when they are this process's own. */
  readonly clusterWide: boolean;
  /**
   * The budget called `name` (e.g. `zendesk:acme`): at most `perMinute` requests in any 60 s. With `burst`
   * (a vendor tier that tolerates bursts, like Slack's), up to `burst` at once and `perMinute` on average.
   */
  budget(name: string, perMinute: number, burst?: number): RequestBudget;
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;

/** When the database cannot be asked, nothing is sent for this long (fail closed: never over budget). */
const UNKNOWN_BUDGET_WAIT_MS = 1_000;

/** At most `limit` requests in any sliding window, in this process. */
export class LocalBudget implements RequestBudget {
  private readonly sent: number[] = [];
  private blockedUntil = 0;

  constructor(
    private readonly clock: Clock,
    readonly limit: number,
    readonly windowMs = MINUTE_MS,
  ) {
    if (limit <= 0) throw new Error('a request budget needs a positive limit');
  }

  /** Counts requests granted before this budget existed (by an earlier process) and a pause still running. */
  remember(sentAt: readonly number[], pausedUntil = 0): void {
    this.sent.unshift(...[...sentAt].sort((a, b) => a - b));
    this.blockedUntil = Math.max(this.blockedUntil, pausedUntil);
  }

  takeNow(): number {
    const now = this.clock.now();
    if (now < this.blockedUntil) return this.blockedUntil - now;
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - this.windowMs) this.sent.shift();
    if (this.sent.length >= this.limit) return (this.sent[0] ?? now) + this.windowMs - now;
    this.sent.push(now);
    return 0;
  }

  async take(): Promise<number> {
    return this.takeNow();
  }

  pauseNow(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + ms);
  }

  async pause(ms: number): Promise<void> {
    this.pauseNow(ms);
  }
}

export function localBudgets(clock: Clock): BudgetSource {
  const budgets = new Map<string, LocalBudget>();
  return {
    clusterWide: false,
    budget(name, perMinute) {
      const key = `${name}:${perMinute}`;
      let budget = budgets.get(key);
      if (!budget) {
        budget = new LocalBudget(clock, perMinute);
        budgets.set(key, budget);
      }
      return budget;
    },
    async close() {},
  };
}

/** Where `rememberedBudgets` keeps what its budgets granted (the store's budget ledger). */
export interface BudgetLedger {
  recordSent(budget: string, at: number): Promise<void>;
  recordPause(budget: string, until: number): Promise<void>;
  since(since: number): Promise<{ sent: Map<string, number[]>; pausedUntil: Map<string, number> }>;
  purgeBefore(before: number): Promise<number>;
}

/** How often (in grants) the ledger drops what has left every window. */
const LEDGER_PURGE_EVERY = 500;

/**
 * In-process budgets (one process on SQLite) that write each grant and each pause to `ledger` before the
 * request goes out, and begin from what the ledger holds: a process restarted within the minute, or one
 * crashing in a loop, spends only what is left of the account's minute, as one long-lived process would.
 * When the ledger cannot be written the budget answers "wait" (fail closed).
 */
export async function rememberedBudgets(ledger: BudgetLedger, clock: Clock): Promise<BudgetSource> {
  const startedAt = clock.now();
  await ledger.purgeBefore(startedAt - MINUTE_MS);
  const earlier = await ledger.since(startedAt - MINUTE_MS);
  const budgets = new Map<string, RequestBudget>();
  let grants = 0;
  return {
    clusterWide: false,
    budget(name, perMinute) {
      const key = `${name}:${perMinute}`;
      const known = budgets.get(key);
      if (known) return known;
      const local = new LocalBudget(clock, perMinute);
      local.remember(earlier.sent.get(name) ?? [], earlier.pausedUntil.get(name));
      const remembered: RequestBudget = {
        async take() {
          const wait = local.takeNow();
          if (wait > 0) return wait;
          const now = clock.now();
          try {
            await ledger.recordSent(name, now);
            if (++grants % LEDGER_PURGE_EVERY === 0) await ledger.purgeBefore(now - MINUTE_MS);
          } catch {
            return UNKNOWN_BUDGET_WAIT_MS;
          }
          return 0;
        },
        async pause(ms) {
          local.pauseNow(ms);
          try {
            await ledger.recordPause(name, clock.now() + ms);
          } catch {
            // This process still waits; only a restart in the meantime would not.
          }
        },
      };
      budgets.set(key, remembered);
      return remembered;
    },
    async close() {},
  };
}

/**
 * How a per-minute limit maps onto fixed windows so that no sliding minute ever holds more than the limit:
 * a sliding minute overlaps at most `WINDOWS_PER_MINUTE + 1` fixed windows, so each window gets
 * limit / (WINDOWS_PER_MINUTE + 1) points. The price is a sustained rate of 4/5 of the limit, which leaves
 * room for the customer's other apps on the same account anyway.
 */
export const WINDOWS_PER_MINUTE = 4;

export function pointsPerWindow(perMinute: number): number {
  return Math.max(1, Math.floor(perMinute / (WINDOWS_PER_MINUTE + 1)));
}

/**
 * Runs `step` inside a transaction that holds a lock on `name` across replicas, with a limiter shaped as
 * `like` whose every query goes through that transaction's connection.
 */
type LockedStep = (
  like: RateLimiterPostgres,
  name: string,
  step: (limiter: RateLimiterPostgres) => Promise<void>,
) => Promise<void>;

class SharedBudget implements RequestBudget {
  /**
   * A pause lives in a row of its own: `block()` overwrites its row whole, so on the window's row a shorter
   * pause cut a longer one short, and a pause ending within the window started a fresh one with every point
   * (144 grants in 12 s against 12 per window, audited).
   */
  private readonly pauseKey: string;

  constructor(
    private readonly limiter: RateLimiterPostgres,
    private readonly key: string,
    private readonly locked: LockedStep,
  ) {
    this.pauseKey = `${key}:pause`;
  }

  /** How long the pause still runs, or 0. */
  private async pausedForMs(limiter = this.limiter): Promise<number> {
    const pause = await limiter.get(this.pauseKey);
    return pause && pause.consumedPoints > limiter.points ? Math.max(0, pause.msBeforeNext) : 0;
  }

  async take(): Promise<number> {
    try {
      const paused = await this.pausedForMs();
      if (paused > 0) return paused;
      await this.limiter.consume(this.key, 1);
      return 0;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return Math.max(1, outcome.msBeforeNext);
      return UNKNOWN_BUDGET_WAIT_MS;
    }
  }

  async pause(ms: number): Promise<void> {
    try {
      // The later end wins, as on one process (LocalBudget). `block()` rewrites the row whole, so the read and
      // the write take turns across replicas: unlocked, two replicas pausing at once both read "no pause" and
      // the last writer won (a 2 s pause over a 60 s one in 13 of 20 runs, audited).
      await this.locked(this.limiter, this.limiter.getKey(this.pauseKey), async (limiter) => {
        if ((await this.pausedForMs(limiter)) >= ms) return;
        await limiter.block(this.pauseKey, Math.max(1, Math.ceil(ms / 1000)));
      });
    } catch {
      // Best effort: the next take() still counts against the window.
    }
  }
}

export interface PostgresBudgetOptions {
  url: string;
  /** Table the limiter keeps its windows in (created if missing, expired rows cleared by the library). */
  tableName?: string;
  /** Gives up on the database after this long; a take then answers "wait" (fail closed). */
  timeoutMs?: number;
}

/** Budgets shared by every replica through one PostgreSQL database. */
export async function postgresBudgets(options: PostgresBudgetOptions): Promise<BudgetSource> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: 2,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 500,
  });
  // An idle client's connection dropping must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const tableName = options.tableName ?? 'ringback_budgets';
  const limiters = new Map<string, Promise<RateLimiterPostgres>>();
  const limiterFor = (perMinute: number, burst?: number): Promise<RateLimiterPostgres> => {
    // Without a burst, fixed windows a quarter minute long that no sliding minute can overfill; with one,
    // windows of `burst` requests as long as `burst` takes at the average rate (a token bucket's shape).
    const shape = burst
      ? {
          key: `rb${perMinute}b${burst}`,
          points: burst,
          seconds: Math.max(1, Math.round((burst * 60) / perMinute)),
        }
      : {
          key: `rb${perMinute}`,
          points: pointsPerWindow(perMinute),
          seconds: MINUTE_MS / WINDOWS_PER_MINUTE / 1000,
        };
    const known = limiters.get(shape.key);
    if (known) return known;
    const created = new Promise<RateLimiterPostgres>((resolve, reject) => {
      const limiter: RateLimiterPostgres = new RateLimiterPostgres(
        {
          storeClient: pool,
          storeType: 'pool',
          tableName,
          keyPrefix: shape.key,
          points: shape.points,
          duration: shape.seconds,
          clearExpiredByTimeout: true,
        },
        (error?: unknown) => (error ? reject(error) : resolve(limiter)),
      );
    });
    limiters.set(shape.key, created);
    // A failed creation is asked again next time rather than remembered.
    created.catch(() => limiters.delete(shape.key));
    return created;
  };
  // Creates the table once, before any replica's first request needs it. Replicas starting together race
  // in CREATE TABLE IF NOT EXISTS (PostgreSQL answers "type ... already exists" to the loser): try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await limiterFor(60);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  // The lock's connection runs the step's queries too: waiting for a second connection of the pool while
  // holding the lock could wait forever (two pauses at once hold both).
  const locked: LockedStep = async (like, name, step) => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${tableName}:${name}`]);
      await step(
        new RateLimiterPostgres({
          storeClient: client,
          storeType: 'client',
          tableName,
          tableCreated: true,
          clearExpiredByTimeout: false,
          keyPrefix: like.keyPrefix,
          points: like.points,
          duration: like.duration,
        }),
      );
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
  return {
    clusterWide: true,
    budget(name, perMinute, burst) {
      // Started now; a creation that failed (the database away at startup) is tried again at the next take
      // instead of being kept: kept, it answered "wait" to every take until the process restarted.
      limiterFor(perMinute, burst).catch(() => undefined);
      let shared: SharedBudget | null = null;
      const get = async () => {
        shared ??= new SharedBudget(await limiterFor(perMinute, burst), name, locked);
        return shared;
      };
      return {
        take: async () => {
          try {
            return await (await get()).take();
          } catch {
            return UNKNOWN_BUDGET_WAIT_MS;
          }
        },
        pause: async (ms) => {
          try {
            await (await get()).pause(ms);
          } catch {
            // Best effort, as above.
          }
        },
      };
    },
    async close() {
      await pool.end();
    },
  };
}
