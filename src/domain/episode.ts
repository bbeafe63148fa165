/**
 * The call state machine: open → claimed → calling → resolved, claimed → open (release),
 * any → resolved (auto). Every change of an episode after its opening goes through here, including the
 * system's (a late call joining, a held card let out, the ticket linked). Pure: (episode, command) → new
 * episode + events, or a typed refusal.
 */
import type { Actor, Episode, Outcome } from './types.js';

export type Command =
  | { type: 'claim'; actor: Actor; at: number }
  | { type: 'release'; actor: Actor; at: number; asManager: boolean }
  | { type: 'callback'; actor: Actor; at: number }
  | { type: 'resolve'; actor: Actor; at: number; outcome: Outcome; asManager: boolean }
  | { type: 'auto_resolve'; at: number; actor: Actor | null; providerCallKey: string }
  | { type: 'add_call'; at: number; providerCallKey: string }
  /** A missed call delivered after its caller's episode was resolved, though it came in before that. */
  | { type: 'late_join'; at: number; providerCallKey: string }
  | { type: 'escalate'; at: number; level: number }
  /** The card held until the line opens may now be posted (out-of-hours `hold` lines). */
  | { type: 'release_card'; at: number }
  /** Zendesk (or a Zendesk Talk delivery) told us the episode's ticket. */
  | { type: 'link_ticket'; at: number; ticketId: number };

export type CommandType = Command['type'];

export type DomainEvent =
  | { type: 'claimed'; actor: Actor; at: number; implicit: boolean }
  | { type: 'released'; actor: Actor; at: number; previous: Actor }
  | { type: 'callback_started'; actor: Actor; at: number; attempt: number }
  | { type: 'resolved'; actor: Actor; at: number; outcome: Outcome }
  | { type: 'auto_resolved'; actor: Actor | null; at: number; providerCallKey: string }
  /** A further call of the episode: a repeat call, or a late one (its caused effects are the same). */
  | { type: 'call_joined'; at: number; callCount: number; providerCallKey: string }
  | { type: 'escalated'; at: number; level: number }
  | { type: 'card_released'; at: number }
  | { type: 'ticket_linked'; at: number; ticketId: number }
  /** Emitted by ingest, not by decide(): a first missed call opened the episode. */
  | { type: 'opened'; at: number; providerCallKey: string }
  /** Emitted by ingest or Zendesk: the card's details changed (voicemail, transcript, requester…). */
  | { type: 'details_changed'; at: number; fields: string[] };

export type Refusal =
  | { kind: 'AlreadyClaimed'; by: Actor; at: number }
  | { kind: 'AlreadyResolved'; by: Actor | null; at: number; outcome: Outcome | null }
  | { kind: 'NotClaimed' }
  | { kind: 'NotClaimer'; claimedBy: Actor }
  | { kind: 'StaleEscalation'; level: number };

export type Decision =
  | { ok: true; episode: Episode; events: DomainEvent[] }
  | { ok: false; refusal: Refusal };

function accept(episode: Episode, changes: Partial<Episode>, events: DomainEvent[]): Decision {
  if (events.length === 0) return { ok: true, episode, events };
  return { ok: true, episode: { ...episode, ...changes, version: episode.version + 1 }, events };
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
      return accept(episode, { state: 'open', claimedBy: null, claimedAt: null }, [
        { type: 'released', actor: command.actor, at: command.at, previous: episode.claimedBy },
      ]);
    }

    case 'callback': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      const other = heldByOther(episode, command.actor);
      if (other) return refuse(other);
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
      };
      if (!episode.claimedBy) {
        changes.claimedBy = command.actor;
        changes.claimedAt = command.at;
        events.push({ type: 'claimed', actor: command.actor, at: command.at, implicit: true });
      }
      events.push({ type: 'resolved', actor: command.actor, at: command.at, outcome: command.outcome });
      return accept(episode, changes, events);
    }

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
      // a call after that is a new request, so a new card.
      if (episode.state === 'resolved' && command.at >= (episode.resolvedAt ?? episode.lastCallAt)) {
        return refuse(alreadyResolved(episode));
      }
      return joinCall(episode, command);

    case 'escalate': {
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      if (command.level <= episode.escalationLevel)
        return refuse({ kind: 'StaleEscalation', level: command.level });
      return accept(episode, { escalationLevel: command.level, escalatedAt: command.at }, [
        { type: 'escalated', at: command.at, level: command.level },
      ]);
    }

    case 'release_card':
      // A call resolved while its card was held needs no card any more.
      if (episode.state === 'resolved') return refuse(alreadyResolved(episode));
      return accept(episode, {}, [{ type: 'card_released', at: command.at }]);

    case 'link_ticket':
      // The first ticket stays: the cards, the notes and the assignee already point at it.
      if (episode.zendeskTicketId !== null) return accept(episode, {}, []);
      return accept(episode, { zendeskTicketId: command.ticketId }, [
        { type: 'ticket_linked', at: command.at, ticketId: command.ticketId },
      ]);
  }
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
    attempts: 0,
    firstAttemptAt: null,
    lastAttemptAt: null,
    outcome: null,
    resolvedAt: null,
    resolvedBy: null,
    autoResolved: false,
    escalationLevel: 0,
    escalatedAt: null,
    zendeskTicketId: input.zendeskTicketId ?? null,
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
  }
}
