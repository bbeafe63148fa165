/**
 * The card as data: everything a person sees about a missed-call episode, already in words, derived
 * purely from the episode's state. Slack Block Kit and Teams Adaptive Cards both render this model,
 * so both surfaces always say the same thing.
 */
import { DateTime, IANAZone } from 'luxon';
import { formatDuration } from '../config/duration.js';
import { tryNumber } from './callbacks.js';
import { isPlaceholderName } from './callerName.js';
import type { EpisodeDetails } from './details.js';
import { dueWords, SNOOZE_PRESETS, type SnoozePreset } from './dueTime.js';
import { formatNumber } from './phone.js';
import { ordinal, zoneOfCountry } from './prebrief.js';
import { describeReason } from './reasons.js';
import { type Episode, type FollowUpResult, OUTCOME_LABELS, OUTCOMES, type Outcome } from './types.js';

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
  actions: {
    claim: boolean;
    release: boolean;
    callback: boolean;
    resolve: boolean;
    openTicket: boolean;
    /** Call back later (`ringback.snooze`): whenever a call back is possible and the call is not resolved. */
    snooze: boolean;
  };
  outcomes: { code: Outcome; label: string }[];
  /**
   * The callback workflow in words, one line each: the caller's request and how long they have waited,
   * Aircall's own callback, when the call comes due (and which attempt), the attempts so far, the
   * follow-up to the caller, and a withheld number that cannot be called back.
   */
  callbackLines: string[];
  /** The preset "call back later" choices, in order (a surface may add a time input for the rest). */
  snoozeOptions: { value: SnoozePreset; label: string }[];
  /** "High priority · VIP customers" for a high call (shown prominently, in words); null otherwise. */
  priorityText: string | null;
  /** "Suggested: Ana · spoke with this caller on 2 Dec" while the call is not with them; null otherwise. */
  suggestionText: string | null;
  /**
   * The pre-brief, one line each: organization, tags worth showing, open tickets (with the latest one's
   * subject, priority and link), the last contact, the caller's local time, and repeat calls.
   */
  prebriefLines: string[];
  /** The latest open ticket's link, for surfaces that make the pre-brief's ticket clickable. */
  prebriefTicket: { id: number; url: string | null; subject: string | null } | null;
}

export interface CardContext {
  episode: Episode;
  details: EpisodeDetails;
  /** The team's (or line's) IANA zone. */
  timezone: string;
  now: number;
  /** Two-letter country of the line: numbers from it are shown in national format. */
  lineCountry?: string;
  /**
   * When the claim SLA breaches (counted in business time from the missed call); null without an SLA or
   * once claimed. The card names this moment rather than a countdown: a posted card is only re-rendered
   * when something happens to the call, and "14m left" would still say so the next morning.
   */
  claimDueAt?: number | null;
  /** e.g. https://acme.zendesk.com, to link tickets. */
  zendeskBaseUrl?: string | null;
  /** Outcomes offered, in order. */
  outcomes?: readonly Outcome[];
  /** The line's retry policy's attempts (for "attempt 2 of 3"); null or absent without one. */
  retryAttempts?: number | null;
  /** Tags worth showing in the pre-brief (routing `zendesk.showTags`); absent: none. */
  showTags?: readonly string[];
}

const SNOOZE_LABELS: Record<SnoozePreset, string> = {
  '30m': 'In 30 minutes',
  '1h': 'In 1 hour',
  '2h': 'In 2 hours',
  tomorrow: 'Tomorrow morning',
};

/** What a card can say was done with a call nobody can call back: the caller got through, or no need. */
const OUTCOMES_WITHOUT_NUMBER: readonly Outcome[] = ['reached', 'not_needed'];

/** The outcomes a call can be resolved with: without a number to call, only those that need no call. */
export function outcomesFor(callable: boolean, outcomes: readonly Outcome[] = OUTCOMES): Outcome[] {
  return outcomes.filter((code) => callable || OUTCOMES_WITHOUT_NUMBER.includes(code));
}

/**
 * The card's line for a call that is to be called back at `dueAt`: "Call back at 17:30 · attempt 2 of 2", or
 * "Due now: call back (planned for 17:30)" once due. `callers` follows the time (the caller's clock, if any).
 * Also what a Teams list click answers when a retry policy postponed the call instead of resolving it.
 */
export function dueLine(
  episode: Pick<Episode, 'attemptLog' | 'dueRemindedAt'>,
  dueAt: number,
  context: Pick<CardContext, 'now' | 'timezone' | 'retryAttempts'>,
  callers = '',
): string {
  const { now, timezone } = context;
  const retry = context.retryAttempts ?? null;
  const nextAttempt =
    retry !== null && episode.attemptLog.length > 0 ? ` · attempt ${tryNumber(episode)} of ${retry}` : '';
  return episode.dueRemindedAt !== null || now >= dueAt
    ? `Due now: call back (planned for ${clockOrDay(dueAt, now, timezone)}${callers})${nextAttempt}`
    : `Call back ${dueWords(dueAt, now, timezone)}${callers}${nextAttempt}`;
}

/** The callback workflow lines of the card (see CardModel.callbackLines). */
export function callbackLines(context: CardContext, callable: boolean): string[] {
  const { episode, timezone, now } = context;
  const open = episode.state !== 'resolved';
  const lines: string[] = [];
  if (episode.callbackRequested) {
    const since = episode.callbackRequestedAt ?? episode.missedAt;
    lines.push(
      open
        ? `The caller asked to be called back at ${clockOrDay(since, now, timezone)}`
        : 'The caller had asked to be called back',
    );
  }
  if (open && episode.autoCallback === 'retrying') lines.push('Aircall is calling back automatically');
  if (open && episode.autoCallback === 'failed') {
    lines.push('Aircall’s automatic call back did not get through: a person must call back');
  }
  if (episode.callbackNumber && episode.callbackNumber !== episode.caller.number) {
    lines.push(`Call back on ${displayNumber(episode.callbackNumber, context.lineCountry)}`);
  }
  if (!callable && open) lines.push('The number is withheld: no call back is possible');
  if (open && episode.dueAt !== null) {
    lines.push(dueLine(episode, episode.dueAt, context, callerClock(context, episode.dueAt)));
  }
  if (episode.attemptLog.length > 0) {
    const attempts = episode.attemptLog
      .map((a) => `${clockOrDay(a.at, now, timezone)} ${OUTCOME_LABELS[a.result]} (${a.by.name})`)
      .join(' · ');
    lines.push(`Attempts: ${attempts}`);
  }
  if (episode.followUp !== null) lines.push(followUpWords(episode.followUp));
  return lines;
}

/** What became of the follow-up to the caller, on the card and in the timeline. */
export function followUpWords(result: FollowUpResult): string {
  switch (result) {
    case 'sent':
      return 'Follow-up e-mailed to the caller (a public reply on the ticket)';
    case 'no_email':
      return 'No follow-up sent: the requester has no e-mail address';
    case 'ticket_closed':
      return 'No follow-up sent: the Zendesk ticket is closed and takes no reply';
  }
}

/**
 * The caller's zone: Zendesk's (in the pre-brief), else their number's country when it has one zone;
 * null when unknown.
 */
export function callerZoneOf(details: EpisodeDetails): string | null {
  const zone = details.prebrief?.timeZone ?? zoneOfCountry(details.callerCountry);
  return zone && IANAZone.isValidZone(zone) ? zone : null;
}

/**
 * The due time on the caller's clock, when it is known and not the team's: " (Europe/Paris) · 11:30 for the
 * caller (America/New_York)". Empty otherwise, the card's footer already naming the team's zone.
 */
function callerClock(context: CardContext, dueAt: number): string {
  const zone = callerZoneOf(context.details);
  if (!zone) return '';
  const team = DateTime.fromMillis(dueAt, { zone: context.timezone });
  const theirs = DateTime.fromMillis(dueAt, { zone });
  if (team.toFormat('yyyy-MM-dd HH:mm') === theirs.toFormat('yyyy-MM-dd HH:mm')) return '';
  const sameDay = theirs.hasSame(DateTime.fromMillis(context.now, { zone }), 'day');
  const clock = theirs.toFormat(sameDay ? 'HH:mm' : 'ccc d LLL HH:mm');
  return ` (${context.timezone}) · ${clock} for the caller (${zone})`;
}

/** The pre-brief of the card (see CardModel.prebriefLines), from the details Zendesk and triage filled. */
export function prebriefLines(context: CardContext): string[] {
  const { details, timezone, now } = context;
  const lines: string[] = [];
  const brief = details.prebrief;
  if (brief?.organization) lines.push(`Organization: ${brief.organization}`);
  const wanted = new Set((context.showTags ?? []).map((t) => t.toLowerCase()));
  const shown = (brief?.tags ?? []).filter((tag) => wanted.has(tag.toLowerCase()));
  if (shown.length > 0) lines.push(`Tags: ${shown.join(', ')}`);
  if (brief && brief.openTickets.count > 0) {
    const latest = brief.openTickets.latest;
    const count = `${brief.openTickets.count} open ticket${brief.openTickets.count === 1 ? '' : 's'}`;
    const about = latest
      ? ` · latest #${latest.id}${latest.subject ? ` “${latest.subject}”` : ''}${latest.priority ? ` (${latest.priority})` : ''}`
      : '';
    lines.push(`${count}${about}`);
  }
  if (brief?.lastContact) {
    const { at, channel, agent } = brief.lastContact;
    const day = DateTime.fromMillis(at, { zone: timezone }).toFormat('d LLL');
    lines.push(`Last contact ${day}${channel ? ` by ${channel}` : ''}${agent ? ` with ${agent}` : ''}`);
  }
  if (brief?.timeZone) {
    const local = DateTime.fromMillis(now, { zone: brief.timeZone });
    if (local.isValid) lines.push(`Caller’s local time ${local.toFormat('HH:mm')} (${brief.timeZone})`);
  }
  const calls = details.repeat?.callsThisWeek ?? 0;
  if (calls >= 2) lines.push(`${ordinal(calls)} call in 7 days`);
  return lines;
}

const TRANSCRIPT_EXCERPT = 280;

function listInWords(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The caller's number for people: national format from the line's own country, else international. */
export const displayNumber = formatNumber;

/**
 * "Today 10:32 (5m ago)": for a report of its moment (a summary's "as of"), never for a card, which is read
 * days after it was drawn (cardMoment).
 */
export function formatWhen(ms: number, now: number, timezone: string): string {
  const when = DateTime.fromMillis(ms, { zone: timezone });
  const today = DateTime.fromMillis(now, { zone: timezone }).startOf('day');
  const day = when.startOf('day');
  let dayText: string;
  if (+day === +today) dayText = 'Today';
  // startOf again: where the clocks go forward at midnight (America/Santiago 2026-09-06) today starts at
  // 01:00, and a day back from it keeps the 01:00, which is not when yesterday started.
  else if (+day === +today.minus({ days: 1 }).startOf('day')) dayText = 'Yesterday';
  else dayText = when.toFormat('ccc d LLL');
  const ago = now - ms;
  return `${dayText} ${when.toFormat('HH:mm')}${ago >= 0 ? ` (${formatDuration(ago)} ago)` : ''}`;
}

/** "Thu 19 Nov 17:59": a moment on a card, true whenever the card is read. */
export function cardMoment(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('ccc d LLL HH:mm');
}

/** "09:14" on the day of `now`, "Fri 20 Nov 09:14" on another day. */
export function clockOrDay(ms: number, now: number, timezone: string): string {
  const when = DateTime.fromMillis(ms, { zone: timezone });
  return when.hasSame(DateTime.fromMillis(now, { zone: timezone }), 'day')
    ? when.toFormat('HH:mm')
    : when.toFormat('ccc d LLL HH:mm');
}

export function formatClock(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('HH:mm');
}

function statusText(context: CardContext): string {
  const { episode, timezone } = context;
  switch (episode.state) {
    case 'open': {
      const due = context.claimDueAt;
      if (due === undefined || due === null) return 'Unclaimed';
      const at = clockOrDay(due, context.now, timezone);
      return due > context.now ? `Unclaimed · claim by ${at}` : `Unclaimed · claim SLA missed at ${at}`;
    }
    case 'claimed':
      return `Claimed by ${episode.claimedBy?.name ?? 'someone'} at ${clockOrDay(episode.claimedAt ?? episode.missedAt, context.now, timezone)}`;
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
        return `Resolved automatically · the caller got through${who} at ${clockOrDay(episode.resolvedAt ?? episode.lastCallAt, context.now, timezone)}`;
      }
      return `Resolved by ${episode.resolvedBy?.name ?? 'someone'} · ${outcome}${toCallback}`;
    }
  }
}

export function buildCardModel(context: CardContext): CardModel {
  const { episode, details, timezone } = context;
  const withheld = episode.caller.number === null;
  // The number the caller asked to be called back on (or an agent set) wins over the one they called from.
  const callbackNumber = episode.callbackNumber ?? episode.caller.number;
  const numberDisplay = displayNumber(episode.caller.number, context.lineCountry);
  // A name made up for the number (a Zendesk requester Ringback or Talk created) says less than the number.
  const name = [episode.caller.name, details.requester?.name].find((n) => !isPlaceholderName(n)) ?? null;
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
  const ticketLink = (id: number) =>
    context.zendeskBaseUrl ? `${context.zendeskBaseUrl.replace(/\/$/, '')}/agent/tickets/${id}` : null;
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
      telUri: callbackNumber ? `tel:${callbackNumber}` : null,
      withheld,
    },
    lineName: episode.line,
    whenText: cardMoment(episode.missedAt, timezone),
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
        ? `Escalated (step ${escalationStepOf(episode)}) at ${clockOrDay(episode.escalatedAt, context.now, timezone)}`
        : null,
    actions: {
      claim: episode.state === 'open',
      release: episode.state === 'claimed' || episode.state === 'calling',
      // No number to call back for a withheld caller.
      callback: open && callbackNumber !== null,
      resolve: open,
      openTicket: ticketUrl !== null,
      snooze: open && callbackNumber !== null,
    },
    outcomes: outcomesFor(callbackNumber !== null, context.outcomes ?? OUTCOMES).map((code) => ({
      code,
      label: OUTCOME_LABELS[code],
    })),
    callbackLines: callbackLines(context, callbackNumber !== null),
    snoozeOptions:
      open && callbackNumber !== null
        ? SNOOZE_PRESETS.map((value) => ({ value, label: SNOOZE_LABELS[value] }))
        : [],
    priorityText:
      episode.priority === 'high' && open
        ? `High priority${episode.priorityRule && !episode.priorityRule.startsWith('#') ? ` · ${episode.priorityRule}` : ''}`
        : null,
    suggestionText: suggestionText(episode),
    prebriefLines: prebriefLines(context),
    prebriefTicket: details.prebrief?.openTickets.latest
      ? {
          id: details.prebrief.openTickets.latest.id,
          url: ticketLink(details.prebrief.openTickets.latest.id),
          subject: details.prebrief.openTickets.latest.subject,
        }
      : null,
  };
}

/**
 * The step of the ladder that escalated last, not the episode's level: after a release the ladder starts
 * again, and its first step is step 1 however many fired before. A step fired by a build older than the
 * stored step (a rolling deploy) left it at 0: the level is the best there is then.
 */
function escalationStepOf(episode: Episode): number {
  return episode.escalationStep > 0 ? episode.escalationStep : episode.escalationLevel;
}

/** The suggestion, while the call is not (or no longer) with the suggested agent. */
function suggestionText(episode: Episode): string | null {
  const owner = episode.suggestedOwner;
  if (!owner || episode.state === 'resolved') return null;
  const withThem =
    episode.claimedBy !== null &&
    (episode.claimedBy.email !== null && owner.email !== null
      ? episode.claimedBy.email.toLowerCase() === owner.email.toLowerCase()
      : episode.claimedBy.name === owner.name);
  if (withThem) return `Suggested owner · ${owner.why}`;
  return `Suggested: ${owner.name} · ${owner.why}`;
}
