/**
 * Which version of each episode's card this process last delivered to Teams, and waiting for one.
 *
 * A click's answer is the clicker's own view of the card. The update for everyone goes through the jobs
 * table; when the clicker's answer arrived before that update, their client would show the everyone view
 * until it refreshes. So the click handler waits (briefly) for the update job to deliver the new version,
 * and answers after it; past the wait it answers anyway. The update may run on another replica (or this
 * process's other thread without a link): then no signal comes here, and the wait also ends when the
 * update job is gone from the jobs table, which it polls.
 */
import type { Episode } from '../../domain/types.js';
import type { Store } from '../../store/store.js';

const REMEMBERED = 2_000;

/** How often a waiting click looks for the update job in the jobs table. */
const POLL_MS = 150;

/** Whether the card update of an episode still waits or runs somewhere in the cluster. */
export type UpdatePending = (episodeId: string) => Promise<boolean>;

interface Waiter {
  version: number;
  resolve: (delivered: boolean) => void;
}

export class CardDeliveries {
  private readonly delivered = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();

  /**
   * `tell`: also say it elsewhere (the jobs thread of a split process tells the answering thread).
   * `updatePending`: asks the jobs table, for updates delivered where `tell` does not reach.
   */
  constructor(
    private readonly tell?: (episodeId: string, version: number) => void,
    private readonly updatePending?: UpdatePending,
    private readonly pollMs = POLL_MS,
  ) {}

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

  /**
   * Resolves true once `version` is delivered (signalled here, or its update job gone from the jobs table),
   * false after `timeoutMs`.
   */
  async waitFor(episodeId: string, version: number, timeoutMs: number): Promise<boolean> {
    if ((this.delivered.get(episodeId) ?? 0) >= version) return true;
    if (timeoutMs <= 0) return false;
    const signalled = this.signalFor(episodeId, version, timeoutMs);
    const updatePending = this.updatePending;
    if (!updatePending) return signalled;
    let settled = false;
    const polled = (async () => {
      const deadline = Date.now() + timeoutMs;
      while (!settled && Date.now() + this.pollMs < deadline) {
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
        if (settled) return false;
        // A failed look is not an answer: the signal or the timeout still ends the wait.
        if ((await updatePending(episodeId).catch(() => true)) === false) return true;
      }
      return false;
    })();
    const delivered = await Promise.race([signalled, polled.then((gone) => (gone ? true : signalled))]);
    settled = true;
    if (delivered) this.markSeen(episodeId, version);
    return delivered;
  }

  /** Ends the in-memory wait of a click answered because the update job was gone. */
  private markSeen(episodeId: string, version: number): void {
    const waiting = this.waiters.get(episodeId);
    if (!waiting) return;
    for (const w of waiting.filter((w) => w.version <= version)) w.resolve(true);
    const still = waiting.filter((w) => w.version > version);
    if (still.length > 0) this.waiters.set(episodeId, still);
    else this.waiters.delete(episodeId);
  }

  private signalFor(episodeId: string, version: number, timeoutMs: number): Promise<boolean> {
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

/**
 * The stored episode when it is newer than `episode` (another click or a job changed it while a click
 * waited for its card), else `episode`; a failed read answers with what the click saw.
 */
export async function newerOf(store: Pick<Store, 'episodes'>, episode: Episode): Promise<Episode> {
  const latest = await store.episodes.get(episode.id).catch(() => null);
  return latest && latest.version > episode.version ? latest : episode;
}
