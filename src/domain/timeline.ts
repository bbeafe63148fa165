/**
 * The card's thread as a timeline: one short line per thing that happened (claimed, released, call-back
 * attempts, resolution, repeat calls), in words, the same on every surface. Pure: each surface passes how
 * it emphasizes a name (Slack `*Ana*`, Teams `**Ana**`, escaped its own way) and how it joins lines.
 * Escalations are said in the thread by their notice (with its mention) and on the card itself, so they get
 * no second line here; an implicit claim comes with the call back or resolve that caused it.
 */
import { formatDuration } from '../config/duration.js';
import { followUpWords, formatClock } from './cardModel.js';
import { dueWords } from './dueTime.js';
import type { DomainEvent } from './episode.js';
import { formatNumber } from './phone.js';
import { type Episode, OUTCOME_LABELS } from './types.js';

/** How a surface shows a person's name inside a line. */
export type NameStyle = (name: string) => string;

/** One line for one event, or null for events the thread does not mention. */
export function timelineLine(
  event: DomainEvent,
  episode: Episode,
  timezone: string,
  who: NameStyle,
  /** Other text that comes from outside Ringback (a rule's reason), escaped the surface's way. */
  outside: (text: string) => string = (text) => text,
): string | null {
  const at = formatClock(event.at, timezone);
  const name = (value: string | null | undefined) => who(value ?? 'someone');
  switch (event.type) {
    case 'claimed':
      if (event.auto) return `${at} · Claimed for ${name(event.actor.name)} (suggested owner)`;
      return event.implicit ? null : `${at} · Claimed by ${name(event.actor.name)}`;
    case 'released':
      return event.actor.id === event.previous.id
        ? `${at} · Released by ${name(event.actor.name)}: unclaimed again`
        : `${at} · Released by ${name(event.actor.name)} (was ${name(event.previous.name)}): unclaimed again`;
    case 'callback_started':
      return `${at} · ${name(event.actor.name)} is calling back (attempt ${event.attempt})`;
    case 'resolved': {
      const after =
        episode.firstAttemptAt !== null
          ? ` · called back ${formatDuration(episode.firstAttemptAt - episode.missedAt)} after the call`
          : '';
      return `${at} · Resolved by ${name(event.actor.name)}: ${OUTCOME_LABELS[event.outcome]}${after}`;
    }
    case 'auto_resolved':
      return event.actor
        ? `${at} · Resolved automatically: the caller got through to ${name(event.actor.name)}`
        : `${at} · Resolved automatically: the caller got through`;
    case 'call_joined':
      return `${at} · Called again (${event.callCount} calls so far)`;
    case 'attempt_logged':
      return `${at} · Attempt ${event.attempt}${event.of !== null ? ` of ${event.of}` : ''} by ${name(event.actor.name)}: ${OUTCOME_LABELS[event.result]}`;
    case 'snoozed': {
      const due = dueWords(event.dueAt, event.at, timezone);
      return event.reason === 'retry'
        ? `${at} · Next attempt ${due}`
        : `${at} · ${name(event.actor.name)} will call back ${due}`;
    }
    case 'callback_request_noted':
      return callbackRequestLine(event, at);
    case 'callback_number_set':
      return `${at} · ${name(event.actor.name)} set the number to call back on: ${formatNumber(event.number) ?? event.number}`;
    case 'follow_up_noted':
      return `${at} · ${followUpWords(event.result)}`;
    case 'reassigned':
      return event.from
        ? `${at} · ${name(event.actor.name)} handed the call from ${name(event.from.name)} to ${name(event.to.name)}`
        : `${at} · ${name(event.actor.name)} handed the call to ${name(event.to.name)}`;
    case 'priority_set':
      return event.level === 'high'
        ? `${at} · High priority${event.because ? `: ${outside(event.because)}` : ''}`
        : event.previous === 'high'
          ? `${at} · Back to normal priority`
          : null;
    case 'owner_suggested':
      return `${at} · Suggested to ${name(event.owner.name)}: ${outside(event.owner.why)}`;
    // The due reminder is its own thread message, with the claimer's mention.
    case 'came_due':
    case 'escalated':
    case 'opened':
    case 'details_changed':
    case 'card_released':
    case 'ticket_linked':
    case 'caller_named':
      return null;
  }
}

function callbackRequestLine(
  event: Extract<DomainEvent, { type: 'callback_request_noted' }>,
  at: string,
): string | null {
  const automatic =
    event.autoCallback === 'retrying'
      ? 'Aircall is calling back automatically'
      : event.autoCallback === 'failed'
        ? 'Aircall’s automatic call back did not get through: a person must call back'
        : null;
  if (event.first) {
    return `${at} · The caller asked to be called back${automatic ? ` · ${automatic}` : ''}`;
  }
  return automatic ? `${at} · ${automatic}` : null;
}

/** The lines of one accepted command, joined into one thread message (one post, not several). */
export function timelineText(
  events: DomainEvent[],
  episode: Episode,
  timezone: string,
  style: { who: NameStyle; separator: string; escape?: (text: string) => string },
): string | null {
  const lines = events
    .map((event) => timelineLine(event, episode, timezone, style.who, style.escape))
    .filter((line): line is string => line !== null);
  return lines.length > 0 ? lines.join(style.separator) : null;
}

/** A call's state in a few words, for lists (`/ringback open`, `@Ringback mine`). */
export function stateWords(episode: Episode): string {
  switch (episode.state) {
    case 'open':
      return 'unclaimed';
    case 'claimed':
      return `claimed by ${episode.claimedBy?.name ?? 'someone'}`;
    case 'calling':
      return `calling, attempt ${episode.attempts} by ${episode.claimedBy?.name ?? 'someone'}`;
    case 'resolved':
      return 'resolved';
  }
}
