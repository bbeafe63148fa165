/**
 * The card's reply chain as a timeline: one short line per thing that happened (claimed, call-back
 * attempts, escalations, resolution), in words. Pure: (events, episode, zone) → markdown text.
 */
import { formatDuration } from '../../config/duration.js';
import { formatClock } from '../../domain/cardModel.js';
import type { DomainEvent } from '../../domain/episode.js';
import { type Episode, OUTCOME_LABELS } from '../../domain/types.js';
import { escapeMarkdown } from './card.js';

function who(name: string | undefined | null): string {
  return `**${escapeMarkdown(name ?? 'someone')}**`;
}

/** One line for one event, or null for events the thread does not mention. */
export function timelineLine(event: DomainEvent, episode: Episode, timezone: string): string | null {
  const at = formatClock(event.at, timezone);
  switch (event.type) {
    case 'claimed':
      return event.implicit
        ? `${at} · Claimed by ${who(event.actor.name)} (by acting on it)`
        : `${at} · Claimed by ${who(event.actor.name)}`;
    case 'released':
      return event.actor.id === event.previous.id
        ? `${at} · Released by ${who(event.actor.name)}: unclaimed again`
        : `${at} · Released by ${who(event.actor.name)} (was ${who(event.previous.name)}): unclaimed again`;
    case 'callback_started':
      return `${at} · ${who(event.actor.name)} is calling back (attempt ${event.attempt})`;
    case 'resolved': {
      const after =
        episode.firstAttemptAt !== null
          ? ` · called back ${formatDuration(episode.firstAttemptAt - episode.missedAt)} after the call`
          : '';
      return `${at} · Resolved by ${who(event.actor.name)}: ${OUTCOME_LABELS[event.outcome]}${after}`;
    }
    case 'auto_resolved':
      return event.actor
        ? `${at} · Resolved automatically: the caller got through to ${who(event.actor.name)}`
        : `${at} · Resolved automatically: the caller got through`;
    case 'escalated':
      return `${at} · Escalated (step ${event.level}): still unclaimed`;
    case 'call_joined':
      return `${at} · Called again (${event.callCount} calls so far)`;
    case 'opened':
    case 'details_changed':
      return null;
  }
}

/** The lines of one accepted command, as one reply (Teams shows line breaks between them). */
export function timelineText(events: DomainEvent[], episode: Episode, timezone: string): string | null {
  const lines = events
    .map((event) => timelineLine(event, episode, timezone))
    .filter((line): line is string => line !== null);
  return lines.length > 0 ? lines.join('\n\n') : null;
}
