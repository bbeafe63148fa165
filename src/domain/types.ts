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
  /**
   * Epoch ms of the call's first claim, kept through releases and hand-overs (claimedAt is the current
   * holder's): what the claim SLA and the team's time to claim measure.
   */
  firstClaimedAt: number | null;
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
  /**
   * The step the latest escalation was in its own ladder (0 = none): a release, a claim's reminder or a high
   * rule arms a ladder again from step 1, while the level keeps counting over the whole episode.
   */
  escalationStep: number;
  escalatedAt: number | null;
  zendeskTicketId: number | null;
  /** The caller asked to be called back (Aircall "Callback request", Zendesk Talk `callback`, generic). */
  callbackRequested: boolean;
  /** When the caller asked (epoch ms): the card says when (a moment, not a duration that would go stale). */
  callbackRequestedAt: number | null;
  /** Where to call back (E.164) when not `caller.number`: given by the provider or set by an agent. */
  callbackNumber: string | null;
  /** Aircall's automated callback of this request: still retrying, failed (a person must call), or none seen. */
  autoCallback: AutoCallback | null;
  /** Snoozed ("call back later") or scheduled until this instant (epoch ms); null when not snoozed. */
  dueAt: number | null;
  /** When the current snooze began: the resolve ladder is paused from then until `dueAt`. */
  snoozedAt: number | null;
  /** When the claimer was reminded that `dueAt` came: from then the card says the call is due. */
  dueRemindedAt: number | null;
  /** Every call-back attempt with its result, oldest first. */
  attemptLog: AttemptEntry[];
  /** What became of the follow-up to the caller (a public Zendesk comment); null when none was due. */
  followUp: FollowUpResult | null;
  /** `high` when a priority rule of the routing file matched (sorted first, maybe its own channel/ladder). */
  priority: Priority;
  /** The priority rule that matched (its `name`, else `#1`, `#2`… by position); null when none did. */
  priorityRule: string | null;
  /** Who should take the call and why (the line's `assign.suggest`); null when no source named anyone. */
  suggestedOwner: SuggestedOwner | null;
  /** Optimistic-concurrency counter: every accepted command increments it. */
  version: number;
}

export type AutoCallback = 'retrying' | 'failed';

/** One call-back attempt: when its result was recorded, by whom, and the result. */
export interface AttemptEntry {
  at: number;
  by: Actor;
  result: Outcome;
}

/**
 * `sent`: the public comment is on the ticket (a follow-up of it when it was closed); `no_email`: the
 * requester has no e-mail; `ticket_closed`: Zendesk takes nothing on a closed ticket and Ringback may not
 * open a follow-up (`zendesk.createTickets: false`). Nothing was sent in the last two.
 */
export type FollowUpResult = 'sent' | 'no_email' | 'ticket_closed';

export const PRIORITIES = ['normal', 'high'] as const;
/** How urgent a call is: routing `priority` rules make it `high`. */
export type Priority = (typeof PRIORITIES)[number];

/** Where a suggestion came from, in the routing file's words (`assign.suggest`). */
export const SUGGESTION_SOURCES = ['lastAgent', 'ticketAssignee', 'voicemailOwner', 'roundRobin'] as const;
export type SuggestionSource = (typeof SUGGESTION_SOURCES)[number];

/** The agent a call is suggested to, and why in words ("spoke with this caller on 2 Dec"). */
export interface SuggestedOwner {
  name: string;
  email: string | null;
  why: string;
  source: SuggestionSource;
  /** True once the call was claimed for them (`assign.autoClaim`): never claimed for anyone twice. */
  autoClaimed: boolean;
}
