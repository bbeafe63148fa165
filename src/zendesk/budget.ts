/**
 * A per-process request budget: at most `limit` requests in any sliding `windowMs`, plus a cooldown set
 * when the remote side answered 429 with Retry-After. It never sleeps: it says how long to wait, so a
 * job can be put back in the table (RetryAfter) instead of holding a worker.
 */
import type { Clock } from '../domain/clock.js';

export class RequestBudget {
  private readonly sent: number[] = [];
  private blockedUntil = 0;

  constructor(
    private readonly clock: Clock,
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {
    if (limit <= 0) throw new Error('a request budget needs a positive limit');
  }

  /** Takes one request slot: 0 when granted, otherwise the milliseconds until one frees up. */
  take(): number {
    const now = this.clock.now();
    if (now < this.blockedUntil) return this.blockedUntil - now;
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - this.windowMs) this.sent.shift();
    if (this.sent.length >= this.limit) return (this.sent[0] ?? now) + this.windowMs - now;
    this.sent.push(now);
    return 0;
  }

  /** The remote side asked us to wait: nobody in this process sends before then. */
  pause(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + ms);
  }
}
