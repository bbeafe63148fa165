/**
 * The storm queue message, surface-neutral. When calls come faster than a surface lets Ringback post
 * cards in a channel, the channel gets one message instead of a wait: how many calls wait for their card,
 * the ones that most need a person first (src/domain/listOrder.ts), and a "Claim next" button
 * (`ringback.claim_next`) that hands the clicker the next unclaimed call at once. So every call can be
 * taken within seconds of its end, while the cards themselves follow at the surface's pace.
 *
 * Pure: what the message says (in plain words; each surface escapes and lays it out) and the state kept
 * between updates. Slack's lane (surfaces/slack/lane.ts) and Teams' queue job decide when to send it.
 */
import { lineNamed, timezoneOf, zoneNoteOf } from '../app/routing.js';
import type { RoutingConfig } from '../config/routing.js';
import { displayNumber, formatClock } from '../domain/cardModel.js';
import { workListOrder } from '../domain/listOrder.js';
import type { Episode } from '../domain/types.js';

/** How many of the waiting calls the message names (the count covers all of them). */
export const STORM_QUEUE_LISTED = 5;

/** Longest caller name shown: a name is not a paragraph, and the message must stay within block limits. */
const MAX_NAME = 80;

/** One call as the queue message (and the answer to a claim) names it, in plain unescaped words. */
export interface StormCall {
  episodeId: string;
  /** "09:41": when it was missed, in its line's zone. */
  when: string;
  name: string | null;
  /** The number for people (national format on the line's country), null when withheld. */
  number: string | null;
  /** E.164, for a `tel:` link; null when withheld. */
  tel: string | null;
  line: string;
  callCount: number;
  high: boolean;
  callbackRequested: boolean;
}

export interface StormQueueView {
  /** Calls whose card is still waiting in the channel. */
  waiting: number;
  /** Of them, the ones nobody has claimed yet. */
  unclaimed: number;
  /** Of them, the ones already resolved (the caller got through, or resolved from a list): not "claimed". */
  resolved: number;
  /** queuedAt (epoch ms) of the newest call counted: every call queued by then is waiting or posted. */
  through: number;
  /** The first unclaimed waiting calls in work-list order. */
  next: StormCall[];
}

/** A call whose card waits, with its episode. */
export interface WaitingCall {
  episode: Episode;
  queuedAt: number;
}

/** The queue message as stored between updates (one per channel and surface). */
export interface StormQueueState {
  /** The message's id on the surface (Slack ts, Teams activity id). */
  ref: string;
  startedAt: number;
  /** What it shows now (viewKey), so an update that would change nothing is not sent. */
  shownKey: string;
  shownWaiting: number;
  shownThrough: number;
  /** Last time it was updated, or found up to date. */
  checkedAt: number;
  /** Cards posted in the channel while it was open (said when it closes). */
  cardsPosted: number;
}

function shortName(name: string | null): string | null {
  if (!name) return null;
  const plain = name.replace(/\s+/g, ' ').trim();
  if (plain === '') return null;
  return plain.length <= MAX_NAME ? plain : `${plain.slice(0, MAX_NAME - 1).trimEnd()}…`;
}

/** A call in the queue message's words. */
export function stormCall(routing: RoutingConfig, episode: Episode): StormCall {
  const line = lineNamed(routing, episode.line);
  const number = episode.caller.number;
  return {
    episodeId: episode.id,
    when: `${formatClock(episode.missedAt, timezoneOf(routing, episode.line))}${zoneNoteOf(routing, episode.line)}`,
    name: shortName(episode.caller.name),
    number: number ? (displayNumber(number, line?.country) ?? number) : null,
    tel: number,
    line: episode.line,
    callCount: episode.callCount,
    high: episode.priority === 'high',
    callbackRequested: episode.callbackRequested,
  };
}

/** What the queue message says about these waiting calls (oldest queued first). */
export function stormQueueView(
  routing: RoutingConfig,
  calls: readonly WaitingCall[],
  listed = STORM_QUEUE_LISTED,
): StormQueueView {
  const unclaimed = calls.map((c) => c.episode).filter((e) => e.state === 'open');
  return {
    waiting: calls.length,
    unclaimed: unclaimed.length,
    resolved: calls.filter((c) => c.episode.state === 'resolved').length,
    through: calls.reduce((newest, c) => Math.max(newest, c.queuedAt), 0),
    next: [...unclaimed]
      .sort(workListOrder)
      .slice(0, listed)
      .map((e) => stormCall(routing, e)),
  };
}

/** Two views with the same key render the same message. */
export function viewKey(view: StormQueueView): string {
  return JSON.stringify([
    view.waiting,
    view.unclaimed,
    view.resolved,
    view.through,
    view.next.map((c) => c.episodeId),
  ]);
}

/** "3 not claimed yet · 2 claimed · 1 resolved": the waiting calls by where they are, on every surface. */
export function stormCounts(view: StormQueueView): string {
  const claimed = view.waiting - view.unclaimed - view.resolved;
  return [
    `${view.unclaimed} not claimed yet`,
    `${claimed} claimed`,
    ...(view.resolved > 0 ? [`${view.resolved} resolved`] : []),
  ].join(' · ');
}

/** Has any waiting card waited at least `afterMs`? Then the channel needs its queue message. */
export function queueOverdue(
  waiting: readonly { queuedAt: number }[],
  now: number,
  afterMs: number,
): boolean {
  return waiting.some((w) => now - w.queuedAt >= afterMs);
}

/** The state right after the message was posted showing `view`. */
export function openedQueue(ref: string, view: StormQueueView, now: number): StormQueueState {
  return {
    ref,
    startedAt: now,
    shownKey: viewKey(view),
    shownWaiting: view.waiting,
    shownThrough: view.through,
    checkedAt: now,
    cardsPosted: 0,
  };
}

/** Is it time to look whether the message is still right? (At most every `everyMs`: updates are rationed.) */
export function queueCheckDue(state: StormQueueState, now: number, everyMs: number): boolean {
  return now - state.checkedAt >= everyMs;
}

/** Would `view` change what the message shows? */
export function queueChanged(state: StormQueueState, view: StormQueueView): boolean {
  return state.shownKey !== viewKey(view);
}

/** The state after the message was updated to `view` (or found showing it already). */
export function shownQueue(state: StormQueueState, view: StormQueueView, now: number): StormQueueState {
  return {
    ...state,
    shownKey: viewKey(view),
    shownWaiting: view.waiting,
    shownThrough: view.through,
    checkedAt: now,
  };
}

/** The state after a card was posted in the channel while the message is open. */
export function cardPostedDuringQueue(state: StormQueueState): StormQueueState {
  return { ...state, cardsPosted: state.cardsPosted + 1 };
}

/** Reads a stored state; anything unreadable is no state (the next run posts a fresh message). */
export function parseQueueState(text: string | null | undefined): StormQueueState | null {
  if (!text) return null;
  try {
    const state = JSON.parse(text) as Partial<StormQueueState> | null;
    if (!state || typeof state.ref !== 'string' || typeof state.startedAt !== 'number') return null;
    return {
      ref: state.ref,
      startedAt: state.startedAt,
      shownKey: typeof state.shownKey === 'string' ? state.shownKey : '',
      shownWaiting: typeof state.shownWaiting === 'number' ? state.shownWaiting : 0,
      shownThrough: typeof state.shownThrough === 'number' ? state.shownThrough : 0,
      checkedAt: typeof state.checkedAt === 'number' ? state.checkedAt : 0,
      cardsPosted: typeof state.cardsPosted === 'number' ? state.cardsPosted : 0,
    };
  } catch {
    return null;
  }
}

/** "1 call is" / "12 calls are". */
export function callsAre(count: number): string {
  return count === 1 ? '1 call is' : `${count} calls are`;
}

/** The closing words: the storm is over and every card is out. */
export function closedQueueText(state: StormQueueState, now: number, zone: string): string {
  const span = `storm from ${formatClock(state.startedAt, zone)} to ${formatClock(now, zone)}`;
  if (state.cardsPosted === 0) return `All cards are posted in the channel now (${span}).`;
  const cards =
    state.cardsPosted === 1 ? 'the 1 card that waited is' : `the ${state.cardsPosted} cards that waited are`;
  return `All cards are posted: ${cards} in the channel now (${span}).`;
}
