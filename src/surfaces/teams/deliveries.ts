/**
 * Which version of each episode's card this process last delivered to Teams, and waiting for one.
 *
 * A click's answer is the clicker's own view of the card. The update for everyone goes through the jobs
 * table; when the clicker's answer arrived before that update, their client would show the everyone view
 * until it refreshes. So the click handler waits (briefly) for the update job to deliver the new version,
 * and answers after it. On another replica, or past the wait, it answers anyway.
 */
const REMEMBERED = 2_000;

interface Waiter {
  version: number;
  resolve: (delivered: boolean) => void;
}

export class CardDeliveries {
  private readonly delivered = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();

  /** `tell`: also say it elsewhere (the jobs thread of a split process tells the answering thread). */
  constructor(private readonly tell?: (episodeId: string, version: number) => void) {}

  /** A job put this version of the card (or a later one) in front of everyone. */
  markDelivered(episodeId: string, version: number): void {
    this.tell?.(episodeId, version);
    const known = this.delivered.get(episodeId) ?? 0;
    this.delivered.delete(episodeId);
    this.delivered.set(episodeId, Math.max(known, version));
    if (this.delivered.size > REMEMBERED) {
      const oldest = this.delivered.keys().next().value;
      if (oldest !== undefined) this.delivered.delete(oldest);
    }
    const waiting = this.waiters.get(episodeId);
    if (!waiting) return;
    const still = waiting.filter((w) => {
      if (w.version > version) return true;
      w.resolve(true);
      return false;
    });
    if (still.length > 0) this.waiters.set(episodeId, still);
    else this.waiters.delete(episodeId);
  }

  /** Resolves true once `version` is delivered, false after `timeoutMs`. */
  waitFor(episodeId: string, version: number, timeoutMs: number): Promise<boolean> {
    if ((this.delivered.get(episodeId) ?? 0) >= version) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        version,
        resolve: (delivered) => {
          clearTimeout(timer);
          resolve(delivered);
        },
      };
      const timer = setTimeout(() => {
        const list = this.waiters.get(episodeId)?.filter((w) => w !== waiter) ?? [];
        if (list.length > 0) this.waiters.set(episodeId, list);
        else this.waiters.delete(episodeId);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(episodeId, [...(this.waiters.get(episodeId) ?? []), waiter]);
    });
  }
}
