/**
 * The escalation ladder as pure rules: when each step of a line's ladder is due, whether a step that
 * comes due should still fire, when the claimer is reminded, and what each message says.
 *
 * Two chains of steps exist for an episode:
 * - `claim`: armed when the episode opens (counted from the missed call) and again when it is released
 *   (counted from the release). It fires only while nobody holds the call.
 * - `resolve`: armed when the claimer is reminded (counted from the reminder's due time). It fires only
 *   while the same claim holds the call unresolved.
 * Every step that fires raises the episode's escalation level by one, so a step fires at most once.
 */
import { formatDuration } from '../config/duration.js';
import type { BusinessCalendar } from './businessHours.js';
import { clockOrDay, displayNumber } from './cardModel.js';
import { afterBusinessTime } from './dueTime.js';
import type { Actor, Episode } from './types.js';

export interface LadderStep {
  /** Open (business) time after the chain's anchor. */
  after: number;
  /** Who to mention, as written in the routing file. */
  notify: string;
  to: 'thread' | 'managers' | 'dm';
}

export type ChainKind = 'claim' | 'resolve';

/** Which step of which chain a scheduled job stands for. */
export interface ChainStep {
  chain: ChainKind;
  /** The instant the chain counts from (missed call, release, reminder due time). */
  anchor: number;
  /** 1-based index into the chain's ladder. */
  step: number;
  /** The escalation level this step brings the episode to. */
  level: number;
  /** For `resolve` chains: the claim the chain belongs to (a release and a new claim start another). */
  claimedAt: number | null;
}

/**
 * When a step is due; null when the line never opens again. A count that ends exactly at a closing
 * (17:45 + 15 min on a line closing at 18:00) is due at the next opening, as snoozes and retries are:
 * at 18:00 nobody is there to read it.
 */
export function stepDueAt(
  calendar: BusinessCalendar,
  anchor: number,
  step: LadderStep,
  hasBusinessHours: boolean,
): number | null {
  return afterBusinessTime(calendar, anchor, step.after, hasBusinessHours);
}

/**
 * When a step or reminder that came due may go out: now while the line is open, else at its next opening.
 * A timer runs late when the process was down or busy; one that comes due in the evening must wait for the
 * morning, as the clocks do. Null when the line never opens again.
 */
export function sendableAt(calendar: BusinessCalendar, now: number): number | null {
  return calendar.isOpenAt(now) ? now : calendar.nextOpening(now);
}

/**
 * When the next step of a chain is due, once what came before it went out at `sentAt`: its own due time,
 * but no earlier than the gap between the two `after`s (in open time) after `sentAt`. On time this changes
 * nothing; after downtime it keeps the ladder's spacing, so the overdue steps do not all go out in the
 * same minute (the step that was late goes out, the next one follows a gap later). `previousAfter` is 0
 * for the first step after a reminder. Null when the line never opens again.
 */
export function nextStepDueAt(
  calendar: BusinessCalendar,
  anchor: number,
  step: LadderStep,
  hasBusinessHours: boolean,
  previous: { sentAt: number; after: number },
): number | null {
  const due = stepDueAt(calendar, anchor, step, hasBusinessHours);
  if (due === null) return null;
  const gap = Math.max(0, step.after - previous.after);
  const spaced = afterBusinessTime(calendar, previous.sentAt, gap, hasBusinessHours);
  return spaced === null ? due : Math.max(due, spaced);
}

/**
 * When the claimer is reminded: at the resolve deadline (counted from the missed call), or, for a call
 * claimed after that deadline had already passed, a full `resolveWithin` after the claim. A deadline that
 * falls exactly at a closing rings at the next opening; the deadline itself (what the SLA measures) stays.
 */
export function reminderDueAt(
  calendar: BusinessCalendar,
  episode: Pick<Episode, 'missedAt' | 'claimedAt'>,
  resolveWithin: number,
  hasBusinessHours: boolean,
): number | null {
  const deadline = calendar.add(episode.missedAt, resolveWithin);
  if (deadline === null) return null;
  if (episode.claimedAt === null || deadline > episode.claimedAt) {
    return afterBusinessTime(calendar, episode.missedAt, resolveWithin, hasBusinessHours);
  }
  return afterBusinessTime(calendar, episode.claimedAt, resolveWithin, hasBusinessHours);
}

export type StepVerdict =
  | { fire: true }
  | {
      fire: false;
      why: 'resolved' | 'claimed' | 'not_claimed' | 'other_claim' | 'released' | 'already_fired';
    };

/**
 * Should a step that came due fire now? `lastReleaseAt` is the latest release of the episode (from the
 * audit): a release re-arms the claim chain, so steps armed before it belong to a dead chain.
 */
export function stepVerdict(episode: Episode, step: ChainStep, lastReleaseAt: number | null): StepVerdict {
  if (episode.state === 'resolved') return { fire: false, why: 'resolved' };
  if (episode.escalationLevel >= step.level) return { fire: false, why: 'already_fired' };
  if (step.chain === 'claim') {
    if (episode.state !== 'open') return { fire: false, why: 'claimed' };
    if (lastReleaseAt !== null && lastReleaseAt > step.anchor) return { fire: false, why: 'released' };
    return { fire: true };
  }
  if (episode.claimedAt === null || episode.state === 'open') return { fire: false, why: 'not_claimed' };
  if (episode.claimedAt !== step.claimedAt) return { fire: false, why: 'other_claim' };
  return { fire: true };
}

/** Should the claimer's reminder fire now? Only for the same claim, still unresolved. */
export function reminderStillDue(episode: Episode, claimedAt: number): boolean {
  return (
    (episode.state === 'claimed' || episode.state === 'calling') &&
    episode.claimedBy !== null &&
    episode.claimedAt === claimedAt
  );
}

/** Who a `to: dm` step writes to: the people its `notify` names (Slack `<@U…>` or emails), else the managers. */
export function dmRecipients(notify: string): 'managers' | Actor[] {
  const people: Actor[] = [];
  for (const token of notify.split(/[\s,]+/).filter(Boolean)) {
    const slackUser = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token);
    if (slackUser?.[1]) {
      people.push({ id: `slack:${slackUser[1]}`, name: slackUser[1], email: null, surface: 'slack' });
      continue;
    }
    if (/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(token)) {
      people.push({ id: `email:${token.toLowerCase()}`, name: token, email: token, surface: 'system' });
      continue;
    }
    return 'managers';
  }
  return people.length > 0 ? people : 'managers';
}

/** "Marie Dupont (01 76 36 06 95)", "+33 1 76 36 06 95", "a withheld number". */
export function callerInWords(episode: Pick<Episode, 'caller'>, lineCountry?: string): string {
  const number = displayNumber(episode.caller.number, lineCountry);
  if (episode.caller.name && number) return `${episode.caller.name} (${number})`;
  return episode.caller.name ?? number ?? 'a withheld number';
}

export interface WordsContext {
  timezone: string;
  lineCountry?: string;
  /** Open time the call has waited so far (business time when the line has hours). */
  waitedMs: number;
  /** When the words are sent: a moment of another day gets its day ("at Thu 19 Nov 17:59"). */
  now: number;
  /** " (America/New_York)" when the line's zone is not the team's: managers read times in their own. */
  zoneNote?: string;
}

/** What an escalation step says. */
export function escalationText(episode: Episode, step: ChainStep, context: WordsContext): string {
  const who = callerInWords(episode, context.lineCountry);
  const zone = context.zoneNote ?? '';
  const when = `${clockOrDay(episode.missedAt, context.now, context.timezone)}${zone}`;
  const calls = episode.callCount > 1 ? ` (${episode.callCount} calls)` : '';
  if (step.chain === 'claim') {
    return `Still unclaimed after ${formatDuration(context.waitedMs)}: missed call from ${who} on ${episode.line} at ${when}${calls}.`;
  }
  const holder = episode.claimedBy?.name ?? 'someone';
  const since = `${clockOrDay(episode.claimedAt ?? episode.missedAt, context.now, context.timezone)}${zone}`;
  return `Still not resolved after ${formatDuration(context.waitedMs)}: missed call from ${who} on ${episode.line} at ${when}${calls}, claimed by ${holder} at ${since}.`;
}

/** What the claimer's private reminder says. */
export function reminderText(episode: Episode, resolveWithin: number, context: WordsContext): string {
  const who = callerInWords(episode, context.lineCountry);
  const since = `${clockOrDay(episode.claimedAt ?? episode.missedAt, context.now, context.timezone)}${context.zoneNote ?? ''}`;
  const attempts =
    episode.attempts > 0
      ? ` ${episode.attempts} call-back attempt${episode.attempts === 1 ? '' : 's'} so far.`
      : ' No call-back attempt yet.';
  return `Reminder: you claimed the missed call from ${who} on ${episode.line} at ${since} and it is not resolved yet (target: within ${formatDuration(resolveWithin)}).${attempts}`;
}
