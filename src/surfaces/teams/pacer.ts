/**
 * Sending pace per conversation, within Teams' bot limits: per bot and conversation at most 7 messages in
 * 1 s, 8 in 2 s, 60 in 30 s and 1,800 in an hour (learn.microsoft.com "Optimize your bot: rate limiting and
 * best practices in Microsoft Teams"). Holds no timers and takes `now`, so it is deterministic.
 *
 * One instance per process, shared by every concurrent job handler; JavaScript runs each booking to
 * completion, so the windows hold however many jobs run at once. Each replica paces itself only.
 */
export interface RateWindow {
  windowMs: number;
  max: number;
}

export const TEAMS_CONVERSATION_LIMITS: RateWindow[] = [
  { windowMs: 1_000, max: 7 },
  { windowMs: 2_000, max: 8 },
  { windowMs: 30_000, max: 60 },
  { windowMs: 3_600_000, max: 1_800 },
];

export class ConversationPacer {
  private readonly sent = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly longest: number;

  /**
   * `marginMs` widens every window: a send booked for a time reaches Teams a little later, and a burst of
   * sends booked at once may arrive closer together than they were booked.
   */
  constructor(
    readonly limits: RateWindow[] = TEAMS_CONVERSATION_LIMITS,
    private readonly marginMs = 250,
  ) {
    this.longest = Math.max(...limits.map((l) => l.windowMs)) + marginMs;
  }

  private history(key: string, now: number): number[] {
    const all = this.sent.get(key) ?? [];
    const live = all.filter((at) => at > now - this.longest);
    if (live.length === 0) this.sent.delete(key);
    else if (live.length !== all.length) this.sent.set(key, live);
    return live;
  }

  /** The earliest time (≥ now) a send in this conversation stays within every window. */
  nextSlot(key: string, now: number): number {
    const history = this.history(key, now);
    const paused = this.pausedUntil.get(key);
    if (paused !== undefined && paused <= now) this.pausedUntil.delete(key);
    // Slots only move forward, so every window is checked against sends at or before the new one.
    let at = Math.max(now, paused ?? now, history[history.length - 1] ?? now);
    for (let moved = true; moved; ) {
      moved = false;
      for (const limit of this.limits) {
        const windowMs = limit.windowMs + this.marginMs;
        const max = limit.max;
        const inWindow = history.filter((sentAt) => sentAt > at - windowMs);
        if (inWindow.length >= max) {
          // The window frees up when its oldest counted send leaves it.
          const oldest = inWindow[inWindow.length - max] as number;
          at = oldest + windowMs;
          moved = true;
        }
      }
    }
    return at;
  }

  /** Books a send at `at` (from nextSlot). */
  record(key: string, at: number): void {
    const history = this.history(key, at);
    history.push(at);
    this.sent.set(key, history);
  }

  /** Teams said to wait (429 with Retry-After): nothing goes to this conversation before `until`. */
  pauseUntil(key: string, until: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, until));
  }
}
