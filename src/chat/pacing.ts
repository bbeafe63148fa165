/**
 * Rate-aware sending for every chat surface, in process. A surface states its vendor's limits as a table:
 * sliding windows per channel or conversation (Teams: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour per
 * conversation), a token bucket per channel (Slack: one post a second with short bursts) and token buckets
 * for workspace-wide method tiers (Slack's chat.update and chat.postEphemeral). The classes here decide *when* a send may go; they
 * hold no timers and take `now` as an argument, so they are deterministic.
 *
 * The job runner's concurrent handlers share one instance per surface and process, and JavaScript runs
 * each booking to completion, so the limits hold however many jobs run at once. The workspace-wide buckets
 * are the vendor's limits for the whole app, so with replicas on PostgreSQL a token is also drawn from a
 * budget every replica shares (`cluster`). Windows per channel or conversation are kept per process: the
 * jobs that send to one channel run one at a time across the cluster (queue keys), each replica tells the
 * others when it sent (`sharedSends`), and a 429 still pauses the channel.
 */
import { randomUUID } from 'node:crypto';
import { RetryAfter } from '../jobs/errors.js';
import type { BudgetSource } from '../resilience/budgets.js';

/** One send to a key, and which replica (one Pacing) made it: two sends may share a millisecond. */
export interface SharedSend {
  at: number;
  by: string;
}

/** At most `max` sends in any `windowMs`. */
export interface RateWindow {
  windowMs: number;
  max: number;
}

/** A bucket of `burst` tokens refilled at `perMinute`. */
export interface BucketLimit {
  burst: number;
  perMinute: number;
  /**
   * The part of `burst` and `perMinute` kept for priority sends (Pacing.tryPriorityToken): the other sends
   * get the rest, so however far ahead they have booked the bucket, a priority send finds a token within
   * moments. A priority send takes from the rest first when it has a token free now, and the other sends
   * borrow a priority token when the share is full (nothing of priority is waiting), so neither is idle
   * while the other waits; the two shares together never give more than the bucket.
   */
  priority?: { burst: number; perMinute: number };
}

/**
 * A token bucket per key: `burst` sends at once after a quiet spell, refilled one per `intervalMs`. Unlike a
 * window of `burst` sends, a key fed at exactly its rate keeps its burst, so one late send is caught up at
 * the next one instead of delaying every later send by as much.
 */
export interface KeyBucketLimit {
  burst: number;
  intervalMs: number;
  /**
   * Held back from the bucket: a send reaches the vendor a little later than recorded, by a varying amount,
   * so two sends may arrive closer together than they went out. A send answered later than this is counted
   * from its answer less the margin (WindowPacer.answered).
   */
  marginMs: number;
}

/** A surface's limits: windows or a bucket per key (channel, conversation) and named workspace-wide buckets. */
export interface PacingTable {
  windows: RateWindow[];
  keyBucket?: KeyBucketLimit;
  /**
   * Widens every window: a send booked for a time reaches the vendor a little later, and sends booked at
   * once may arrive closer together than booked.
   */
  marginMs?: number;
  buckets?: Record<string, BucketLimit>;
}

interface KeyTimes {
  /** Times booked by sends still to come. */
  booked: number[];
  /** Times sends actually went out. */
  sent: number[];
  /** Sends other replicas made (SharedKeySends), by who made them. */
  others?: SharedSend[];
  /** The key bucket's level right after the sends already forgotten (absent: full). */
  base?: BucketLevel;
}

interface BucketLevel {
  level: number;
  at: number;
}

/** Refills a key bucket from `from` to `at`. */
function refilled(from: BucketLevel | undefined, at: number, limit: KeyBucketLimit): number {
  // At least one token, whatever the margin: a bucket that can never hold one would never send.
  const capacity = Math.max(1, limit.burst - limit.marginMs / limit.intervalMs);
  if (!from) return capacity;
  return Math.min(capacity, from.level + Math.max(0, at - from.at) / limit.intervalMs);
}

/**
 * Plays sends in time order through a key bucket and returns the first send at or after `fromIndex` that
 * finds no token, or -1. Earlier sends that found none (a send that went out late next to one on time)
 * leave the bucket in debt, which only makes later sends wait longer.
 */
function firstWithoutToken(
  times: readonly number[],
  base: BucketLevel | undefined,
  limit: KeyBucketLimit,
  fromIndex: number,
): { index: number; level: number } {
  let state = base;
  for (let index = 0; index < times.length; index++) {
    const at = times[index] as number;
    const level = refilled(state, at, limit);
    if (level < 1 - 1e-9 && index >= fromIndex) return { index, level };
    state = { level: level - 1, at };
  }
  return { index: -1, level: 0 };
}

/** Every send that counts for a key, this replica's and the others'. */
function sentByAll(times: KeyTimes): number[] {
  if (!times.others) return times.sent;
  return [...times.sent, ...times.others.map((send) => send.at)].sort((a, b) => a - b);
}

function insertSorted(times: number[], at: number): number[] {
  const index = times.findIndex((t) => t > at);
  return index < 0 ? [...times, at] : [...times.slice(0, index), at, ...times.slice(index)];
}

/**
 * Books sends per key under every window: each booking takes the earliest time at or after `now` that
 * keeps every window within its maximum, counting the other bookings and the sends already made, so a
 * booking given back frees its place for the next one. `sendAt` keeps actual sends within the windows
 * even when a job runs late.
 */
export class WindowPacer {
  private readonly keys = new Map<string, KeyTimes>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly longestMs: number;
  private readonly marginMs: number;

  constructor(
    readonly windows: RateWindow[],
    marginMs = 0,
    private readonly bucket?: KeyBucketLimit,
  ) {
    this.marginMs = marginMs;
    this.longestMs =
      Math.max(0, ...windows.map((w) => w.windowMs), bucket ? bucket.burst * bucket.intervalMs : 0) +
      marginMs;
  }

  /** How far apart two sends at the sustained rate are (the shortest window, or the bucket's refill). */
  get intervalMs(): number {
    return (
      Math.min(...this.windows.map((w) => w.windowMs), this.bucket?.intervalMs ?? Infinity) + this.marginMs
    );
  }

  private times(key: string, now: number): KeyTimes {
    const known = this.keys.get(key) ?? { booked: [], sent: [] };
    const horizon = now - this.longestMs;
    const others = known.others?.filter((send) => send.at > horizon) ?? [];
    const live: KeyTimes = {
      booked: known.booked.filter((t) => t > horizon),
      sent: known.sent.filter((t) => t > horizon),
      ...(others.length > 0 ? { others } : {}),
    };
    let base = known.base;
    if (this.bucket) {
      // Sends leaving the horizon still count in the bucket: they are played into its level first.
      const forgotten = sentByAll(known).filter((t) => t <= horizon);
      for (const at of forgotten) base = { level: refilled(base, at, this.bucket) - 1, at };
      // Kept while it still holds the bucket below full when the earliest send it knows of comes.
      const next = Math.min(now, ...sentByAll(live), ...live.booked);
      if (base && refilled(base, next, this.bucket) < refilled(undefined, next, this.bucket))
        live.base = base;
    }
    if (live.booked.length === 0 && live.sent.length === 0 && !live.base && !live.others)
      this.keys.delete(key);
    else this.keys.set(key, live);
    return live;
  }

  /** When a send to `key` may go at the earliest as far as a 429's pause says (`now` when none holds it). */
  pauseEnd(key: string, now: number): number {
    const paused = this.pausedUntil.get(key);
    if (paused !== undefined && paused <= now) this.pausedUntil.delete(key);
    return Math.max(now, paused ?? now);
  }

  /**
   * The earliest time ≥ `from` at which one more send keeps every window: within any `max + 1`
   * consecutive sends, the first and the last are at least a window apart.
   */
  private earliest(existing: number[], from: number, base?: BucketLevel): number {
    let at = from;
    for (let moved = true; moved; ) {
      moved = false;
      const times = insertSorted(existing, at);
      const index = times.lastIndexOf(at);
      if (this.bucket) {
        const short = firstWithoutToken(times, base, this.bucket, index);
        if (short.index >= 0) {
          // Ours finds no token: wait for the next. A later send finds none because ours took it: go after it.
          at =
            short.index === index
              ? at + Math.ceil((1 - short.level) * this.bucket.intervalMs)
              : (times[index + 1] as number);
          moved = true;
          continue;
        }
      }
      for (const window of this.windows) {
        const span = window.windowMs + this.marginMs;
        for (let first = Math.max(0, index - window.max); first <= index; first++) {
          const last = times[first + window.max];
          const start = times[first] as number;
          if (last === undefined || last - start >= span) continue;
          // Too many sends in one window: go after the window's first send when ours closes the group,
          // else past the next send (ours cannot come before the ones already booked after it).
          at = index === first + window.max ? start + span : (times[index + 1] as number);
          moved = true;
          break;
        }
        if (moved) break;
      }
    }
    return at;
  }

  /** Books a slot for one send and returns its time (≥ now). */
  book(key: string, now: number): number {
    const times = this.times(key, now);
    const slot = this.earliest(
      [...times.booked, ...sentByAll(times)].sort((a, b) => a - b),
      this.pauseEnd(key, now),
      times.base,
    );
    times.booked = insertSorted(times.booked, slot);
    this.keys.set(key, times);
    return slot;
  }

  /** Gives a booked slot back (the send turned out not to be needed, or will be booked again later). */
  cancel(key: string, slot: number): void {
    const times = this.keys.get(key);
    if (!times) return;
    const index = times.booked.indexOf(slot);
    if (index >= 0) times.booked.splice(index, 1);
  }

  /**
   * When a send booked for `slot` may actually go: never before the slot, and within every window of the
   * sends already made. Records the send at that time and frees the booking; call it right before sending
   * and wait until the returned time.
   */
  sendAt(key: string, now: number, slot: number): number {
    this.cancel(key, slot);
    const times = this.times(key, now);
    const at = this.earliest(sentByAll(times), Math.max(this.pauseEnd(key, now), slot), times.base);
    times.sent = insertSorted(times.sent, at);
    this.keys.set(key, times);
    return at;
  }

  /**
   * A send recorded at `sentAt` was answered at `answeredAt`, so it reached the vendor by then at the latest:
   * it counts from no earlier than `answeredAt` less the margin. The margin alone covered a send only as long
   * as it arrived within that long of its record, and a busy process (a stalled event loop, a slow render)
   * took longer, so the next post went out closer to it than the vendor allowed (a 429). The price: while
   * answers take longer than the margin, a key sending at its full rate is slowed by the difference. Returns
   * whether the record moved (a send answered within the margin keeps its time).
   */
  answered(key: string, sentAt: number, answeredAt: number): boolean {
    const times = this.keys.get(key);
    const index = times?.sent.indexOf(sentAt) ?? -1;
    const countsFrom = answeredAt - this.arrivalMarginMs;
    if (!times || index < 0 || countsFrom <= sentAt) return false;
    times.sent.splice(index, 1);
    times.sent = insertSorted(times.sent, countsFrom);
    return true;
  }

  /** How late a send may reach the vendor and still keep every limit: the smallest margin of those in use. */
  private get arrivalMarginMs(): number {
    return Math.min(
      ...(this.windows.length > 0 ? [this.marginMs] : []),
      ...(this.bucket ? [this.bucket.marginMs] : []),
    );
  }

  /**
   * Counts sends to `key` that another process made (or will make at a booked time), so a channel's lane
   * taken over by another replica does not start with a full bucket while the vendor's is nearly empty.
   */
  learn(key: string, others: readonly SharedSend[], now: number): void {
    const times = this.times(key, now);
    const horizon = now - this.longestMs;
    // The latest record holds everything its writer knew: it replaces what was learned before.
    const recent = others.filter((send) => send.at > horizon);
    if (recent.length > 0) times.others = recent;
    else delete times.others;
    this.keys.set(key, times);
  }

  /** The sends to `key` that still count: this replica's (made `by` it) and those it learned. */
  recentSends(key: string, now: number, by: string): SharedSend[] {
    const times = this.times(key, now);
    return [...times.sent.map((at) => ({ at, by })), ...(times.others ?? [])];
  }

  /** The vendor said to wait (a 429 with Retry-After): no send for this key before `until`. */
  pauseUntil(key: string, until: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, until));
  }

  /** How far ahead sends are booked for the key (0 when idle). */
  backlogMs(key: string, now: number): number {
    const tail = this.times(key, now).booked.at(-1);
    return tail === undefined ? 0 : Math.max(0, tail - now);
  }
}

/** A token bucket for workspace-wide method tiers. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number | null = null;

  constructor(
    readonly capacity: number,
    readonly perMinute: number,
  ) {
    this.tokens = capacity;
  }

  private refill(now: number): void {
    if (this.updatedAt !== null && now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.perMinute) / 60_000);
    }
    if (this.updatedAt === null || now > this.updatedAt) this.updatedAt = now;
  }

  /**
   * No token is free before `until` (a 429's Retry-After): the balance drops to where the next one refills
   * then, so take() and reserve() already say how long to wait, and bookings made since queue behind it.
   */
  pauseUntil(now: number, until: number): void {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 1 - ((until - now) * this.perMinute) / 60_000);
  }

  /** Whether the bucket holds all it can (nothing was taken from it lately). */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity - 1e-9;
  }

  /** Gives back a token taken or reserved but not used (the cluster's budget said no). */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Takes a token now and returns 0, or returns how long until one is free (taking nothing). */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }

  /**
   * Books the next token when it is free within `maxWaitMs`: the caller waits `waitMs` and then owns it,
   * and later callers queue behind (tokens may go below zero). Otherwise books nothing and says when
   * to come back. Unlike take(), waiters never race each other for the same token.
   */
  reserve(
    now: number,
    maxWaitMs: number,
  ): { booked: true; waitMs: number } | { booked: false; retryInMs: number } {
    this.refill(now);
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
    if (waitMs > maxWaitMs) return { booked: false, retryInMs: waitMs };
    this.tokens -= 1;
    return { booked: true, waitMs };
  }
}

/** Slots booked by jobs that were told to come back later, by job id (in process). */
export class Bookings {
  private readonly byJob = new Map<number, { key: string; slot: number }>();

  get(jobId: number): { key: string; slot: number } | undefined {
    return this.byJob.get(jobId);
  }

  set(jobId: number, key: string, slot: number): void {
    this.byJob.set(jobId, { key, slot });
  }

  delete(jobId: number): void {
    this.byJob.delete(jobId);
  }

  /** Forgets bookings whose job never came back (another replica took it, or it was purged). */
  prune(before: number, pacer: WindowPacer): void {
    for (const [jobId, booking] of this.byJob) {
      if (booking.slot < before) {
        this.byJob.delete(jobId);
        pacer.cancel(booking.key, booking.slot);
      }
    }
  }

  get size(): number {
    return this.byJob.size;
  }
}

/** How a surface's send methods wait for their turn; given to them by the job that sends. */
export interface Pace {
  /**
   * Waits for the key's next slot and sends; a slot further away than the handler may wait sends the
   * job back to the table (RetryAfter). A RetryAfter from the send itself (a 429) holds the whole key back.
   */
  send<T>(key: string, send: () => Promise<T>): Promise<T>;
  /** Draws one token of a named bucket, waiting in place only briefly (else RetryAfter). */
  token(bucket: string): Promise<void>;
  /** The vendor answered a send drawn from `bucket` with a 429: no token of it is given for `delayMs`. */
  bucketLimited(bucket: string, delayMs: number): Promise<void>;
}

/**
 * Where the replicas of a cluster tell each other when they sent to a channel or conversation. The jobs that
 * send to one run one at a time across the cluster (queue keys), but not always on the same replica: without
 * this, a replica taking over a channel's lane started with a full bucket (seen as a 429 in the replica drill,
 * where the survivor takes over the killed replica's channels).
 */
export interface SharedKeySends {
  /** The recent sends to `key` recorded by any replica. */
  recent(key: string): Promise<SharedSend[]>;
  /**
   * Hands `decide` the recent sends to `key` of every replica and records the sends it returns, while no
   * other replica does the same for `key`. Two replicas that read the record, chose a time and wrote it back
   * one after the other both found the same slot free, and the second write erased the first send (Teams
   * sends to one conversation from several jobs at once, so across replicas they really do overlap).
   */
  exclusive<T>(key: string, decide: (recent: SharedSend[]) => { result: T; sends: SharedSend[] }): Promise<T>;
  /** Until when the vendor told any replica to send nothing to `key` (a 429's Retry-After), or null. */
  pausedUntil(key: string): Promise<number | null>;
  /** Records a pause of `key` until `until` for every replica; a later end already recorded stays. */
  pause(key: string, until: number): Promise<void>;
}

export interface PacingOptions {
  /** Longest a handler waits in place for its slot; longer waits go back to the jobs table. */
  maxInlineWaitMs: number;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Budgets every replica shares: each bucket token is also drawn from `<prefix>:<bucket>` there, so N
   * replicas spend one workspace tier between them. Absent on one process (SQLite).
   */
  cluster?: { budgets: BudgetSource; prefix: string };
  /** The sends per key of every replica (PostgreSQL); absent on one process. */
  sharedSends?: SharedKeySends;
}

/**
 * One share of a named bucket: its tokens here and, with replicas, the cluster's budget of the same size
 * (`budgetKey`), so every replica together spends the share once.
 */
interface BucketShare {
  tokens: TokenBucket;
  limit: { burst: number; perMinute: number };
  budgetKey: string;
}

/** A named bucket: the share every send draws from, and the one kept for priority sends (if any). */
interface TierShares {
  general: BucketShare;
  priority?: BucketShare;
}

function tierShares(name: string, limit: BucketLimit): TierShares {
  const kept = limit.priority;
  if (!kept) {
    return { general: { tokens: new TokenBucket(limit.burst, limit.perMinute), limit, budgetKey: name } };
  }
  const general = { burst: limit.burst - kept.burst, perMinute: limit.perMinute - kept.perMinute };
  if (kept.burst < 1 || kept.perMinute <= 0 || general.burst < 1 || general.perMinute <= 0)
    throw new Error(`pacing: the priority share of ${name} must be part of the bucket, leaving a part`);
  return {
    general: { tokens: new TokenBucket(general.burst, general.perMinute), limit: general, budgetKey: name },
    priority: {
      tokens: new TokenBucket(kept.burst, kept.perMinute),
      limit: kept,
      budgetKey: `${name}:priority`,
    },
  };
}

/** A booked token not claimed this long after its time is given back. */
const ABANDONED_BOOKING_MS = 60_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One surface's pacing in this process: its windows per key, its buckets, and the jobs' bookings. */
export class Pacing {
  readonly pacer: WindowPacer;
  /** Names this replica's sends in the shared record. */
  private readonly id = randomUUID();
  private readonly tiers = new Map<string, TierShares>();
  private readonly bookings = new Bookings();
  /** Tokens booked ahead by jobs that were sent back to wait for them, by job id. */
  private readonly tokenBookings = new Map<number, { bucket: string; at: number }>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    table: PacingTable,
    private readonly options: PacingOptions,
  ) {
    this.pacer = new WindowPacer(table.windows, table.marginMs ?? 0, table.keyBucket);
    for (const [name, limit] of Object.entries(table.buckets ?? {}))
      this.tiers.set(name, tierShares(name, limit));
    this.sleep = options.sleep ?? realSleep;
  }

  get maxInlineWaitMs(): number {
    return this.options.maxInlineWaitMs;
  }

  private tier(name: string): TierShares {
    const tier = this.tiers.get(name);
    if (!tier) throw new Error(`pacing: no bucket named ${name}`);
    return tier;
  }

  /** The tokens of bucket `name` that every send draws from (all of it, unless a part is kept for priority). */
  bucket(name: string): TokenBucket {
    return this.tier(name).general.tokens;
  }

  /** The cluster's word on one more token of `share` (0: taken), or 0 on one process. */
  private async clusterTake(share: BucketShare): Promise<number> {
    const cluster = this.options.cluster;
    if (!cluster) return 0;
    return cluster.budgets
      .budget(`${cluster.prefix}:${share.budgetKey}`, share.limit.perMinute, share.limit.burst)
      .take();
  }

  /**
   * A 429 on a send drawn from bucket `name` (a workspace-wide tier): the other sends of the tier would meet
   * it too until Retry-After ends, so none gets a token before then, here and (best effort) on every replica.
   */
  async bucketLimited(name: string, delayMs: number): Promise<void> {
    const now = this.options.now();
    const tier = this.tier(name);
    const shares = tier.priority ? [tier.general, tier.priority] : [tier.general];
    for (const share of shares) share.tokens.pauseUntil(now, now + delayMs);
    const cluster = this.options.cluster;
    if (!cluster) return;
    for (const share of shares) {
      await cluster.budgets
        .budget(`${cluster.prefix}:${share.budgetKey}`, share.limit.perMinute, share.limit.burst)
        .pause(delayMs)
        .catch(() => undefined);
    }
  }

  /**
   * Takes a token of a workspace-wide bucket now, from this process and, with replicas, from the cluster's
   * budget too; or takes nothing and says how long until one may be free. For work that would rather do
   * something else than wait (the storm lane posts a card instead of refreshing its queue message) and must
   * not wait behind the other sends: a token free now in the general share, else one of the priority share,
   * which the other sends cannot book ahead (they booked the general share minutes ahead in a storm of
   * claims, and the queue message stayed stale until they were all sent).
   */
  async tryPriorityToken(name: string): Promise<number> {
    const tier = this.tier(name);
    let shortestWaitMs = Number.POSITIVE_INFINITY;
    for (const share of tier.priority ? [tier.general, tier.priority] : [tier.general]) {
      const localWaitMs = share.tokens.take(this.options.now());
      const waitMs = localWaitMs > 0 ? localWaitMs : await this.clusterTake(share);
      if (waitMs === 0) return 0;
      if (localWaitMs === 0) share.tokens.refund();
      shortestWaitMs = Math.min(shortestWaitMs, waitMs);
    }
    return shortestWaitMs;
  }

  /** Counts the other replicas' recent sends to `key` (before booking a slot for it). */
  async learnShared(key: string): Promise<void> {
    const shared = this.options.sharedSends;
    if (!shared) return;
    const [sends, pausedUntil] = await Promise.all([shared.recent(key), shared.pausedUntil(key)]);
    const now = this.options.now();
    this.pacer.learn(
      key,
      sends.filter((send) => send.by !== this.id),
      now,
    );
    if (pausedUntil !== null && pausedUntil > now) this.pacer.pauseUntil(key, pausedUntil);
  }

  /**
   * When a send booked for `slot` may go (WindowPacer.sendAt), counting every replica's sends to `key`, and
   * records it where the other replicas see it before they choose their own time.
   */
  async sendAt(key: string, slot: number): Promise<number> {
    const shared = this.options.sharedSends;
    if (!shared) return this.pacer.sendAt(key, this.options.now(), slot);
    return shared.exclusive(key, (recent) => {
      const now = this.options.now();
      this.pacer.learn(
        key,
        recent.filter((send) => send.by !== this.id),
        now,
      );
      const at = this.pacer.sendAt(key, now, slot);
      return { result: at, sends: this.pacer.recentSends(key, now, this.id) };
    });
  }

  /**
   * The send to `key` recorded at `sentAt` has its answer (or failed): WindowPacer.answered moves its record
   * to when it may have reached the vendor, and when it moved, the record every replica reads too, so a
   * replica taking over the channel's lane does not count it early either.
   */
  private async answered(key: string, sentAt: number): Promise<void> {
    if (!this.pacer.answered(key, sentAt, this.options.now())) return;
    // Best effort, never thrown: the send is made, and a job failing now would send it again.
    await this.options.sharedSends
      ?.exclusive(key, (recent) => {
        const now = this.options.now();
        this.pacer.learn(
          key,
          recent.filter((send) => send.by !== this.id),
          now,
        );
        return { result: undefined, sends: this.pacer.recentSends(key, now, this.id) };
      })
      .catch(() => undefined);
  }

  /**
   * Sends ahead of the slots already booked for `key`, at the earliest time the sends already made allow
   * (the bookings' own sends count this one when their slots come, see WindowPacer.sendAt): for a message
   * that must not wait behind the cards (Teams' storm queue message). Like a job's send (`paced`) it first
   * learns the other replicas' sends and 429 pause of the key, and a pause longer than a handler may wait
   * sends the job back to the table (RetryAfter) rather than holding its runner slot until the end.
   */
  async sendAhead<T>(key: string, send: () => Promise<T>): Promise<T> {
    const { now: clock, maxInlineWaitMs } = this.options;
    await this.learnShared(key);
    const now = clock();
    const pausedMs = this.pacer.pauseEnd(key, now) - now;
    if (pausedMs > maxInlineWaitMs) throw new RetryAfter(pausedMs, `${key} is paused after a 429`);
    return this.sendWhenDue(key, now, send);
  }

  /** The Pace of one job: a booking it was given before it was sent back is honoured when it returns. */
  forJob(jobId: number): Pace {
    return {
      send: (key, send) => this.paced(jobId, key, send),
      token: (bucket) => this.fromBucket(bucket, jobId),
      bucketLimited: (bucket, delayMs) => this.bucketLimited(bucket, delayMs),
    };
  }

  /**
   * The Pace of a sender that already waited for its slot (a lane): sends at once, still honours 429s.
   * `sentAt` is the time sendAt recorded for the slot, moved when the answer comes late (see answered).
   */
  slotTaken(sentAt?: number): Pace {
    return {
      send: (key, send) => this.withPause(key, send, sentAt),
      token: (bucket) => this.fromBucket(bucket),
      bucketLimited: (bucket, delayMs) => this.bucketLimited(bucket, delayMs),
    };
  }

  private async paced<T>(jobId: number, key: string, send: () => Promise<T>): Promise<T> {
    const { now: clock, maxInlineWaitMs } = this.options;
    await this.learnShared(key);
    const now = clock();
    this.bookings.prune(now - 60_000, this.pacer);
    const booking = this.bookings.get(jobId);
    this.bookings.delete(jobId);
    let slot: number;
    if (booking && booking.key === key && now - booking.slot <= this.pacer.intervalMs) {
      slot = booking.slot;
    } else {
      if (booking) this.pacer.cancel(booking.key, booking.slot);
      slot = this.pacer.book(key, now);
    }
    if (slot - now > maxInlineWaitMs) {
      this.bookings.set(jobId, key, slot);
      throw new RetryAfter(slot - now - maxInlineWaitMs / 2, `pacing sends to ${key}`);
    }
    return this.sendWhenDue(key, slot, send);
  }

  /** Sends at the earliest time from `from` the key's window and the other replicas' sends allow. */
  private async sendWhenDue<T>(key: string, from: number, send: () => Promise<T>): Promise<T> {
    const at = await this.sendAt(key, from);
    const now = this.options.now();
    if (at > now) await this.sleep(at - now);
    return this.withPause(key, send, at);
  }

  /**
   * A 429 despite pacing (another app, another replica) holds the whole key back, not just this job, and on
   * every replica: the others kept sending to the throttled channel and collected 429s of their own.
   * `sentAt` is the time sendAt recorded for this send, corrected by its answer (see answered).
   */
  async withPause<T>(key: string, send: () => Promise<T>, sentAt?: number): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof RetryAfter) {
        const until = this.options.now() + error.delayMs;
        this.pacer.pauseUntil(key, until);
        // Best effort: this replica pauses anyway, and the job goes back to the table.
        await this.options.sharedSends?.pause(key, until).catch(() => undefined);
      }
      throw error;
    } finally {
      if (sentAt !== undefined) await this.answered(key, sentAt);
    }
  }

  /**
   * Books a token, waiting in place only when it is free soon; otherwise the job goes back to the table so
   * it does not hold one of the runner's slots while others wait. A job sent back keeps the token it was
   * booked: jobs that all came back when the next token was due raced for it, and a backlog of N updates
   * was taken and sent back about N times a refill (20,000 takes a minute for ~900 updates in the bench).
   */
  private async fromBucket(name: string, jobId?: number): Promise<void> {
    const tier = this.tier(name);
    const { now: clock, maxInlineWaitMs } = this.options;
    const now = clock();
    this.pruneTokenBookings(now);
    const held = jobId === undefined ? undefined : this.tokenBookings.get(jobId);
    let share = tier.general;
    let waitMs: number;
    if (held && held.bucket === name) {
      this.tokenBookings.delete(jobId as number);
      waitMs = Math.max(0, held.at - now);
    } else if (tier.general.tokens.take(now) === 0) {
      waitMs = 0;
    } else if (tier.priority?.tokens.isFull(now)) {
      // Nothing of priority is waiting: its share lends a token rather than let it go unused. It stays full
      // less one, so a priority send still finds one at once.
      share = tier.priority;
      share.tokens.take(now);
      waitMs = 0;
    } else {
      const booking = tier.general.tokens.reserve(
        now,
        jobId === undefined ? maxInlineWaitMs : Number.POSITIVE_INFINITY,
      );
      if (!booking.booked) throw new RetryAfter(booking.retryInMs, `pacing ${name}`);
      waitMs = booking.waitMs;
    }
    if (waitMs > maxInlineWaitMs && jobId !== undefined) {
      this.tokenBookings.set(jobId, { bucket: name, at: now + waitMs });
      throw new RetryAfter(waitMs - maxInlineWaitMs / 2, `pacing ${name}`);
    }
    if (waitMs > 0) await this.sleep(waitMs);
    const clusterWaitMs = await this.clusterTake(share);
    if (clusterWaitMs > 0) {
      // Another replica spent the tier: this token goes back and the job comes back when the cluster has one.
      share.tokens.refund();
      throw new RetryAfter(clusterWaitMs, `pacing ${name} across replicas`);
    }
  }

  /** A job that never came back for its token (another replica ran it, or it was purged) gives it back. */
  private pruneTokenBookings(now: number): void {
    for (const [jobId, booking] of this.tokenBookings) {
      if (booking.at < now - ABANDONED_BOOKING_MS) {
        this.tokenBookings.delete(jobId);
        this.bucket(booking.bucket).refund();
      }
    }
  }
}
