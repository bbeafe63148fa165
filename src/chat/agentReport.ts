/**
 * The words of the fair agent report (`summary <period> agents`), once for every surface: each surface adds
 * its own emphasis and escapes the names. "Missed leg" and "missed call" are the seed guide's words: a leg is
 * one agent being rung by one call; a call nobody answered is a missed call, however many legs it had.
 */
import { formatDuration } from '../config/duration.js';
import { emptyLegFigures, type LegTotals } from '../domain/legReport.js';
import type { AgentFigures, DurationStats } from '../domain/summary.js';

/** Shown under the report's title and in the help: why an agent's missed legs are not missed calls. */
export const LEGS_EXPLAINED =
  'A missed leg is one agent not picking up a call that rang them (it rang out or they declined); a missed call is a call nobody answered. A call that rang four agents before the fifth answered is 4 missed legs and 0 missed calls.';

function median(stats: DurationStats | undefined): string {
  return stats && stats.count > 0 && stats.medianMs !== null ? formatDuration(stats.medianMs) : 'none';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The team's legs next to its calls, in one sentence. */
export function teamLegsLine(legs: LegTotals | null, missedCalls: number): string {
  if (!legs || legs.offered === 0)
    return `No call legs recorded in this period · ${plural(missedCalls, 'missed call')}`;
  return `${plural(legs.calls, 'inbound call')} rang agents ${plural(legs.offered, 'time')}: ${legs.answered} answered, ${plural(legs.missedLegs, 'missed leg')} (${legs.colleagueAnswered} on calls a colleague answered, ${legs.onMissedCalls} on calls nobody answered) · ${plural(missedCalls, 'missed call')}`;
}

export interface AgentLines {
  name: string;
  /** Legs offered, answered, rang out, declined. */
  legs: string;
  /** Missed legs on calls a colleague answered, apart: never missed calls. */
  colleague: string;
  /** Calls claimed, called back, reached. */
  callbacks: string;
  /** Time to claim and to first call back, wall-clock and business time. */
  times: string;
}

export function agentLines(agent: AgentFigures): AgentLines {
  const legs = agent.legs ?? emptyLegFigures();
  const business = agent.business;
  return {
    name: agent.name,
    legs: `Legs: ${legs.offered} offered · ${legs.answered} answered · ${legs.rangOut} rang out · ${legs.declined} declined (${plural(legs.missedLegs, 'missed leg')})`,
    colleague: `Missed legs on calls a colleague answered: ${legs.colleagueAnswered} (not missed calls)`,
    callbacks: `Missed calls: ${agent.claimed} claimed · ${agent.calledBack} called back · ${agent.reached ?? 0} reached`,
    times: `Time to claim: median ${median(agent.timeToClaim)} (business hours ${median(business?.timeToClaim)}) · to call back: median ${median(agent.timeToFirstCallback)} (business hours ${median(business?.timeToFirstCallback)})`,
  };
}
