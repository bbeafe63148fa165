/**
 * One channel's lane of new cards, and its storm queue message. Slack takes about one new message per
 * second in a channel; when calls come faster, a card would appear minutes late. So the lane posts cards
 * in order, one per slot, and once a waiting card is older than `queueAfterMs` it spends one slot on the
 * storm queue message (src/chat/stormQueue.ts): how many calls wait, the next ones, and a Claim next
 * button, so every call can be taken within seconds while the cards follow at Slack's pace. The message is
 * then kept current with chat.update (a share of the Tier 3 budget that card updates cannot book ahead,
 * never a post slot) and closed when the last card is out. Nothing is dropped: every call still gets its card.
 * Pure: the lane job (laneRunner.ts) does the I/O and asks this module what to do next.
 */
import { queueCheckDue, queueOverdue, type StormQueueState } from '../../chat/stormQueue.js';

export interface WaitingCard {
  episodeId: string;
  /** When the card was queued, epoch ms. */
  queuedAt: number;
}

export interface LaneOptions {
  /** A card waiting this long opens the storm queue message. */
  queueAfterMs: number;
  /** The queue message is brought up to date at most this often (chat.update is rationed per workspace). */
  queueRefreshEveryMs: number;
}

export const DEFAULT_LANE_OPTIONS: LaneOptions = {
  queueAfterMs: 2_000,
  queueRefreshEveryMs: 3_000,
};

export type LaneStep =
  | { kind: 'post_card'; episodeId: string }
  /** Post the storm queue message (takes the channel's next slot). */
  | { kind: 'queue_open' }
  /** Every waiting card is posted: say so on the queue message and forget it. */
  | { kind: 'queue_close' }
  | { kind: 'idle' };

/**
 * What the lane should post next. `waiting` is oldest first. `queueRefused`: Slack refused the queue message
 * for good a moment ago, so the slots go to the cards.
 */
export function nextLaneStep(
  waiting: readonly WaitingCard[],
  queue: StormQueueState | null,
  now: number,
  options: LaneOptions = DEFAULT_LANE_OPTIONS,
  queueRefused = false,
): LaneStep {
  if (queue === null && !queueRefused && queueOverdue(waiting, now, options.queueAfterMs))
    return { kind: 'queue_open' };
  const first = waiting[0];
  if (first) return { kind: 'post_card', episodeId: first.episodeId };
  if (queue !== null) return { kind: 'queue_close' };
  return { kind: 'idle' };
}

/** Whether to look if the open queue message still shows the truth (and update it when not). */
export function queueNeedsCheck(
  queue: StormQueueState,
  now: number,
  options: LaneOptions = DEFAULT_LANE_OPTIONS,
): boolean {
  return queueCheckDue(queue, now, options.queueRefreshEveryMs);
}
