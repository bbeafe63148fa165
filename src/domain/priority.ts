/**
 * Priority rules (routing `priority`, first match wins) and what a matched rule changes: where the card
 * goes, which escalation ladder runs, who is mentioned, and the order of lists. Pure: the facts are
 * gathered by the triage job (src/app/triage.ts) from the episode, its pre-brief and Ringback's history.
 */
import type { LineConfig, PriorityRuleConfig, RoutingConfig, TicketPriority } from '../config/routing.js';
import { TICKET_PRIORITIES } from '../config/routing.js';
import type { Episode, Priority } from './types.js';

/** Everything a rule can look at, for one call. */
export interface PriorityFacts {
  line: string;
  callbackRequested: boolean;
  /** Requester and organization tags (any case). */
  tags: string[];
  organization: string | null;
  /** The highest priority among the requester's unsolved tickets; null when none or unknown. */
  openTicketPriority: string | null;
  /** When the number's calls came in (epoch ms), this one included; empty for a withheld caller. */
  callTimes: number[];
  /**
   * The episode's last call (epoch ms): `repeatCalls` counts the calls in the `within` before it, so a
   * triage run again hours later (a late pre-brief, a callback request) reads the same calls as the first.
   */
  lastCallAt: number;
}

export interface PriorityVerdict {
  level: Priority;
  /** The rule's key (see ruleKey); null when no rule matched. */
  rule: string | null;
  /** Why, in words for the card ("VIP tag", "urgent ticket open"); null when no rule matched. */
  because: string | null;
}

export const NO_PRIORITY: PriorityVerdict = { level: 'normal', rule: null, because: null };

/** How a rule is named on the episode: its `name`, else `#1`, `#2`… by position. */
export function ruleKey(rule: Pick<PriorityRuleConfig, 'name'>, index: number): string {
  return rule.name ?? `#${index + 1}`;
}

function rank(priority: string | null): number {
  return priority === null ? -1 : (TICKET_PRIORITIES as readonly string[]).indexOf(priority.toLowerCase());
}

/** True when `actual` is at least `wanted` (an urgent ticket satisfies `openTicketPriority: high`). */
export function atLeastPriority(actual: string | null, wanted: TicketPriority): boolean {
  const have = rank(actual);
  return have >= 0 && have >= rank(wanted);
}

const lower = (values: string[]) => values.map((v) => v.trim().toLowerCase());

/** The reasons a rule holds for these facts, one per condition; null when any condition fails. */
export function ruleHolds(rule: PriorityRuleConfig, facts: PriorityFacts): string[] | null {
  const { when } = rule;
  const reasons: string[] = [];
  if (when.callbackRequested !== undefined) {
    if (facts.callbackRequested !== when.callbackRequested) return null;
    reasons.push(when.callbackRequested ? 'asked to be called back' : 'no callback request');
  }
  if (when.zendeskTag) {
    const have = new Set(lower(facts.tags));
    const tag = lower(when.zendeskTag).find((t) => have.has(t));
    if (tag === undefined) return null;
    reasons.push(`tagged ${tag}`);
  }
  if (when.organization) {
    const org = facts.organization?.trim().toLowerCase() ?? null;
    if (org === null || !lower(when.organization).includes(org)) return null;
    reasons.push(`organization ${facts.organization}`);
  }
  if (when.openTicketPriority) {
    if (!atLeastPriority(facts.openTicketPriority, when.openTicketPriority)) return null;
    reasons.push(`${facts.openTicketPriority?.toLowerCase()} ticket open`);
  }
  if (when.repeatCalls) {
    const since = facts.lastCallAt - when.repeatCalls.within;
    const calls = facts.callTimes.filter((at) => at >= since && at <= facts.lastCallAt).length;
    if (calls < when.repeatCalls.atLeast) return null;
    reasons.push(`${calls} calls recently`);
  }
  if (when.line) {
    if (!when.line.includes(facts.line)) return null;
    reasons.push(`line ${facts.line}`);
  }
  return reasons;
}

/** The first rule that holds decides; no rule → normal. */
export function matchPriority(rules: readonly PriorityRuleConfig[], facts: PriorityFacts): PriorityVerdict {
  for (const [index, rule] of rules.entries()) {
    const reasons = ruleHolds(rule, facts);
    if (reasons === null) continue;
    return { level: rule.level, rule: ruleKey(rule, index), because: reasons.join(', ') };
  }
  return NO_PRIORITY;
}

/** The rule an episode's priority came from, while the routing file still has it. */
export function ruleOf(
  routing: Pick<RoutingConfig, 'priority'>,
  episode: Episode,
): PriorityRuleConfig | null {
  if (episode.priorityRule === null) return null;
  const index = routing.priority.findIndex((rule, i) => ruleKey(rule, i) === episode.priorityRule);
  return index >= 0 ? (routing.priority[index] ?? null) : null;
}

/** The channels of one surface where a card belongs. */
export interface CardChannels {
  slack: string[];
  teams: string[];
}

/**
 * Where the episode's card goes: the line's channels, and, for a high call, its rule's channels as well.
 * As well, not instead: the card is posted to the line's channel at once (priority may only be known
 * when Zendesk answers), and taking it away from the people already looking at it would lose it.
 */
export function channelsFor(
  routing: Pick<RoutingConfig, 'lines' | 'priority'>,
  episode: Episode,
): CardChannels {
  const line = routing.lines.find((l) => l.name === episode.line);
  const rule = episode.priority === 'high' ? ruleOf(routing, episode) : null;
  const unique = (list: (string | undefined)[]) => [...new Set(list.filter((c): c is string => !!c))];
  return {
    slack: unique([line?.slack?.channel, rule?.slack?.channel]),
    teams: unique([line?.teams?.channel, rule?.teams?.channel]),
  };
}

/** The claim ladder of the episode: its high rule's `escalate`, else the line's. */
export function claimLadderFor(
  routing: Pick<RoutingConfig, 'priority'>,
  line: LineConfig,
  episode: Episode,
): LineConfig['escalate'] {
  const rule = episode.priority === 'high' ? ruleOf(routing, episode) : null;
  return rule?.escalate ?? line.escalate;
}

/** Who the episode's high rule mentions in the card's thread; null without one. */
export function mentionFor(routing: Pick<RoutingConfig, 'priority'>, episode: Episode): string | null {
  return episode.priority === 'high' ? (ruleOf(routing, episode)?.mention ?? null) : null;
}

/** Lists: unresolved high calls first, then newest first (the same order the store query gives). */
export function byPriorityThenNewest(a: Episode, b: Episode): number {
  const urgent = (e: Episode) => (e.priority === 'high' && e.state !== 'resolved' ? 0 : 1);
  return urgent(a) - urgent(b) || b.missedAt - a.missedAt || a.id.localeCompare(b.id);
}
