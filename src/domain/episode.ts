/**
 * The call state machine: open → claimed → calling → resolved, claimed → open (release),
 * any → resolved (auto). Every change of an episode after its opening goes through here, including the
 * system's (a late call joining, a held card let out, the ticket linked). Pure: (episode, command) → new
 * episode + events, or a typed refusal.
 */

import { tryNumber } from './callbacks.js';
import type {
  Actor,
  AttemptEntry,
  AutoCallback,
  Episode,
  FollowUpResult,
  Outcome,
  Priority,
  SuggestedOwner,
} from './types.js';

export type Command =
  | { type: 'claim'; actor: Actor; at: number }
  | { type: 'release'; actor: Actor; at: number; asManager: boolean }
  | { type: 'callback'; actor: Actor; at: number }
  | {
      type: 'resolve';
      actor: Actor;
      at: number;
      outcome: Outcome;
      asManager: boolean;
      /** The line's retry policy: a `no_answer` before the last attempt snoozes until `nextDueAt` instead. */
      retry?: RetryPlan;
    }
  /** Call back later: the claimer (or a manager) sets when the call comes due again. */
  | { type: 'snooze'; actor: Actor; at: number; dueAt: number; asManager: boolean }
  /** The snooze's timer fired: the claimer is reminded once and the card says the call is due. */
  | { type: 'come_due'; at: number; dueAt: number }
  /** What the provider deliveries say about a callback request (ingest recomputes it from the calls). */
  | {
      type: 'note_callback_request';
      at: number;
      requestedAt: number;
      number: string | null;
      autoCallback: AutoCallback | null;
    }
  /** An agent gives another number to call back on (E.164, validated by the caller of decide). */
  | { type: 'set_callback_number'; actor: Actor; at: number; number: string; asManager: boolean }
  /** The follow-up to the caller was sent, or could not be (no e-mail). */
  | { type: 'note_follow_up'; at: number; result: FollowUpResult }
  | { type: 'auto_resolve'; at: number; actor: Actor | null; providerCallKey: string }
  | { type: 'add_call'; at: number; providerCallKey: string }
  /**
   * A missed call delivered after its caller's episode was resolved, though it came in before that; `endedAt`
   * is when it ended (its `at` when unknown).
   */
  | { type: 'late_join'; at: number; endedAt: number; providerCallKey: string }
  | { type: 'escalate'; at: number; level: number; step: number }
  /** The card held until the line opens may now be posted (out-of-hours `hold` lines). */
  | { type: 'release_card'; at: number }
  /**
   * Zendesk (or a Zendesk Talk delivery) told us the episode's ticket; `followUpOf`: it is the follow-up
   * ticket Ringback opened because that ticket, the episode's, was closed.
   */
  | { type: 'link_ticket'; at: number; ticketId: number; followUpOf?: number }
  /**
   * A provider delivery named the caller (ingest reads it from the episode's calls): the name the card,
   * the ticket text and the follow-up use, when the episode had none yet.
   */
  | { type: 'name_caller'; at: number; name: string }
  /** The priority rules were evaluated again (at opening, when Zendesk answered, on a callback request). */
  | { type: 'set_priority'; at: number; level: Priority; rule: string | null; because: string | null }
  /**
   * The line's `assign.suggest` named someone; with `autoClaim` the call is claimed for them, once ever
   * (`actor` is who they are as a person: a released auto-claim is never claimed for them again).
   */
  | {
      type: 'suggest_owner';
      at: number;
      owner: Omit<SuggestedOwner, 'autoClaimed'>;
      autoClaim: { actor: Actor } | null;
    }
  /** The claimer (or a manager) hands the call to another agent (checked to be one by the caller of decide). */
  | { type: 'reassign'; actor: Actor; at: number; to: Actor; asManager: boolean };

/** A retry policy applied to one resolve: `attempts` in all; the next one comes due at `nextDueAt`. */
export interface RetryPlan {
  attempts: number;
  /** Null when the line never opens again: the attempt then resolves. */
  nextDueAt: number | null;
}

export type DomainEvent =
  | { type: 'claimed'; actor: Actor; at: number; implicit: boolean; auto?: boolean }
  | { type: 'released'; actor: Actor; at: number; previous: Actor }
  | { type: 'callback_started'; actor: Actor; at: number; attempt: number }
  | { type: 'resolved'; actor: Actor; at: number; outcome: Outcome }
  | { type: 'auto_resolved'; actor: Actor | null; at: number; providerCallKey: string }
  /** A further call of the episode: a repeat call, or a late one (its caused effects are the same). */
  | { type: 'call_joined'; at: number; callCount: number; providerCallKey: string }
  | { type: 'escalated'; at: number; level: number; step: number }
  | { type: 'card_released'; at: number }
  | { type: 'ticket_linked'; at: number; ticketId: number; followUpOf?: number }
  /** The caller's name became known after the episode opened (a later delivery of its calls named them). */
  | { type: 'caller_named'; at: number; name: string }
  /** Emitted by ingest, not by decide(): a first missed call opened the episode. */
  | { type: 'opened'; at: number; providerCallKey: string }
  /** Emitted by ingest or Zendesk: the card's details changed (voicemail, transcript, requester…). */
  | { type: 'details_changed'; at: number; fields: string[] }
  /** A call-back attempt's result was recorded: `attempt` of `of` (null without a retry policy). */
  | { type: 'attempt_logged'; actor: Actor; at: number; attempt: number; of: number | null; result: Outcome }
  /** Call back later: by a person (`asked`) or by the retry policy after a failed attempt (`retry`). */
  | { type: 'snoozed'; actor: Actor; at: number; dueAt: number; reason: 'asked' | 'retry' }
  /** The snooze came due; `claimer` is who is reminded. */
  | { type: 'came_due'; at: number; dueAt: number; claimer: Actor | null }
  /** The provider said the caller asked to be called back, or how its own automated callback fares. */
  | {
      type: 'callback_request_noted';
      at: number;
      first: boolean;
      number: string | null;
      autoCallback: AutoCallback | null;
    }
  | { type: 'callback_number_set'; actor: Actor; at: number; number: string }
  | { type: 'follow_up_noted'; at: number; result: FollowUpResult }
  | {
      type: 'priority_set';
      at: number;
      level: Priority;
      previous: Priority;
      rule: string | null;
      because: string | null;
    }
  | { type: 'owner_suggested'; at: number; owner: SuggestedOwner }
  /** The call changed hands: `from` is who had it (null when a manager assigned an unclaimed call). */
  | { type: 'reassigned'; actor: Actor; at: number; from: Actor | null; to: Actor };

export type Refusal =
  | { kind: 'AlreadyClaimed'; by: Actor; at: number }
  | { kind: 'AlreadyResolved'; by: Actor | null; at: number; outcome: Outcome | null }
  | { kind: 'NotClaimed' }
  | { kind: 'NotClaimer'; claimedBy: Actor }
  /** Snoozing or changing the number of someone else's call (only they or a manager may). */
  | { kind: 'OnlyClaimer'; claimedBy: Actor; action: 'snooze' | 'change the number' }
  /** A snooze that would come due at or before the moment it is asked. */
  | { kind: 'DueNotAhead'; dueAt: number }
  /** What the person chose or typed cannot be used (a snooze time, a phone number); `message` says why. */
  | { kind: 'InvalidInput'; message: string }
  | { kind: 'StaleEscalation'; level: number }
  /** Reassigning someone else's call, or an unclaimed one, without being a manager. */
  | { kind: 'ReassignNotAllowed'; claimedBy: Actor | null };

export const NO_NUMBER_TO_CALL =
  'The number is withheld and the caller left none to call back: there is nothing to dial. Resolve the call with an outcome instead.';

export type Decision =
  | { ok: true; episode: Episode; events: DomainEvent[] }
  | { ok: false; refusal: Refusal };

function accept(episode: Episode, changes: Partial<Episode>, events: DomainEvent[]): Decision {
  if (events.length === 0) return { ok: true, episode, events };
  const next = { ...episode, ...changes, version: episode.version + 1 };
  // Every way of claiming sets claimedAt; the first of them is kept for good.
  if (next.firstClaimedAt === null && next.claimedAt !== null) next.firstClaimedAt = next.claimedAt;
  return { ok: true, episode: next, events };
}

function refuse(refusal: Refusal): Decision {
  return { ok: false, refusal };
}

function alreadyResolved(episode: Episode): Refusal {
  return {
    kind: 'AlreadyResolved',
    by: episode.resolvedBy,
    at: episode.resolvedAt ?? episode.lastCallAt,
    outcome: episode.outcome,
  };
}

/** Same person, whatever surface they clicked on: Slack and Teams identities meet on the email. */
export function sameActor(a: Actor, b: Actor): boolean {
  if (a.id === b.id) return true;
  return a.email !== null && b.email !== null && a.email.toLowerCase() === b.email.toLowerCase();
}

function heldByOther(episode: Episode, actor: Actor): Refusal | null {
  if (episode.claimedBy && !sameActor(episode.claimedBy, actor)) {
    return { kind: 'AlreadyClaimed', by: episode.claimedBy, at: episode.claimedAt ?? episode.missedAt };
  }
  return null;
}

export function decide(episode: Episode, command: Command): Decision {
  switch (command.type) {
    case 'claim': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      const other = heldByOther(episode, command.actor);
      if (other) return refuse(other);
      if (episode.state !== 'open') return accept(episode, {}, []); // clicking Claim twice changes nothing
      return accept(episode, { state: 'claimed', claimedBy: command.actor, claimedAt: command.at }, [
        { type: 'claimed', actor: command.actor, at: command.at, implicit: false },
      ]);
    }

    case 'release': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (episode.state === 'open' || !episode.claimedBy) return refuse({ kind: 'NotClaimed' });
      if (!command.asManager && !sameActor(episode.claimedBy, command.actor)) {
        return refuse({ kind: 'NotClaimer', claimedBy: episode.claimedBy });
      }
      return accept(episode, { state: 'open', claimedBy: null, claimedAt: null, ...NOT_SNOOZED }, [
        { type: 'released', actor: command.actor, at: command.at, previous: episode.claimedBy },
      ]);
    }

    case 'callback': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      const other = heldByOther(episode, command.actor);
      if (other) return refuse(other);
      // Nothing to dial: an attempt recorded here would count as a call back in every report.
      if ((episode.callbackNumber ?? episode.caller.number) === null)
        return refuse({ kind: 'InvalidInput', message: NO_NUMBER_TO_CALL });
      const events: DomainEvent[] = [];
      const changes: Partial<Episode> = {};
      if (episode.state === 'open') {
        changes.claimedBy = command.actor;
        changes.claimedAt = command.at;
        events.push({ type: 'claimed', actor: command.actor, at: command.at, implicit: true });
      }
      const attempt = episode.attempts + 1;
      Object.assign(changes, {
        state: 'calling',
        attempts: attempt,
        firstAttemptAt: episode.firstAttemptAt ?? command.at,
        lastAttemptAt: command.at,
        ...NOT_SNOOZED,
      } satisfies Partial<Episode>);
      events.push({ type: 'callback_started', actor: command.actor, at: command.at, attempt });
      return accept(episode, changes, events);
    }

    case 'resolve': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (!command.asManager) {
        const other = heldByOther(episode, command.actor);
        if (other) return refuse(other);
      }
      const events: DomainEvent[] = [];
      const changes: Partial<Episode> = {
        state: 'resolved',
        outcome: command.outcome,
        resolvedAt: command.at,
        resolvedBy: command.actor,
        ...NOT_SNOOZED,
      };
      if (!episode.claimedBy) {
        changes.claimedBy = command.actor;
        changes.claimedAt = command.at;
        events.push({ type: 'claimed', actor: command.actor, at: command.at, implicit: true });
      }
      if (isAttempt(command.outcome)) {
        const entry: AttemptEntry = { at: command.at, by: command.actor, result: command.outcome };
        // The result of the dial Call back counted, when one was clicked since the last result; else a dial
        // made without the button (the agent's own phone), counted here as Call back would have.
        const lastResultAt = episode.attemptLog.at(-1)?.at ?? null;
        const dialledSince =
          episode.lastAttemptAt !== null && (lastResultAt === null || episode.lastAttemptAt > lastResultAt);
        if (!dialledSince) {
          Object.assign(changes, {
            attempts: episode.attempts + 1,
            firstAttemptAt: episode.firstAttemptAt ?? command.at,
            lastAttemptAt: command.at,
          } satisfies Partial<Episode>);
        }
        changes.attemptLog = [...episode.attemptLog, entry];
        // Tries are counted by their results, as the card, the reminder and the follow-up count them: two
        // Call back clicks before this result (a redial) are one attempt of the retry policy, not two.
        const attempt = tryNumber(episode);
        const retry = command.retry;
        // Under a retry policy each attempt is told (thread line, ticket note); without one the resolve says it.
        if (retry) {
          events.push({
            type: 'attempt_logged',
            actor: command.actor,
            at: command.at,
            attempt,
            of: retry.attempts,
            result: command.outcome,
          });
        }
        if (
          command.outcome === 'no_answer' &&
          retry &&
          attempt < retry.attempts &&
          retry.nextDueAt !== null
        ) {
          // Not the last attempt: the call comes back later instead of being resolved.
          Object.assign(changes, {
            state: 'claimed',
            outcome: null,
            resolvedAt: null,
            resolvedBy: null,
            dueAt: retry.nextDueAt,
            snoozedAt: command.at,
            dueRemindedAt: null,
          } satisfies Partial<Episode>);
          events.push({
            type: 'snoozed',
            actor: command.actor,
            at: command.at,
            dueAt: retry.nextDueAt,
            reason: 'retry',
          });
          return accept(episode, changes, events);
        }
      }
      events.push({ type: 'resolved', actor: command.actor, at: command.at, outcome: command.outcome });
      return accept(episode, changes, events);
    }

    case 'snooze': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (!command.asManager && episode.claimedBy && !sameActor(episode.claimedBy, command.actor)) {
        return refuse({ kind: 'OnlyClaimer', claimedBy: episode.claimedBy, action: 'snooze' });
      }
      if (command.dueAt <= command.at) return refuse({ kind: 'DueNotAhead', dueAt: command.dueAt });
      const events: DomainEvent[] = [];
      const changes: Partial<Episode> = {
        // A snoozed call waits for its claimer: a call being dialled is back to claimed.
        state: 'claimed',
        dueAt: command.dueAt,
        snoozedAt: command.at,
        dueRemindedAt: null,
      };
      if (!episode.claimedBy) {
        // "I'll call back at 17:00" takes the call, as starting the call back does.
        changes.claimedBy = command.actor;
        changes.claimedAt = command.at;
        events.push({ type: 'claimed', actor: command.actor, at: command.at, implicit: true });
      }
      events.push({
        type: 'snoozed',
        actor: command.actor,
        at: command.at,
        dueAt: command.dueAt,
        reason: 'asked',
      });
      return accept(episode, changes, events);
    }

    case 'come_due':
      // Only the snooze this timer was armed for, once: a later snooze or a call back disarms it.
      if (episode.state === 'resolved' || episode.dueAt !== command.dueAt || episode.dueRemindedAt !== null) {
        return accept(episode, {}, []);
      }
      return accept(episode, { dueRemindedAt: command.at }, [
        { type: 'came_due', at: command.at, dueAt: command.dueAt, claimer: episode.claimedBy },
      ]);

    case 'note_callback_request': {
      const first = !episode.callbackRequested;
      const number = command.number ?? episode.callbackNumber;
      if (
        !first &&
        number === episode.callbackNumber &&
        command.autoCallback === episode.autoCallback &&
        command.requestedAt >= (episode.callbackRequestedAt ?? Number.POSITIVE_INFINITY)
      ) {
        return accept(episode, {}, []);
      }
      return accept(
        episode,
        {
          callbackRequested: true,
          callbackRequestedAt: Math.min(
            command.requestedAt,
            episode.callbackRequestedAt ?? command.requestedAt,
          ),
          callbackNumber: number,
          autoCallback: command.autoCallback,
        },
        [
          {
            type: 'callback_request_noted',
            at: command.at,
            first,
            number,
            autoCallback: command.autoCallback,
          },
        ],
      );
    }

    case 'set_callback_number': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (!command.asManager && episode.claimedBy && !sameActor(episode.claimedBy, command.actor)) {
        return refuse({ kind: 'OnlyClaimer', claimedBy: episode.claimedBy, action: 'change the number' });
      }
      if (episode.callbackNumber === command.number) return accept(episode, {}, []);
      return accept(episode, { callbackNumber: command.number }, [
        { type: 'callback_number_set', actor: command.actor, at: command.at, number: command.number },
      ]);
    }

    case 'note_follow_up':
      // Exactly once: the first result stands.
      if (episode.followUp !== null) return accept(episode, {}, []);
      return accept(episode, { followUp: command.result }, [
        { type: 'follow_up_noted', at: command.at, result: command.result },
      ]);

    case 'auto_resolve': {
      // A caller already helped stays helped: repeated or late "answered" events change nothing.
      if (episode.state === 'resolved') return accept(episode, {}, []);
      return accept(
        episode,
        {
          state: 'resolved',
          outcome: 'reached',
          resolvedAt: command.at,
          resolvedBy: command.actor,
          autoResolved: true,
          ...NOT_SNOOZED,
        },
        [
          {
            type: 'auto_resolved',
            actor: command.actor,
            at: command.at,
            providerCallKey: command.providerCallKey,
          },
        ],
      );
    }

    case 'add_call':
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      return joinCall(episode, command);

    case 'late_join':
      // A resolved episode takes only calls that came in before it was resolved (and stays resolved);
      // a call after that is a new request, so a new card. A resolution that reached the caller answers
      // a call still ringing then too (call waiting). Any other (no answer, wrong number, voicemail) covers
      // only calls over by then, as it would have had they been delivered in order: a call still going on
      // (the caller queuing to us while we called) is owed a call back, and absorbed it would get no card.
      if (episode.state === 'resolved') {
        const resolvedAt = episode.resolvedAt ?? episode.lastCallAt;
        const stillGoing = episode.outcome !== 'reached' && command.endedAt > resolvedAt;
        if (command.at >= resolvedAt || stillGoing) return refuse(alreadyResolved(episode));
      }
      return joinCall(episode, command);

    case 'escalate': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (command.level <= episode.escalationLevel)
        return refuse({ kind: 'StaleEscalation', level: command.level });
      return accept(
        episode,
        { escalationLevel: command.level, escalationStep: command.step, escalatedAt: command.at },
        [{ type: 'escalated', at: command.at, level: command.level, step: command.step }],
      );
    }

    case 'release_card':
      // A call resolved while its card was held needs no card any more.
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      return accept(episode, {}, [{ type: 'card_released', at: command.at }]);

    case 'link_ticket': {
      // The first ticket stays: the cards, the notes and the assignee already point at it. Only a follow-up
      // of it takes its place, since Zendesk takes no more changes to a closed ticket.
      const replaces = command.followUpOf !== undefined && episode.zendeskTicketId === command.followUpOf;
      if (episode.zendeskTicketId !== null && !replaces) return accept(episode, {}, []);
      return accept(episode, { zendeskTicketId: command.ticketId }, [
        {
          type: 'ticket_linked',
          at: command.at,
          ticketId: command.ticketId,
          ...(replaces ? { followUpOf: command.followUpOf } : {}),
        },
      ]);
    }

    case 'name_caller': {
      // Only a name the episode lacks: one it has stays, whichever delivery came last (nothing says where
      // it came from, and a card's title should not change under the agents' eyes).
      const name = command.name.trim();
      if (episode.caller.name !== null || name === '') return accept(episode, {}, []);
      return accept(episode, { caller: { ...episode.caller, name } }, [
        { type: 'caller_named', at: command.at, name },
      ]);
    }

    case 'set_priority':
      return setPriority(episode, command);

    case 'suggest_owner':
      return suggestOwner(episode, command);

    case 'reassign':
      return reassign(episode, command);
  }
}

/** A resolved call keeps the priority it had: it is history, and lists no longer show it first. */
function setPriority(episode: Episode, command: Extract<Command, { type: 'set_priority' }>): Decision {
  if (episode.state === 'resolved') return accept(episode, {}, []);
  if (episode.priority === command.level && episode.priorityRule === command.rule)
    return accept(episode, {}, []);
  return accept(episode, { priority: command.level, priorityRule: command.rule }, [
    {
      type: 'priority_set',
      at: command.at,
      level: command.level,
      previous: episode.priority,
      rule: command.rule,
      because: command.because,
    },
  ]);
}

function suggestOwner(episode: Episode, command: Extract<Command, { type: 'suggest_owner' }>): Decision {
  if (episode.state === 'resolved') return accept(episode, {}, []);
  const current = episode.suggestedOwner;
  const alreadyAutoClaimed = current?.autoClaimed ?? false;
  // Claimed for them only while nobody has it and nobody ever got it this way (a release is final).
  const claimNow = command.autoClaim !== null && !alreadyAutoClaimed && episode.state === 'open';
  const owner: SuggestedOwner = { ...command.owner, autoClaimed: alreadyAutoClaimed || claimNow };
  const same =
    current !== null &&
    current.name === owner.name &&
    current.email === owner.email &&
    current.why === owner.why &&
    current.source === owner.source;
  const events: DomainEvent[] = same && !claimNow ? [] : [{ type: 'owner_suggested', at: command.at, owner }];
  const changes: Partial<Episode> = { suggestedOwner: owner };
  if (claimNow && command.autoClaim) {
    const actor = command.autoClaim.actor;
    Object.assign(changes, { state: 'claimed', claimedBy: actor, claimedAt: command.at });
    events.push({ type: 'claimed', actor, at: command.at, implicit: false, auto: true });
  }
  return accept(episode, changes, events);
}

function reassign(episode: Episode, command: Extract<Command, { type: 'reassign' }>): Decision {
  if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
  const from = episode.claimedBy;
  const mayHandOver = command.asManager || (from !== null && sameActor(from, command.actor));
  if (!mayHandOver) return refuse({ kind: 'ReassignNotAllowed', claimedBy: from });
  if (from !== null && sameActor(from, command.to)) return accept(episode, {}, []);
  // The new owner has not dialled yet: a call being dialled is back to claimed; a snooze stays with the call.
  return accept(episode, { state: 'claimed', claimedBy: command.to, claimedAt: command.at }, [
    { type: 'reassigned', actor: command.actor, at: command.at, from, to: command.to },
  ]);
}

/** The snooze fields of an episode that is not (or no longer) snoozed. */
const NOT_SNOOZED = { dueAt: null, snoozedAt: null, dueRemindedAt: null } as const;

/** Outcomes that say a call back was tried (`not_needed` says none was). */
function isAttempt(outcome: Outcome): boolean {
  return outcome !== 'not_needed';
}

/** One more call in the episode: counted, and the episode's span widened to include it. */
function joinCall(episode: Episode, call: { at: number; providerCallKey: string }): Decision {
  const callCount = episode.callCount + 1;
  return accept(
    episode,
    {
      callCount,
      lastCallAt: Math.max(episode.lastCallAt, call.at),
      missedAt: Math.min(episode.missedAt, call.at),
    },
    [{ type: 'call_joined', at: call.at, callCount, providerCallKey: call.providerCallKey }],
  );
}

/** A fresh episode for a first missed call. */
export function newEpisode(input: {
  id: string;
  line: string;
  caller: Episode['caller'];
  missedAt: number;
  zendeskTicketId?: number | null;
}): Episode {
  return {
    id: input.id,
    line: input.line,
    state: 'open',
    caller: input.caller,
    callCount: 1,
    missedAt: input.missedAt,
    lastCallAt: input.missedAt,
    claimedBy: null,
    claimedAt: null,
    firstClaimedAt: null,
    attempts: 0,
    firstAttemptAt: null,
    lastAttemptAt: null,
    outcome: null,
    resolvedAt: null,
    resolvedBy: null,
    autoResolved: false,
    escalationLevel: 0,
    escalationStep: 0,
    escalatedAt: null,
    zendeskTicketId: input.zendeskTicketId ?? null,
    callbackRequested: false,
    callbackRequestedAt: null,
    callbackNumber: null,
    autoCallback: null,
    dueAt: null,
    snoozedAt: null,
    dueRemindedAt: null,
    attemptLog: [],
    followUp: null,
    priority: 'normal',
    priorityRule: null,
    suggestedOwner: null,
    version: 1,
  };
}

/** Words for a refusal, shown privately to the person whose click was refused. */
export function describeRefusal(refusal: Refusal, formatTime: (ms: number) => string): string {
  switch (refusal.kind) {
    case 'AlreadyClaimed':
      return `${refusal.by.name} already has this call (since ${formatTime(refusal.at)}).`;
    case 'AlreadyResolved':
      return refusal.by
        ? `This call was already resolved by ${refusal.by.name} at ${formatTime(refusal.at)}.`
        : `This call was already resolved at ${formatTime(refusal.at)}.`;
    case 'NotClaimed':
      return 'Nobody has claimed this call, so there is nothing to release.';
    case 'NotClaimer':
      return `Only ${refusal.claimedBy.name} or a manager can release this call.`;
    case 'StaleEscalation':
      return `Escalation step ${refusal.level} already happened.`;
    case 'OnlyClaimer':
      return refusal.action === 'snooze'
        ? `Only ${refusal.claimedBy.name} or a manager can snooze this call.`
        : `Only ${refusal.claimedBy.name} or a manager can change the number to call back on.`;
    case 'DueNotAhead':
      return `${formatTime(refusal.dueAt)} has already passed: choose a later time.`;
    case 'InvalidInput':
      return refusal.message;
    case 'ReassignNotAllowed':
      return refusal.claimedBy
        ? `Only ${refusal.claimedBy.name} or a manager can hand this call to someone else.`
        : 'Only a manager can hand an unclaimed call to someone: claim it first, or ask a manager.';
  }
}
