/**
 * The fair agent report: what each agent did with the legs of inbound calls (a leg is one agent being
 * offered the call). A *missed leg* is an agent not taking a call that rang them; a *missed call* is a whole
 * call nobody answered. The two are kept apart: a leg missed on a call a colleague answered never counts as
 * a missed call, and a call that rang five agents is one call, however many legs it had. Pure.
 */
import type { CallAgent, CallLeg } from './callEvent.js';
import type { AgentFigures, DurationStats } from './summary.js';

/** One agent's legs in a period. `offered = answered + rangOut + declined`; `missedLegs = rangOut + declined`. */
export interface LegFigures {
  /** Legs that rang this agent. */
  offered: number;
  answered: number;
  /** Rang until the call went elsewhere or ended, without an answer or a decline. */
  rangOut: number;
  declined: number;
  /** Rang out or declined. */
  missedLegs: number;
  /** Missed legs on calls a colleague answered: the caller was served, this is never a missed call. */
  colleagueAnswered: number;
  /** Missed legs on calls nobody answered: those calls are missed calls, each counted once in the call figures. */
  onMissedCalls: number;
}

/** The team's legs in a period, with the calls they belong to. */
export interface LegTotals extends LegFigures {
  /** Inbound calls on routed lines that are over or answered (calls still ringing wait). */
  calls: number;
  answeredCalls: number;
  /** Calls nobody answered (before a line's `ignore` list: the summary's missed calls may count fewer). */
  unansweredCalls: number;
}

export interface AgentLegs {
  /** The agent's e-mail in lower case, else `name:` and the name in lower case. */
  agentKey: string;
  name: string;
  email: string | null;
  legs: LegFigures;
}

export interface LegReport {
  agents: AgentLegs[];
  totals: LegTotals;
}

/** What the report needs of one provider call (its merged record). */
export interface CallLegs {
  answered: boolean;
  legs: readonly CallLeg[];
  /** Who answered, when the provider said so: counted as an answered leg even without a leg event. */
  agent: CallAgent | null;
}

export function emptyLegFigures(): LegFigures {
  return {
    offered: 0,
    answered: 0,
    rangOut: 0,
    declined: 0,
    missedLegs: 0,
    colleagueAnswered: 0,
    onMissedCalls: 0,
  };
}

export function agentKeyOf(name: string, email: string | null): string {
  return email ? email.trim().toLowerCase() : `name:${name.trim().toLowerCase()}`;
}

/** Adds one leg's result to a set of figures. */
function count(figures: LegFigures, result: CallLeg['result'], callAnswered: boolean): void {
  figures.offered++;
  if (result === 'answered') {
    figures.answered++;
    return;
  }
  // `ringing` is the last word some providers give (Aircall sends no "stopped ringing"): on a call that is
  // over or taken, the leg rang out.
  if (result === 'declined') figures.declined++;
  else figures.rangOut++;
  figures.missedLegs++;
  if (callAnswered) figures.colleagueAnswered++;
  else figures.onMissedCalls++;
}

/**
 * Folds calls into the report one at a time, so a long period is read in batches without holding
 * every call in memory.
 */
export class LegTally {
  private readonly agents = new Map<string, AgentLegs>();
  private readonly totals: LegTotals = {
    ...emptyLegFigures(),
    calls: 0,
    answeredCalls: 0,
    unansweredCalls: 0,
  };

  add(call: CallLegs): void {
    this.totals.calls++;
    if (call.answered) this.totals.answeredCalls++;
    else this.totals.unansweredCalls++;
    // One leg per agent and call (the record keeps each agent's most telling result): an agent rung twice
    // by the same call, then answering it, has one answered leg, not a missed one and an answered one.
    const byAgent = new Map<string, { name: string; email: string | null; result: CallLeg['result'] }>();
    for (const leg of call.legs) {
      byAgent.set(agentKeyOf(leg.agentName, leg.agentEmail), {
        name: leg.agentName,
        email: leg.agentEmail,
        result: leg.result,
      });
    }
    if (call.answered && call.agent) {
      const key = agentKeyOf(call.agent.name, call.agent.email);
      byAgent.set(key, { name: call.agent.name, email: call.agent.email, result: 'answered' });
    }
    for (const [key, leg] of byAgent) {
      let agent = this.agents.get(key);
      if (!agent) {
        agent = { agentKey: key, name: leg.name, email: leg.email, legs: emptyLegFigures() };
        this.agents.set(key, agent);
      }
      agent.email ??= leg.email;
      count(agent.legs, leg.result, call.answered);
      count(this.totals, leg.result, call.answered);
    }
  }

  report(): LegReport {
    const agents = [...this.agents.values()].sort(
      (x, y) => y.legs.offered - x.legs.offered || x.name.localeCompare(y.name),
    );
    return { agents, totals: { ...this.totals } };
  }
}

export function legReport(calls: Iterable<CallLegs>): LegReport {
  const tally = new LegTally();
  for (const call of calls) tally.add(call);
  return tally.report();
}

const NO_DURATIONS: DurationStats = { count: 0, medianMs: null, p90Ms: null };

/**
 * The summary's agents with their legs: an agent is matched by e-mail (else by name, in any case); agents
 * with legs but no callbacks are added after the others, so an agent who answered every call is listed too.
 */
export function agentsWithLegs(agents: readonly AgentFigures[], report: LegReport): AgentFigures[] {
  const byKey = new Map(report.agents.map((a) => [a.agentKey, a]));
  // By name only legs that carry no e-mail, and only a name one agent has: two "Alex" must not swap legs.
  const byName = new Map<string, AgentLegs | null>();
  for (const legAgent of report.agents) {
    if (legAgent.email !== null) continue;
    const name = legAgent.name.trim().toLowerCase();
    byName.set(name, byName.has(name) ? null : legAgent);
  }
  const used = new Set<string>();
  const withLegs = agents.map((agent) => {
    // Summary agents are keyed by lower-case e-mail when their actor had one, else by actor id.
    const found = byKey.get(agent.actorId) ?? byName.get(agent.name.trim().toLowerCase()) ?? undefined;
    if (found && !used.has(found.agentKey)) {
      used.add(found.agentKey);
      return { ...agent, legs: { ...found.legs } };
    }
    return { ...agent, legs: emptyLegFigures() };
  });
  const legsOnly: AgentFigures[] = report.agents
    .filter((a) => !used.has(a.agentKey))
    .map((a) => ({
      actorId: a.agentKey,
      name: a.name,
      claimed: 0,
      calledBack: 0,
      resolved: 0,
      reached: 0,
      timeToClaim: NO_DURATIONS,
      timeToFirstCallback: NO_DURATIONS,
      business: { timeToClaim: NO_DURATIONS, timeToFirstCallback: NO_DURATIONS },
      legs: { ...a.legs },
    }));
  return [...withLegs, ...legsOnly];
}
