/**
 * One channel's lane of new cards, and the storm digest. Slack takes about one new message per second in
 * a channel; when calls come faster, a card would appear minutes late. So the lane posts cards in order
 * and, once a waiting call is older than `digestAfterMs`, spends every other slot on a digest: one
 * "N missed calls waiting" message updated in place, whose thread lists each waiting call, so every call
 * is visible within seconds while the cards follow. Nothing is dropped: every call still gets its card.
 * Pure: the lane job (laneJob.ts) does the I/O and asks this module what to do next.
 */

export interface WaitingCard {
  episodeId: string;
  /** When the card was queued (the post job's creation), epoch ms. */
  queuedAt: number;
}

export interface DigestState {
  /** ts of the digest message (its thread lists the calls). */
  headTs: string;
  /** Episodes already listed in the digest's thread. */
  listed: string[];
  /** The latest calls' lines, shown on the digest message itself. */
  recent: string[];
  startedAt: number;
  /** Last digest post (head or thread reply). */
  lastPostAt: number;
  /** Last time the head message was updated. */
  headUpdatedAt: number;
  /** The waiting count the head shows now. */
  headCount: number;
}

export interface LaneOptions {
  /** A waiting call older than this is listed in the digest. */
  digestAfterMs: number;
  /** Digest posts at least this far apart, so cards keep getting slots in between. */
  digestEveryMs: number;
  /** At most this many calls listed in one digest post. */
  maxPerDigestPost: number;
}

export const DEFAULT_LANE_OPTIONS: LaneOptions = {
  digestAfterMs: 2_000,
  digestEveryMs: 2_000,
  maxPerDigestPost: 100,
};

/** How many of the latest calls the digest message itself shows. */
export const RECENT_IN_HEAD = 10;

export type LaneStep =
  | { kind: 'post_card'; episodeId: string }
  /** Post the digest message, showing these calls. */
  | { kind: 'digest_open'; episodeIds: string[] }
  /** A thread reply under the digest, listing these calls. */
  | { kind: 'digest_list'; episodeIds: string[] }
  /** Every waiting call has its card: say so on the digest message and forget it. */
  | { kind: 'digest_close' }
  | { kind: 'idle' };

/** What the lane should post next. `waiting` is oldest first. */
export function nextLaneStep(
  waiting: readonly WaitingCard[],
  digest: DigestState | null,
  now: number,
  options: LaneOptions = DEFAULT_LANE_OPTIONS,
): LaneStep {
  const listed = new Set(digest?.listed ?? []);
  const overdue = waiting.filter(
    (w) => now - w.queuedAt >= options.digestAfterMs && !listed.has(w.episodeId),
  );
  if (overdue.length > 0 && (digest === null || now - digest.lastPostAt >= options.digestEveryMs)) {
    const episodeIds = overdue.slice(0, options.maxPerDigestPost).map((w) => w.episodeId);
    return digest === null ? { kind: 'digest_open', episodeIds } : { kind: 'digest_list', episodeIds };
  }
  const first = waiting[0];
  if (first) return { kind: 'post_card', episodeId: first.episodeId };
  if (digest !== null) return { kind: 'digest_close' };
  return { kind: 'idle' };
}

/** The digest right after its message was posted: the calls are listed in the thread next. */
export function openedDigest(
  headTs: string,
  waitingCount: number,
  recent: string[],
  now: number,
  options: LaneOptions = DEFAULT_LANE_OPTIONS,
): DigestState {
  return {
    headTs,
    listed: [],
    recent: recent.slice(-RECENT_IN_HEAD),
    startedAt: now,
    // The first thread reply may follow at the very next slot.
    lastPostAt: now - options.digestEveryMs,
    headUpdatedAt: now,
    headCount: waitingCount,
  };
}

/** The digest after a thread reply listing `episodeIds` (their lines in `lines`). */
export function listedInDigest(
  digest: DigestState,
  episodeIds: string[],
  lines: string[],
  now: number,
): DigestState {
  return {
    ...digest,
    listed: [...digest.listed, ...episodeIds],
    recent: [...digest.recent, ...lines].slice(-RECENT_IN_HEAD),
    lastPostAt: now,
  };
}

/** The digest after its message was updated to show `waitingCount`. */
export function refreshedDigest(digest: DigestState, waitingCount: number, now: number): DigestState {
  return { ...digest, headCount: waitingCount, headUpdatedAt: now };
}

/** Whether the head's "N waiting" should be refreshed (best effort: chat.update has its own tier). */
export function headNeedsRefresh(
  digest: DigestState,
  waitingCount: number,
  now: number,
  everyMs = 3_000,
): boolean {
  return digest.headCount !== waitingCount && now - digest.headUpdatedAt >= everyMs;
}
