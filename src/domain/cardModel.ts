/**
 * The card as data: everything a person sees about a missed-call episode, already in words, derived
 * purely from the episode's state. Slack Block Kit and Teams Adaptive Cards both render this model,
 * so both surfaces always say the same thing.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../config/duration.js';
import type { EpisodeDetails } from './details.js';
import { formatNumber } from './phone.js';
import { describeReason } from './reasons.js';
import { type Episode, OUTCOME_LABELS, OUTCOMES, type Outcome } from './types.js';

export interface CardModel {
  episodeId: string;
  state: Episode['state'];
  /** "Missed call from Marie Dupont", "Missed call from +33 1 76 36 06 95", "Missed call from a withheld number". */
  title: string;
  /** One line for notifications and screen readers. */
  fallbackText: string;
  caller: { name: string | null; numberDisplay: string | null; telUri: string | null; withheld: boolean };
  lineName: string;
  /** "Today 09:32 (12m ago)". */
  whenText: string;
  /** "Waited 45s". */
  waitedText: string | null;
  /** "No agent answered". */
  reasonText: string | null;
  /** "Rang Ana, Ben and Chloé". */
  rangText: string | null;
  /** "3 calls in 20m". */
  episodeText: string | null;
  voicemail: { url: string | null; label: string } | null;
  transcriptExcerpt: string | null;
  ticket: { id: number; url: string | null; requesterName: string | null } | null;
  /** The status line, in words (never only a colour or an emoji). */
  statusText: string;
  escalationText: string | null;
  /** Which controls the card offers. */
  actions: { claim: boolean; release: boolean; callback: boolean; resolve: boolean; openTicket: boolean };
  outcomes: { code: Outcome; label: string }[];
}

export interface CardContext {
  episode: Episode;
  details: EpisodeDetails;
  /** The team's (or line's) IANA zone. */
  timezone: string;
  now: number;
  /** Two-letter country of the line: numbers from it are shown in national format. */
  lineCountry?: string;
  /** Milliseconds left before the claim SLA breaches (negative once breached); null without an SLA. */
  claimSlaLeftMs?: number | null;
  /** e.g. https://acme.zendesk.com, to link tickets. */
  zendeskBaseUrl?: string | null;
  /** Outcomes offered, in order. */
  outcomes?: readonly Outcome[];
}

const TRANSCRIPT_EXCERPT = 280;

function listInWords(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The caller's number for people: national format from the line's own country, else international. */
export const displayNumber = formatNumber;

export function formatWhen(ms: number, now: number, timezone: string): string {
  const when = DateTime.fromMillis(ms, { zone: timezone });
  const today = DateTime.fromMillis(now, { zone: timezone }).startOf('day');
  const day = when.startOf('day');
  let dayText: string;
  if (+day === +today) dayText = 'Today';
  else if (+day === +today.minus({ days: 1 })) dayText = 'Yesterday';
  else dayText = when.toFormat('ccc d LLL');
  const ago = now - ms;
  return `${dayText} ${when.toFormat('HH:mm')}${ago >= 0 ? ` (${formatDuration(ago)} ago)` : ''}`;
}

export function formatClock(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('HH:mm');
}

function statusText(context: CardContext): string {
  const { episode, timezone } = context;
  switch (episode.state) {
    case 'open': {
      const left = context.claimSlaLeftMs;
      if (left === undefined || left === null) return 'Unclaimed';
      return left >= 0
        ? `Unclaimed · ${formatDuration(left)} left to claim`
        : `Unclaimed · claim SLA missed by ${formatDuration(-left)}`;
    }
    case 'claimed':
      return `Claimed by ${episode.claimedBy?.name ?? 'someone'} at ${formatClock(episode.claimedAt ?? episode.missedAt, timezone)}`;
    case 'calling':
      return `Calling back · attempt ${episode.attempts} by ${episode.claimedBy?.name ?? 'someone'}`;
    case 'resolved': {
      const outcome = episode.outcome ? OUTCOME_LABELS[episode.outcome] : 'Resolved';
      const toCallback =
        episode.firstAttemptAt !== null
          ? ` · called back after ${formatDuration(episode.firstAttemptAt - episode.missedAt)}`
          : '';
      if (episode.autoResolved) {
        const who = episode.resolvedBy ? ` with ${episode.resolvedBy.name}` : '';
        return `Resolved automatically · the caller got through${who} at ${formatClock(episode.resolvedAt ?? episode.lastCallAt, timezone)}`;
      }
      return `Resolved by ${episode.resolvedBy?.name ?? 'someone'} · ${outcome}${toCallback}`;
    }
  }
}

export function buildCardModel(context: CardContext): CardModel {
  const { episode, details, timezone, now } = context;
  const withheld = episode.caller.number === null;
  const numberDisplay = displayNumber(episode.caller.number, context.lineCountry);
  const name = episode.caller.name ?? details.requester?.name ?? null;
  const who = name ?? numberDisplay ?? 'a withheld number';
  const lastCall = details.calls[details.calls.length - 1];
  const reasonCode = lastCall?.reason ?? null;
  const waited = details.calls.reduce<number | null>(
    (max, c) => (c.waitedSeconds === null ? max : Math.max(max ?? 0, c.waitedSeconds)),
    null,
  );
  const open = episode.state !== 'resolved';
  const transcript = details.transcript ?? details.summary;
  const ticketUrl =
    episode.zendeskTicketId !== null && context.zendeskBaseUrl
      ? `${context.zendeskBaseUrl.replace(/\/$/, '')}/agent/tickets/${episode.zendeskTicketId}`
      : null;
  const title = `Missed call from ${who}`;
  const status = statusText(context);
  return {
    episodeId: episode.id,
    state: episode.state,
    title,
    fallbackText: `${title} on ${episode.line} · ${status}`,
    caller: {
      name,
      numberDisplay,
      telUri: episode.caller.number ? `tel:${episode.caller.number}` : null,
      withheld,
    },
    lineName: episode.line,
    whenText: formatWhen(episode.missedAt, now, timezone),
    waitedText: waited !== null && waited > 0 ? `Waited ${formatDuration(waited * 1000)}` : null,
    reasonText: describeReason(reasonCode),
    rangText: details.rang.length > 0 ? `Rang ${listInWords(details.rang)}` : null,
    episodeText:
      episode.callCount > 1
        ? `${episode.callCount} calls in ${formatDuration(Math.max(60_000, episode.lastCallAt - episode.missedAt))}`
        : null,
    voicemail: details.voicemail
      ? {
          url: details.voicemail.url,
          label: details.voicemail.durationSeconds
            ? `Voicemail (${formatDuration(details.voicemail.durationSeconds * 1000)})`
            : 'Voicemail',
        }
      : null,
    transcriptExcerpt: transcript
      ? transcript.length > TRANSCRIPT_EXCERPT
        ? `${transcript.slice(0, TRANSCRIPT_EXCERPT - 1).trimEnd()}…`
        : transcript
      : null,
    ticket:
      episode.zendeskTicketId !== null
        ? { id: episode.zendeskTicketId, url: ticketUrl, requesterName: details.requester?.name ?? null }
        : null,
    statusText: status,
    escalationText:
      episode.escalationLevel > 0 && episode.escalatedAt !== null && open
        ? `Escalated (step ${episode.escalationLevel}) at ${formatClock(episode.escalatedAt, timezone)}`
        : null,
    actions: {
      claim: episode.state === 'open',
      release: episode.state === 'claimed' || episode.state === 'calling',
      // No number to call back for a withheld caller.
      callback: open && !withheld,
      resolve: open,
      openTicket: ticketUrl !== null,
    },
    outcomes: (context.outcomes ?? OUTCOMES).map((code) => ({ code, label: OUTCOME_LABELS[code] })),
  };
}
