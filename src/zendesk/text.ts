/**
 * The words Ringback writes into Zendesk: ticket subjects, internal notes and side-conversation messages.
 * Pure functions of the episode, so they are tested without a Zendesk.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../config/duration.js';
import { displayNumber } from '../domain/cardModel.js';
import type { EpisodeDetails } from '../domain/details.js';
import { describeReason } from '../domain/reasons.js';
import { type Actor, type Caller, type Episode, OUTCOME_LABELS, type Surface } from '../domain/types.js';

const SURFACE_NAMES: Record<Surface, string> = {
  slack: 'Slack',
  teams: 'Teams',
  api: 'the API',
  aircall: 'Aircall',
  zendesk: 'Zendesk',
  system: 'Ringback',
};

export function surfaceName(surface: Surface): string {
  return SURFACE_NAMES[surface];
}

/**
 * Text from callers, providers and people, made literal in a ticket comment: Zendesk reads a comment's
 * `body` as Markdown, so a caller named "[Verify your account](https://…)" would be a link in the note, or
 * in the public follow-up e-mailed to the caller. Only what makes links, images and HTML is escaped, so a
 * plain name reads the same whether Markdown is rendered or not. Subjects and side-conversation messages
 * are plain text and need none of it.
 */
export function commentText(text: string): string {
  return text.replace(/[\\[\]<>]/g, (c) => `\\${c}`);
}

/** "Marie Dupont (+33 1 76 36 06 95)", "+33 1 76 36 06 95", "a withheld number". */
export function callerLabel(caller: Caller): string {
  const number = displayNumber(caller.number);
  if (caller.name && number) return `${caller.name} (${number})`;
  return caller.name ?? number ?? 'a withheld number';
}

export function ticketSubject(caller: Caller): string {
  return `Missed call from ${callerLabel(caller)}`;
}

export function sideConversationSubject(caller: Caller): string {
  return `Missed call from ${callerLabel(caller)} — team thread`;
}

/** "Fri 20 Nov 2026 10:32 (Europe/Paris)". */
export function formatTime(ms: number, timezone: string): string {
  return `${DateTime.fromMillis(ms, { zone: timezone }).toFormat('ccc d LLL yyyy HH:mm')} (${timezone})`;
}

/** The first comment of a ticket Ringback creates: what happened, in plain text. */
export function missedCallComment(episode: Episode, details: EpisodeDetails, timezone: string): string {
  const first = details.calls[0];
  const lines = [
    `Missed call from ${commentText(callerLabel(episode.caller))} on ${commentText(episode.line)}.`,
    `Missed at: ${formatTime(episode.missedAt, timezone)}`,
  ];
  const reason = describeReason(first?.reason ?? null);
  if (reason) lines.push(`Why: ${commentText(reason)}`);
  if (first?.waitedSeconds) lines.push(`Waited: ${formatDuration(first.waitedSeconds * 1000)}`);
  if (details.rang.length > 0) lines.push(`Rang: ${commentText(details.rang.join(', '))}`);
  if (details.voicemail) {
    const length = details.voicemail.durationSeconds
      ? ` (${formatDuration(details.voicemail.durationSeconds * 1000)})`
      : '';
    lines.push(`Voicemail${length}${details.voicemail.url ? `: ${commentText(details.voicemail.url)}` : ''}`);
  }
  if (details.transcript) lines.push(`Transcript: ${commentText(details.transcript)}`);
  if (first) lines.push(`Call: ${commentText(first.key)}`);
  lines.push('', 'Claim it, call back and record the outcome from the Ringback card in your team channel.');
  return lines.join('\n');
}

/**
 * The first comment of the follow-up ticket Ringback opens when the episode's ticket was closed: which
 * ticket it follows, then what happened, as on the first ticket.
 */
export function followUpTicketComment(
  episode: Episode,
  details: EpisodeDetails,
  timezone: string,
  closedTicketId: number,
): string {
  return [
    `Follow-up of ticket #${closedTicketId}, which is closed and takes no more changes: Ringback writes about this callback here from now on.`,
    '',
    missedCallComment(episode, details, timezone),
  ].join('\n');
}

/** The note added when the same caller misses again while the callback is pending. */
export function anotherCallNote(
  episode: Episode,
  call: { key: string; at: number; reason: string | null; talkTicketId?: number | null },
  timezone: string,
): string {
  const reason = describeReason(call.reason);
  const parts = [
    `Another missed call from ${commentText(callerLabel(episode.caller))} at ${formatTime(call.at, timezone)}${reason ? ` — ${commentText(reason)}` : ''}.`,
    `${episode.callCount} calls so far. ${callMarker(call.key)}`,
  ];
  if (call.talkTicketId) parts.push(`Zendesk Talk made ticket #${call.talkTicketId} for this call.`);
  return parts.join('\n');
}

/**
 * Written into every per-call note so a retried job can tell the note is already there. The key is a
 * provider's text (a generic webhook's `callId`), made literal like any other.
 */
export function callMarker(providerCallKey: string): string {
  return `(call ${commentText(providerCallKey)})`;
}

/**
 * Does a stored comment carry the marker of this call? Whether Zendesk gives `body` back with the escapes
 * as written or as rendered text is not documented: either form counts.
 */
export function hasCallMarker(body: string | null | undefined, providerCallKey: string): boolean {
  if (!body) return false;
  return body.includes(callMarker(providerCallKey)) || body.includes(`(call ${providerCallKey})`);
}

function actorLine(actor: Actor | null): string {
  if (!actor) return 'Ringback';
  const email = actor.email ? ` (${commentText(actor.email)})` : '';
  return `${commentText(actor.name)}${email} on ${surfaceName(actor.surface)}`;
}

/** The one internal note written when the callback is resolved. */
export function resolveNote(episode: Episode, timezone: string): string {
  const outcome = episode.outcome ? OUTCOME_LABELS[episode.outcome] : 'Resolved';
  const resolvedAt = episode.resolvedAt ?? episode.lastCallAt;
  const lines = [
    episode.autoResolved
      ? `Callback resolved automatically: ${outcome} (a later answered call with this caller).`
      : `Callback resolved: ${outcome}.`,
    `Resolved by: ${actorLine(episode.resolvedBy)}`,
    `Missed at: ${formatTime(episode.missedAt, timezone)}`,
    `Claimed at: ${episode.claimedAt !== null ? formatTime(episode.claimedAt, timezone) : '—'}${
      episode.claimedBy ? ` by ${commentText(episode.claimedBy.name)}` : ''
    }`,
    `First call back: ${episode.firstAttemptAt !== null ? formatTime(episode.firstAttemptAt, timezone) : '—'}${
      episode.attempts > 0 ? ` (${episode.attempts} attempt${episode.attempts === 1 ? '' : 's'})` : ''
    }`,
    `Resolved at: ${formatTime(resolvedAt, timezone)}`,
    `Time to callback: ${
      episode.firstAttemptAt !== null ? formatDuration(episode.firstAttemptAt - episode.missedAt) : '—'
    }`,
  ];
  if (episode.callCount > 1) lines.push(`Missed calls in this episode: ${episode.callCount}`);
  return lines.join('\n');
}

/** A thread message as it appears in the side conversation: who, from where, what. */
export function threadMessageBody(author: Actor, text: string): string {
  return `${author.name} (${surfaceName(author.surface)}): ${text}`;
}

/** Tags that mark a resolved ticket; the outcome tag doubles as "the note is already written". */
export function outcomeTag(outcome: string): string {
  return `ringback_outcome_${outcome}`;
}
