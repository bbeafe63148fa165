/**
 * Who should take a call (routing `assign.suggest`): each source in the configured order may name an
 * agent; the first that does wins, with why in words for the card. Pure: the triage job
 * (src/app/triage.ts) gathers each source's answer from the store, Zendesk and the phone system.
 */
import { DateTime } from 'luxon';
import type { Actor, SuggestedOwner, SuggestionSource } from './types.js';

/** A person a source named. */
export interface Candidate {
  name: string;
  email: string | null;
}

/** What each source answered (null: it names nobody, or was not asked). */
export interface SuggestionInputs {
  /** The agent of the latest answered call with this number, and when it was. */
  lastAgent: { agent: Candidate; at: number } | null;
  /** The assignee of the caller's open ticket. */
  ticketAssignee: { agent: Candidate; ticketId: number } | null;
  /** Whom the phone system gave the voicemail (or the missed call) to. */
  voicemailOwner: Candidate | null;
  /** The next agent in turn, and whether they are known to be available. */
  roundRobin: RoundRobinPick | null;
}

export type Suggestion = Omit<SuggestedOwner, 'autoClaimed'>;

function why(source: SuggestionSource, inputs: SuggestionInputs, timezone: string): string {
  switch (source) {
    case 'lastAgent': {
      const at = inputs.lastAgent?.at ?? 0;
      return `spoke with this caller on ${DateTime.fromMillis(at, { zone: timezone }).toFormat('d LLL')}`;
    }
    case 'ticketAssignee':
      return `assignee of the caller's open ticket #${inputs.ticketAssignee?.ticketId ?? ''}`;
    case 'voicemailOwner':
      return 'the phone system gave them the voicemail';
    case 'roundRobin':
      return inputs.roundRobin?.availability === 'available'
        ? 'next in turn among the available agents'
        : 'next in turn (nobody’s availability is known right now)';
  }
}

function candidateOf(source: SuggestionSource, inputs: SuggestionInputs): Candidate | null {
  switch (source) {
    case 'lastAgent':
      return inputs.lastAgent?.agent ?? null;
    case 'ticketAssignee':
      return inputs.ticketAssignee?.agent ?? null;
    case 'voicemailOwner':
      return inputs.voicemailOwner;
    case 'roundRobin':
      return inputs.roundRobin?.agent ?? null;
  }
}

/** The first source in `order` that names someone; null when none does. */
export function suggestOwner(
  order: readonly SuggestionSource[],
  inputs: SuggestionInputs,
  timezone: string,
): Suggestion | null {
  for (const source of order) {
    const agent = candidateOf(source, inputs);
    if (!agent) continue;
    return { name: agent.name, email: agent.email, why: why(source, inputs, timezone), source };
  }
  return null;
}

/** One agent of a line's round-robin pool, with what the phone system says of them. */
export interface PoolAgent extends Candidate {
  /** Stable across restarts (the e-mail, lower case, else the phone system's user id). */
  key: string;
  /** True available, false not (closed, away), null unknown (no event seen, users API silent). */
  available: boolean | null;
}

export interface RoundRobinPick {
  agent: PoolAgent;
  availability: 'available' | 'unknown';
}

/**
 * The next agent after `lastKey` (who was picked last time), in pool order, who is available. When nobody
 * is known to be available, the next one whose availability is unknown (a phone system that sends no
 * availability must not switch round robin off); agents known to be unavailable are always skipped.
 */
export function nextInTurn(pool: readonly PoolAgent[], lastKey: string | null): RoundRobinPick | null {
  if (pool.length === 0) return null;
  const last = lastKey === null ? -1 : pool.findIndex((a) => a.key === lastKey);
  const inTurn = pool.map((_, i) => pool[(last + 1 + i) % pool.length] as PoolAgent);
  const available = inTurn.find((a) => a.available === true);
  if (available) return { agent: available, availability: 'available' };
  const unknown = inTurn.find((a) => a.available === null);
  return unknown ? { agent: unknown, availability: 'unknown' } : null;
}

/** The person an auto-claim acts as: matched to their Slack/Teams clicks by e-mail (sameActor). */
export function ownerActor(owner: Candidate): Actor {
  const key = owner.email?.trim().toLowerCase() ?? owner.name;
  return { id: `agent:${key}`, name: owner.name, email: owner.email, surface: 'system' };
}
