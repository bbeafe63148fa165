/**
 * The reactions table: for each domain event, the neutral intents it causes. This is the one place that
 * answers "what does a claim cause" (or a release, a resolve, a repeat call…). Adapters never look at
 * domain events; they only turn the intents they serve into their own jobs (src/app/intents.ts), inside
 * the same transaction as the change (transactional outbox).
 *
 * Pure: no I/O, no clock, no SDK. The routing file is read for facts that change what happens (is the
 * card held until the line opens, does a resolve close the side conversation, which Aircall tags).
 */
import type { RoutingConfig } from '../config/routing.js';
import { displayNumber } from '../domain/cardModel.js';
import { type DomainEvent, sameActor } from '../domain/episode.js';
import { mentionFor, ruleOf } from '../domain/priority.js';
import { type Actor, OUTCOME_LABELS, type Outcome, type Surface } from '../domain/types.js';
import { cardHeldUntil } from '../timers/outOfHours.js';
import type { EffectContext } from './effects.js';
import { lineNamed } from './routing.js';

/** A neutral instruction: what should happen, not how a given vendor does it. */
export type Intent =
  /** Post the episode's card on every surface and channel the line routes to (once ever per channel). */
  | { kind: 'card.post' }
  /** Re-render every posted copy of the card, everywhere, from the current state. */
  | { kind: 'card.refresh' }
  /** One line per event in the card's thread, on every surface (each surface words and escapes it). */
  | { kind: 'thread.timeline'; events: DomainEvent[] }
  /** Make sure the episode has a Zendesk ticket. */
  | { kind: 'ticket.ensure' }
  /** Note a call on the ticket (a repeat call of the episode). */
  | { kind: 'ticket.callNote'; providerCallKey: string; at: number }
  /** The ticket's assignee follows the claimer. */
  | { kind: 'ticket.assign' }
  /** Write the outcome to the ticket (status, tags, note). */
  | { kind: 'ticket.resolve' }
  /** Close the side conversation that mirrors the card's thread. */
  | { kind: 'ticket.closeSideConversation' }
  /** A comment on the provider's calls of the episode (e.g. Aircall notes), once per `key`. */
  | { kind: 'provider.note'; key: string; text: string; tags: (string | number)[] }
  /** Ring the agent's phone app to call the caller back. */
  | { kind: 'provider.dial'; to: string; agent: { email: string; name: string }; attempt: number; at: number }
  /** Arm the claim escalation ladder, counted from `anchor`. */
  | { kind: 'timer.claimLadder'; anchor: number }
  /** Arm the claimer's reminder (resolve SLA). */
  | { kind: 'timer.reminder' }
  /** The card is held until the line opens: arm the line's digest and the card's release then. */
  | { kind: 'timer.holdUntilOpening'; opening: number }
  /** A snoozed call comes due at `dueAt`: remind its claimer then (once). */
  | { kind: 'timer.callbackDue'; dueAt: number }
  /** One call-back attempt as an internal note on the ticket, once per attempt. */
  | {
      kind: 'ticket.attemptNote';
      attempt: number;
      of: number | null;
      result: Outcome;
      at: number;
      by: string;
    }
  /** The public follow-up to the caller on the ticket (Zendesk e-mails it), once per episode. */
  | { kind: 'ticket.followUp' }
  /** Evaluate the priority rules and the suggested owner again from everything known now. */
  | { kind: 'triage.evaluate' }
  /** Tell these people privately (an auto-claim, a reassignment), on every surface they are on. */
  | { kind: 'person.tell'; to: Actor[]; text: string }
  /** A line in the card's thread that mentions someone (a high-priority rule's `mention`). */
  | { kind: 'thread.mention'; text: string; mention: string };

interface ReactionContext extends EffectContext {
  routing: RoutingConfig;
  /** True when the same command also resolves the call (a resolve that claims on the way). */
  resolvesNow: boolean;
}

type Reaction<T extends DomainEvent['type']> = (
  event: Extract<DomainEvent, { type: T }>,
  context: ReactionContext,
) => Intent[];

const SURFACE_NAMES: Record<Surface, string> = {
  slack: 'Slack',
  teams: 'Teams',
  api: 'API',
  aircall: 'Aircall',
  zendesk: 'Zendesk',
  system: 'Ringback',
};

function byWhom(actor: Actor): string {
  return `${actor.name} (${SURFACE_NAMES[actor.surface]})`;
}

function claimedNote(event: { at: number; actor: Actor }): Intent {
  return {
    kind: 'provider.note',
    key: `claimed:${event.at}:${event.actor.id}`,
    text: `Claimed by ${byWhom(event.actor)}`,
    tags: [],
  };
}

function resolvedNote(key: string, text: string, routing: RoutingConfig): Intent {
  return { kind: 'provider.note', key, text, tags: routing.aircall.tagsOnResolve };
}

function closesSideConversation(routing: RoutingConfig): Intent[] {
  return routing.zendesk.sideConversation?.closeOnResolve ? [{ kind: 'ticket.closeSideConversation' }] : [];
}

function outcomeWords(outcome: Outcome): string {
  return OUTCOME_LABELS[outcome];
}

/**
 * THE TABLE. Read a row as "when this happens, these things follow". Card refreshes and the thread line
 * are added once per change by `react` below (every event but `opened` changes what the card shows).
 */
export const REACTIONS: { [T in DomainEvent['type']]: Reaction<T> } = {
  opened: (event, { episode, routing }) => {
    const heldUntil = cardHeldUntil(routing, episode, event.at);
    return [
      heldUntil === null ? { kind: 'card.post' } : { kind: 'timer.holdUntilOpening', opening: heldUntil },
      { kind: 'ticket.ensure' },
      ...(episode.state === 'open' ? [{ kind: 'timer.claimLadder', anchor: episode.missedAt } as const] : []),
      // Its own job: the card above is never kept waiting for rules, history or Zendesk.
      { kind: 'triage.evaluate' },
    ];
  },
  call_joined: (event) => [
    { kind: 'ticket.callNote', providerCallKey: event.providerCallKey, at: event.at },
    // A repeat call may make a `repeatCalls` rule hold.
    { kind: 'triage.evaluate' },
  ],
  claimed: (event, { episode, resolvesNow, routing }) => [
    { kind: 'ticket.assign' },
    ...(episode.state !== 'resolved' ? [{ kind: 'timer.reminder' } as const] : []),
    // A resolve that claims on the way says it all in its own comment.
    ...(resolvesNow ? [] : [claimedNote(event)]),
    ...(event.auto
      ? [autoClaimNotice(event.actor, episode, lineNamed(routing, episode.line)?.country ?? null)]
      : []),
  ],
  released: (event, { episode }) => [
    { kind: 'ticket.assign' },
    // A released call starts the ladder again, counted from the release.
    ...(episode.state === 'open' ? [{ kind: 'timer.claimLadder', anchor: event.at } as const] : []),
  ],
  callback_started: (event, { episode }) =>
    (episode.callbackNumber ?? episode.caller.number) && event.actor.email
      ? [
          {
            kind: 'provider.dial',
            // The number the caller asked to be called back on wins over the one they called from.
            to: (episode.callbackNumber ?? episode.caller.number) as string,
            agent: { email: event.actor.email, name: event.actor.name },
            attempt: event.attempt,
            at: event.at,
          },
        ]
      : [],
  resolved: (event, { routing, episode }) => [
    { kind: 'ticket.resolve' },
    ...followUpAfter(event.outcome, episode.line, routing),
    ...closesSideConversation(routing),
    resolvedNote(
      `resolved:${event.at}`,
      `Resolved by ${byWhom(event.actor)}: ${outcomeWords(event.outcome)}`,
      routing,
    ),
  ],
  auto_resolved: (event, { routing }) => [
    { kind: 'ticket.resolve' },
    ...closesSideConversation(routing),
    resolvedNote(
      `resolved:${event.at}`,
      `Resolved automatically: the caller got through${event.actor ? ` with ${event.actor.name}` : ''}`,
      routing,
    ),
  ],
  // The ladder's own handler says where the step went; the card shows the level.
  escalated: () => [],
  // The card held until the line opened is posted now (it never was), exactly as on 'opened'.
  // Triage runs again: at night nobody may have been available to be next in turn.
  card_released: () => [{ kind: 'card.post' }, { kind: 'triage.evaluate' }],
  // The cards show the ticket link; the ticket itself caused this, so nothing goes back to Zendesk.
  // (The Zendesk adapter reads the pre-brief as soon as it links the ticket: src/zendesk/episodeLink.ts.)
  ticket_linked: () => [],
  // The cards show the name (their title) once it is known; the ticket keeps what it was opened with.
  caller_named: () => [],
  // Voicemail, transcript, requester…: the card shows them. A pre-brief brings what priority rules and
  // `ticketAssignee` read.
  details_changed: (event) => (event.fields.includes('prebrief') ? [{ kind: 'triage.evaluate' }] : []),
  attempt_logged: (event) => [
    {
      kind: 'ticket.attemptNote',
      attempt: event.attempt,
      of: event.of,
      result: event.result,
      at: event.at,
      by: event.actor.name,
    },
  ],
  snoozed: (event) => [{ kind: 'timer.callbackDue', dueAt: event.dueAt }],
  // The due timer's handler says it (thread mention, private message); the card shows it is due.
  came_due: () => [],
  // The card says the caller asked to be called back and how Aircall's own callback fares; a first
  // request may make a `callbackRequested` rule hold.
  callback_request_noted: (event) => (event.first ? [{ kind: 'triage.evaluate' }] : []),
  callback_number_set: () => [],
  follow_up_noted: () => [],
  priority_set: (event, { episode, routing, lastReleaseAt }) => {
    if (event.level !== 'high') return [];
    const mention = mentionFor(routing, episode);
    return [
      // Posts only where the card is not yet (the rule's channel); a held card waits for the opening.
      ...(cardHeldUntil(routing, episode, event.at) === null ? [{ kind: 'card.post' } as const] : []),
      // Its own ladder (when the rule has one) counts from the missed call, or from the latest release as
      // the line's ladder does: a step counted from before it belongs to a dead chain and never fires.
      ...(episode.state === 'open' && ruleOf(routing, episode)?.escalate
        ? [{ kind: 'timer.claimLadder', anchor: Math.max(episode.missedAt, lastReleaseAt ?? 0) } as const]
        : []),
      ...(mention
        ? [
            {
              kind: 'thread.mention',
              mention,
              text: `High priority: ${event.because ?? 'a priority rule matched'}`,
            } as const,
          ]
        : []),
    ];
  },
  // The card names the suggestion; an auto-claim says itself through its `claimed` event.
  owner_suggested: () => [],
  reassigned: (event, { episode, routing }) => [
    { kind: 'ticket.assign' },
    { kind: 'timer.reminder' },
    {
      kind: 'provider.note',
      key: `reassigned:${event.at}:${event.to.id}`,
      text: `Handed to ${event.to.name} by ${byWhom(event.actor)}`,
      tags: [],
    },
    ...reassignNotices(event, episode, lineNamed(routing, episode.line)?.country ?? null),
  ],
};

/** The caller for people: their name, else their number as written in the line's country. */
function callerWords(
  episode: { caller: { name: string | null; number: string | null } },
  lineCountry: string | null,
): string {
  return episode.caller.name ?? displayNumber(episode.caller.number, lineCountry) ?? 'a withheld number';
}

/** The agent a call was claimed for is told privately, and how to give it back. */
function autoClaimNotice(
  owner: Actor,
  episode: {
    caller: { name: string | null; number: string | null };
    line: string;
    suggestedOwner: { why: string } | null;
  },
  lineCountry: string | null,
): Intent {
  const why = episode.suggestedOwner ? ` (${episode.suggestedOwner.why})` : '';
  return {
    kind: 'person.tell',
    to: [owner],
    text: `Ringback gave you the missed call from ${callerWords(episode, lineCountry)} on ${episode.line}${why}. Release it on the card if you cannot take it.`,
  };
}

/**
 * The new owner and the previous one (when someone else handed it over) are told privately; someone who
 * took the call for themselves (a manager picking their own name) is not told what they just did.
 */
function reassignNotices(
  event: Extract<DomainEvent, { type: 'reassigned' }>,
  episode: { caller: { name: string | null; number: string | null }; line: string },
  lineCountry: string | null,
): Intent[] {
  const caller = callerWords(episode, lineCountry);
  const notices: Intent[] = [];
  if (!sameActor(event.to, event.actor)) {
    notices.push({
      kind: 'person.tell',
      to: [event.to],
      text: `${event.actor.name} handed you the missed call from ${caller} on ${episode.line}.`,
    });
  }
  // Handed on by its own holder (on any surface, by e-mail): they know.
  if (event.from && !sameActor(event.from, event.actor)) {
    notices.push({
      kind: 'person.tell',
      to: [event.from],
      text: `${event.actor.name} handed the missed call from ${caller} on ${episode.line} to ${event.to.name}.`,
    });
  }
  return notices;
}

/** The follow-up to the caller, when the line sends one after this outcome of the last attempt. */
function followUpAfter(outcome: Outcome, lineName: string, routing: RoutingConfig): Intent[] {
  const followUp = lineNamed(routing, lineName)?.followUp;
  return followUp?.after.includes(outcome) ? [{ kind: 'ticket.followUp' }] : [];
}

function reactionTo(event: DomainEvent, context: ReactionContext): Intent[] {
  // The mapped type guarantees the row fits its event; TypeScript cannot see through the lookup.
  const reaction = REACTIONS[event.type] as Reaction<DomainEvent['type']>;
  return reaction(event as never, context);
}

/** Everything one accepted change causes, in a stable order. */
export function react(context: EffectContext, routing: RoutingConfig): Intent[] {
  const { events } = context;
  if (events.length === 0) return [];
  const resolvesNow = events.some((e) => e.type === 'resolved' || e.type === 'auto_resolved');
  const intents = events.flatMap((event) => reactionTo(event, { ...context, routing, resolvesNow }));
  // The card is rendered from the current state when it is posted, so 'opened' alone needs no refresh.
  if (events.some((e) => e.type !== 'opened')) intents.push({ kind: 'card.refresh' });
  intents.push({ kind: 'thread.timeline', events });
  return intents;
}
