/**
 * Rate-aware sending, in process. Slack allows about one chat.postMessage per second per channel and
 * answers 429 beyond; chat.update and chat.postEphemeral have per-workspace tiers. These classes decide
 * *when* a send may go; they hold no timers and take `now` as an argument, so they are deterministic.
 *
 * All of the job runner's concurrent handlers share one instance per process, and JavaScript runs each
 * booking to completion, so pacing holds however many jobs run at once. Each replica paces itself only
 * (see register.ts for how channels are kept to one replica at a time).
 */

/**
 * Books posting slots per channel: each booking takes the earliest time that is at least `intervalMs`
 * away from every other booking and from the last send, and `sendAt` keeps actual sends that far apart
 * even when a job runs late.
 */
export class ChannelPacer {
  private readonly booked = new Map<string, number[]>();
  private readonly lastSent = new Map<string, number>();

  constructor(readonly intervalMs: number) {}

  private slots(channel: string, now: number): number[] {
    const all = this.booked.get(channel) ?? [];
    const live = all.filter((slot) => slot > now - this.intervalMs);
    if (live.length === 0) this.booked.delete(channel);
    else if (live.length !== all.length) this.booked.set(channel, live);
    return live;
  }

  /** Books a slot for one post and returns its time (≥ now). */
  book(channel: string, now: number): number {
    const interval = this.intervalMs;
    const slots = this.slots(channel, now);
    let slot = Math.max(now, (this.lastSent.get(channel) ?? Number.NEGATIVE_INFINITY) + interval);
    for (const booked of slots) {
      if (booked <= slot - interval) continue;
      if (booked >= slot + interval) break;
      slot = booked + interval;
    }
    this.booked.set(
      channel,
      [...slots, slot].sort((a, b) => a - b),
    );
    return slot;
  }

  /** Gives a booked slot back (the post turned out not to be needed, or will be booked again later). */
  cancel(channel: string, slot: number): void {
    const slots = this.booked.get(channel);
    if (!slots) return;
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    if (slots.length === 0) this.booked.delete(channel);
  }

  /**
   * When a post booked for `slot` may actually be sent: never before the slot, and at least one interval
   * after the previous send in the channel. Records the send at that time and frees the booking; call it
   * right before sending and wait until the returned time.
   */
  sendAt(channel: string, now: number, slot: number): number {
    const last = this.lastSent.get(channel) ?? Number.NEGATIVE_INFINITY;
    const at = Math.max(now, slot, last + this.intervalMs);
    this.lastSent.set(channel, at);
    this.cancel(channel, slot);
    return at;
  }

  /** Slack said to wait (a 429 with Retry-After): no send in the channel before `until`. */
  pauseUntil(channel: string, until: number): void {
    const last = this.lastSent.get(channel) ?? Number.NEGATIVE_INFINITY;
    this.lastSent.set(channel, Math.max(last, until - this.intervalMs));
  }

  /** How far ahead posts are booked in the channel (0 when idle). */
  backlogMs(channel: string, now: number): number {
    const slots = this.slots(channel, now);
    const tail = slots[slots.length - 1];
    return tail === undefined ? 0 : Math.max(0, tail - now);
  }
}

/** A token bucket for per-workspace method tiers (chat.update: Tier 3, chat.postEphemeral: Tier 4). */
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
  private readonly byJob = new Map<number, { channel: string; slot: number }>();

  get(jobId: number): { channel: string; slot: number } | undefined {
    return this.byJob.get(jobId);
  }

  set(jobId: number, channel: string, slot: number): void {
    this.byJob.set(jobId, { channel, slot });
  }

  delete(jobId: number): void {
    this.byJob.delete(jobId);
  }

  /** Forgets bookings whose job never came back (another replica took it, or it was purged). */
  prune(before: number, pacer: ChannelPacer): void {
    for (const [jobId, booking] of this.byJob) {
      if (booking.slot < before) {
        this.byJob.delete(jobId);
        pacer.cancel(booking.channel, booking.slot);
      }
    }
  }

  get size(): number {
    return this.byJob.size;
  }
}
