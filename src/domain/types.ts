/** The core vocabulary of Ringback. Pure types: no I/O, no SDKs. */

export const OUTCOMES = ['reached', 'voicemail', 'no_answer', 'wrong_number', 'not_needed'] as const;
/** How a callback ended. */
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  reached: 'Reached the caller',
  voicemail: 'Left a voicemail',
  no_answer: 'No answer',
  wrong_number: 'Wrong number',
  not_needed: 'Callback not needed',
};

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

export const EPISODE_STATES = ['open', 'claimed', 'calling', 'resolved'] as const;
export type EpisodeState = (typeof EPISODE_STATES)[number];

/** Where an action came from. */
export type Surface = 'slack' | 'teams' | 'api' | 'aircall' | 'zendesk' | 'system';

/** A person (or the system) acting on a call. `id` is surface-qualified, e.g. `slack:U0123`. */
export interface Actor {
  id: string;
  name: string;
  email: string | null;
  surface: Surface;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Ringback', email: null, surface: 'system' };

/** The caller of an episode; `number` is E.164 or null when withheld. */
export interface Caller {
  number: string | null;
  name: string | null;
}

/**
 * One missed-call episode: one or more missed calls from the same caller on the same line,
 * shown as one card, claimed and resolved once.
 */
export interface Episode {
  id: string;
  line: string;
  state: EpisodeState;
  caller: Caller;
  callCount: number;
  /** Epoch ms of the first missed call. */
  missedAt: number;
  /** Epoch ms of the latest call in the episode. */
  lastCallAt: number;
  claimedBy: Actor | null;
  claimedAt: number | null;
  attempts: number;
  firstAttemptAt: number | null;
  lastAttemptAt: number | null;
  outcome: Outcome | null;
  resolvedAt: number | null;
  resolvedBy: Actor | null;
  /** True when a later answered call with the caller resolved it without anyone clicking. */
  autoResolved: boolean;
  /** How many escalation steps have fired (0 = none). */
  escalationLevel: number;
  escalatedAt: number | null;
  zendeskTicketId: number | null;
  /** Optimistic-concurrency counter: every accepted command increments it. */
  version: number;
}
