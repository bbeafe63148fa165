/**
 * Summary figures over episodes: missed vs returned, time to claim and to call back, SLA breaches,
 * open now, per line and per agent. Pure: durations are measured by injected functions so the same
 * code counts wall-clock and business time (`business` figures; SLA breaches count business time).
 */
import { isProviderActor } from './callRecord.js';
import type { LegFigures, LegTotals } from './legReport.js';
import type { TimeWindow } from './periods.js';
import { type Actor, type Episode, OUTCOMES, type Outcome } from './types.js';

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface Figures {
  /** Missed calls (an episode of 3 calls counts 3). */
  missedCalls: number;
  /** Of them, the calls whose caller was called back (all 3 once their episode's first call back is made). */
  returnedCalls: number;
  episodes: number;
  uniqueCallers: number;
  claimed: number;
  calledBack: number;
  resolved: number;
  autoResolved: number;
  byOutcome: Record<Outcome, number>;
  timeToClaim: DurationStats;
  timeToFirstCallback: DurationStats;
  slaBreaches: { claim: number; resolve: number };
  /** Missed to resolved, wall-clock (episodes resolved by a person or automatically). */
  timeToResolve?: DurationStats;
  /** The same durations in business time (open hours of each line); equal to wall-clock for lines without hours. Always set by summarize(). */
  business?: BusinessFigures;
}

export interface BusinessFigures {
  timeToClaim: DurationStats;
  timeToFirstCallback: DurationStats;
  timeToResolve: DurationStats;
}

export interface OldestOpen {
  id: string;
  line: string;
  missedAt: number;
  callerNumber: string | null;
}

export interface OpenFigures {
  count: number;
  oldest: OldestOpen | null;
}

/** What is open now, with waiting times, per line. */
export interface OpenDetail {
  /** How long the oldest open call has waited, wall-clock and in business time (null when none is open). */
  oldestWaitedMs: number | null;
  oldestWaitedBusinessMs: number | null;
  /** Per line (lines with nothing open are absent). */
  lines: Record<
    string,
    OpenFigures & { oldestWaitedMs: number | null; oldestWaitedBusinessMs: number | null }
  >;
}

export interface AgentFigures {
  actorId: string;
  name: string;
  claimed: number;
  calledBack: number;
  resolved: number;
  timeToClaim: DurationStats;
  timeToFirstCallback: DurationStats;
  /** Business-time versions of the two durations above. Always set by summarize(). */
  business?: { timeToClaim: DurationStats; timeToFirstCallback: DurationStats };
  /** Calls this agent resolved as `reached` (by hand, not automatically). Always set by summarize(). */
  reached?: number;
  /** The agent's legs (missed legs apart from missed calls): set by the summary use case (src/domain/legReport.ts). */
  legs?: LegFigures;
}

export interface Summary {
  window: TimeWindow;
  totals: Figures;
  lines: Record<string, Figures>;
  agents: AgentFigures[];
  openNow: OpenFigures;
  /** Waiting times of what is open now, overall and per line. Always set by summarize(). */
  openDetail?: OpenDetail;
  /** The team's legs, with the calls they belong to: set by the summary use case (src/domain/legReport.ts). */
  legs?: LegTotals;
}

export interface SlaTargets {
  claimWithin?: number;
  resolveWithin?: number;
}

export interface SummaryInput {
  /** Episodes missed inside the window. */
  episodes: Episode[];
  /** Every unresolved episode right now, whenever missed. */
  openNow: Episode[];
  window: TimeWindow;
  now: number;
  slaFor: (line: string) => SlaTargets;
  /** Elapsed time between two instants on a line for the main figures (wall-clock by default). */
  elapsed?: (line: string, from: number, to: number) => number;
  /**
   * Open (business) time between two instants on a line: the `business` figures and SLA breaches use it.
   * Absent → the same as `elapsed`.
   */
  businessElapsed?: (line: string, from: number, to: number) => number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

function stats(values: number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

const wallClock = (_line: string, from: number, to: number) => Math.max(0, to - from);

function figuresOf(episodes: Episode[], input: SummaryInput): Figures {
  const elapsed = input.elapsed ?? wallClock;
  const business = input.businessElapsed ?? elapsed;
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const callers = new Set<string>();
  const toClaim: number[] = [];
  const toCallback: number[] = [];
  const toResolve: number[] = [];
  const toClaimBusiness: number[] = [];
  const toCallbackBusiness: number[] = [];
  const toResolveBusiness: number[] = [];
  let missedCalls = 0;
  let returnedCalls = 0;
  let claimed = 0;
  let calledBack = 0;
  let resolved = 0;
  let autoResolved = 0;
  let claimBreaches = 0;
  let resolveBreaches = 0;
  for (const episode of episodes) {
    missedCalls += episode.callCount;
    // Withheld numbers are distinct callers we cannot tell apart: each counts once.
    callers.add(episode.caller.number ?? `withheld:${episode.id}`);
    const sla = input.slaFor(episode.line);
    // A claim before the caller got through (or before the agent's own call back resolved it) is a claim.
    // The team's time to claim is to the first claim: a release or a hand-over later does not move it.
    const firstClaim = firstClaimOf(episode);
    if (firstClaim !== null) {
      claimed++;
      toClaim.push(elapsed(episode.line, episode.missedAt, firstClaim));
      toClaimBusiness.push(business(episode.line, episode.missedAt, firstClaim));
    }
    if (episode.firstAttemptAt !== null) {
      calledBack++;
      returnedCalls += episode.callCount;
      toCallback.push(elapsed(episode.line, episode.missedAt, episode.firstAttemptAt));
      toCallbackBusiness.push(business(episode.line, episode.missedAt, episode.firstAttemptAt));
    }
    if (episode.state === 'resolved') {
      resolved++;
      if (episode.resolvedAt !== null) {
        toResolve.push(elapsed(episode.line, episode.missedAt, episode.resolvedAt));
        toResolveBusiness.push(business(episode.line, episode.missedAt, episode.resolvedAt));
      }
      if (episode.autoResolved) autoResolved++;
      if (episode.outcome) byOutcome[episode.outcome]++;
    }
    if (sla.claimWithin !== undefined) {
      const claimOrNow = firstClaimOf(episode) ?? episode.resolvedAt ?? input.now;
      if (business(episode.line, episode.missedAt, claimOrNow) > sla.claimWithin) claimBreaches++;
    }
    if (sla.resolveWithin !== undefined) {
      const resolveOrNow = episode.resolvedAt ?? input.now;
      if (business(episode.line, episode.missedAt, resolveOrNow) > sla.resolveWithin) resolveBreaches++;
    }
  }
  return {
    missedCalls,
    returnedCalls,
    episodes: episodes.length,
    uniqueCallers: callers.size,
    claimed,
    calledBack,
    resolved,
    autoResolved,
    byOutcome,
    timeToClaim: stats(toClaim),
    timeToFirstCallback: stats(toCallback),
    slaBreaches: { claim: claimBreaches, resolve: resolveBreaches },
    timeToResolve: stats(toResolve),
    business: {
      timeToClaim: stats(toClaimBusiness),
      timeToFirstCallback: stats(toCallbackBusiness),
      timeToResolve: stats(toResolveBusiness),
    },
  };
}

/** When the call was first claimed (episodes stored before firstClaimedAt existed: the current claim). */
function firstClaimOf(episode: Episode): number | null {
  return episode.firstClaimedAt ?? episode.claimedAt;
}

/** One person on every surface: by e-mail when known. */
function agentKey(actor: Actor): string {
  return actor.email?.toLowerCase() ?? actor.id;
}

function agentFigures(episodes: Episode[], input: SummaryInput): AgentFigures[] {
  const elapsed = input.elapsed ?? wallClock;
  const business = input.businessElapsed ?? elapsed;
  const agents = new Map<
    string,
    {
      name: string;
      claimed: number;
      calledBack: number;
      resolved: number;
      reached: number;
      toClaim: number[];
      toCallback: number[];
      toClaimBusiness: number[];
      toCallbackBusiness: number[];
    }
  >();
  const entry = (id: string, name: string) => {
    let found = agents.get(id);
    if (!found) {
      found = {
        name,
        claimed: 0,
        calledBack: 0,
        resolved: 0,
        reached: 0,
        toClaim: [],
        toCallback: [],
        toClaimBusiness: [],
        toCallbackBusiness: [],
      };
      agents.set(id, found);
    }
    return found;
  };
  for (const episode of episodes) {
    const claimer = episode.claimedBy;
    if (claimer && episode.claimedAt !== null) {
      const agent = entry(agentKey(claimer), claimer.name);
      agent.claimed++;
      // Handed this call (or claiming it again after a release): its time to claim was someone else's.
      if (episode.claimedAt === firstClaimOf(episode)) {
        agent.toClaim.push(elapsed(episode.line, episode.missedAt, episode.claimedAt));
        agent.toClaimBusiness.push(business(episode.line, episode.missedAt, episode.claimedAt));
      }
      // Only a call back made while they held the call is theirs, timed from when it became theirs: a
      // call handed over hours after the miss does not count those hours against the one it was handed to.
      if (episode.firstAttemptAt !== null && episode.firstAttemptAt >= episode.claimedAt) {
        const from = episode.claimedAt === firstClaimOf(episode) ? episode.missedAt : episode.claimedAt;
        agent.calledBack++;
        agent.toCallback.push(elapsed(episode.line, from, episode.firstAttemptAt));
        agent.toCallbackBusiness.push(business(episode.line, from, episode.firstAttemptAt));
      }
    }
    const resolver = episode.resolvedBy;
    // The provider saying its own callback got through is nobody's work.
    if (resolver && episode.state === 'resolved' && !isProviderActor(resolver)) {
      const agent = entry(agentKey(resolver), resolver.name);
      agent.resolved++;
      // Reached by their own call back (the answered call that resolved it was theirs), or by hand.
      const ownCall = !episode.autoResolved || (claimer !== null && agentKey(claimer) === agentKey(resolver));
      if (episode.outcome === 'reached' && ownCall) agent.reached++;
    }
  }
  return [...agents.entries()]
    .map(([actorId, a]) => ({
      actorId,
      name: a.name,
      claimed: a.claimed,
      calledBack: a.calledBack,
      resolved: a.resolved,
      reached: a.reached,
      timeToClaim: stats(a.toClaim),
      timeToFirstCallback: stats(a.toCallback),
      business: { timeToClaim: stats(a.toClaimBusiness), timeToFirstCallback: stats(a.toCallbackBusiness) },
    }))
    .sort((x, y) => y.resolved - x.resolved || y.claimed - x.claimed || x.name.localeCompare(y.name));
}

export function summarize(input: SummaryInput): Summary {
  const inWindow = input.episodes.filter(
    (e) => e.missedAt >= input.window.start && e.missedAt < input.window.end,
  );
  const lineNames = [...new Set(inWindow.map((e) => e.line))].sort();
  const lines: Record<string, Figures> = {};
  for (const line of lineNames)
    lines[line] = figuresOf(
      inWindow.filter((e) => e.line === line),
      input,
    );
  const open = input.openNow.filter((e) => e.state !== 'resolved').sort((a, b) => a.missedAt - b.missedAt);
  const { oldestWaitedMs, oldestWaitedBusinessMs, ...openNow } = openFigures(open, input);
  const openLines: OpenDetail['lines'] = {};
  for (const line of [...new Set(open.map((e) => e.line))].sort()) {
    openLines[line] = openFigures(
      open.filter((e) => e.line === line),
      input,
    );
  }
  return {
    window: input.window,
    totals: figuresOf(inWindow, input),
    lines,
    agents: agentFigures(inWindow, input),
    openNow,
    openDetail: { oldestWaitedMs, oldestWaitedBusinessMs, lines: openLines },
  };
}

/** Open episodes (oldest first) with how long the oldest has waited. */
function openFigures(open: Episode[], input: SummaryInput): OpenDetail['lines'][string] {
  const elapsed = input.elapsed ?? wallClock;
  const business = input.businessElapsed ?? elapsed;
  const oldest = open[0];
  return {
    count: open.length,
    oldest: oldest
      ? { id: oldest.id, line: oldest.line, missedAt: oldest.missedAt, callerNumber: oldest.caller.number }
      : null,
    oldestWaitedMs: oldest ? elapsed(oldest.line, oldest.missedAt, input.now) : null,
    oldestWaitedBusinessMs: oldest ? business(oldest.line, oldest.missedAt, input.now) : null,
  };
}
