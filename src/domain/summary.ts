/**
 * Summary figures over episodes: missed vs returned, time to claim and to call back, SLA breaches,
 * open now, per line and per agent. Pure: durations are measured by injected functions so the same
 * code counts wall-clock and business time (`business` figures; SLA breaches count business time).
 */
import { isProviderActor } from './callRecord.js';
import { type Durations, TimedDurations } from './durations.js';
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
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

function stats(values: Durations): DurationStats {
  const sorted = values.sorted();
  return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

const wallClock = (_line: string, from: number, to: number) => Math.max(0, to - from);

/** What a tally needs besides the episodes. */
export type TallyInput = Omit<SummaryInput, 'episodes' | 'openNow'>;

/** The figures of a set of episodes, added one at a time: a long period is read in batches, never whole. */
class FiguresTally {
  private readonly byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  private readonly callers = new Set<string>();
  private readonly toClaim = new TimedDurations();
  private readonly toCallback = new TimedDurations();
  private readonly toResolve = new TimedDurations();
  private episodes = 0;
  private missedCalls = 0;
  private returnedCalls = 0;
  private claimed = 0;
  private calledBack = 0;
  private resolved = 0;
  private autoResolved = 0;
  private claimBreaches = 0;
  private resolveBreaches = 0;

  constructor(private readonly input: TallyInput) {}

  add(episode: Episode): void {
    const { input } = this;
    const elapsed = input.elapsed ?? wallClock;
    const business = input.businessElapsed ?? elapsed;
    this.episodes++;
    this.missedCalls += episode.callCount;
    // Withheld numbers are distinct callers we cannot tell apart: each counts once.
    this.callers.add(episode.caller.number ?? `withheld:${episode.id}`);
    const sla = input.slaFor(episode.line);
    // A claim before the caller got through (or before the agent's own call back resolved it) is a claim.
    // The team's time to claim is to the first claim: a release or a hand-over later does not move it.
    const firstClaim = firstClaimOf(episode);
    if (firstClaim !== null) {
      this.claimed++;
      this.toClaim.push(
        elapsed(episode.line, episode.missedAt, firstClaim),
        business(episode.line, episode.missedAt, firstClaim),
      );
    }
    if (episode.firstAttemptAt !== null) {
      this.calledBack++;
      this.returnedCalls += episode.callCount;
      this.toCallback.push(
        elapsed(episode.line, episode.missedAt, episode.firstAttemptAt),
        business(episode.line, episode.missedAt, episode.firstAttemptAt),
      );
    }
    if (episode.state === 'resolved') {
      this.resolved++;
      if (episode.resolvedAt !== null) {
        this.toResolve.push(
          elapsed(episode.line, episode.missedAt, episode.resolvedAt),
          business(episode.line, episode.missedAt, episode.resolvedAt),
        );
      }
      if (episode.autoResolved) this.autoResolved++;
      if (episode.outcome) this.byOutcome[episode.outcome]++;
    }
    if (sla.claimWithin !== undefined) {
      const claimOrNow = firstClaim ?? episode.resolvedAt ?? input.now;
      if (business(episode.line, episode.missedAt, claimOrNow) > sla.claimWithin) this.claimBreaches++;
    }
    if (sla.resolveWithin !== undefined) {
      const resolveOrNow = episode.resolvedAt ?? input.now;
      if (business(episode.line, episode.missedAt, resolveOrNow) > sla.resolveWithin) this.resolveBreaches++;
    }
  }

  figures(): Figures {
    return {
      missedCalls: this.missedCalls,
      returnedCalls: this.returnedCalls,
      episodes: this.episodes,
      uniqueCallers: this.callers.size,
      claimed: this.claimed,
      calledBack: this.calledBack,
      resolved: this.resolved,
      autoResolved: this.autoResolved,
      byOutcome: { ...this.byOutcome },
      timeToClaim: stats(this.toClaim.wallClock),
      timeToFirstCallback: stats(this.toCallback.wallClock),
      slaBreaches: { claim: this.claimBreaches, resolve: this.resolveBreaches },
      timeToResolve: stats(this.toResolve.wallClock),
      business: {
        timeToClaim: stats(this.toClaim.business),
        timeToFirstCallback: stats(this.toCallback.business),
        timeToResolve: stats(this.toResolve.business),
      },
    };
  }
}

/** When the call was first claimed (episodes stored before firstClaimedAt existed: the current claim). */
function firstClaimOf(episode: Episode): number | null {
  return episode.firstClaimedAt ?? episode.claimedAt;
}

/** One person on every surface: by e-mail when known. */
function agentKey(actor: Actor): string {
  return actor.email?.toLowerCase() ?? actor.id;
}

interface AgentCounts {
  name: string;
  claimed: number;
  calledBack: number;
  resolved: number;
  reached: number;
  toClaim: TimedDurations;
  toCallback: TimedDurations;
}

/** Each agent's figures, added one episode at a time. */
class AgentTally {
  private readonly agents = new Map<string, AgentCounts>();

  constructor(private readonly input: TallyInput) {}

  private entry(id: string, name: string): AgentCounts {
    let found = this.agents.get(id);
    if (!found) {
      found = {
        name,
        claimed: 0,
        calledBack: 0,
        resolved: 0,
        reached: 0,
        toClaim: new TimedDurations(),
        toCallback: new TimedDurations(),
      };
      this.agents.set(id, found);
    }
    return found;
  }

  add(episode: Episode): void {
    const elapsed = this.input.elapsed ?? wallClock;
    const business = this.input.businessElapsed ?? elapsed;
    const claimer = episode.claimedBy;
    /** Who is counted as having called back on this call, once each. */
    const calledBack = new Set<string>();
    if (claimer && episode.claimedAt !== null) {
      const agent = this.entry(agentKey(claimer), claimer.name);
      agent.claimed++;
      // Handed this call (or claiming it again after a release): its time to claim was someone else's.
      if (episode.claimedAt === firstClaimOf(episode)) {
        agent.toClaim.push(
          elapsed(episode.line, episode.missedAt, episode.claimedAt),
          business(episode.line, episode.missedAt, episode.claimedAt),
        );
      }
      // Only a call back made while they held the call is theirs, timed from when it became theirs: a
      // call handed over hours after the miss does not count those hours against the one it was handed to.
      if (episode.firstAttemptAt !== null && episode.firstAttemptAt >= episode.claimedAt) {
        const from = episode.claimedAt === firstClaimOf(episode) ? episode.missedAt : episode.claimedAt;
        agent.calledBack++;
        calledBack.add(agentKey(claimer));
        agent.toCallback.push(
          elapsed(episode.line, from, episode.firstAttemptAt),
          business(episode.line, from, episode.firstAttemptAt),
        );
      }
    }
    // Each one who logged a try's result called back, also on a call handed on since (or handed to them
    // after someone else's first try); the time to call back stays the current holder's.
    for (const entry of episode.attemptLog) {
      const key = agentKey(entry.by);
      if (isProviderActor(entry.by) || calledBack.has(key)) continue;
      calledBack.add(key);
      this.entry(key, entry.by.name).calledBack++;
    }
    const resolver = episode.resolvedBy;
    // The provider saying its own callback got through is nobody's work.
    if (resolver && episode.state === 'resolved' && !isProviderActor(resolver)) {
      const agent = this.entry(agentKey(resolver), resolver.name);
      agent.resolved++;
      // Reached by their own call back (the answered call that resolved it was theirs), or by hand.
      const ownCall = !episode.autoResolved || (claimer !== null && agentKey(claimer) === agentKey(resolver));
      if (episode.outcome === 'reached' && ownCall) agent.reached++;
    }
  }

  figures(): AgentFigures[] {
    return [...this.agents.entries()]
      .map(([actorId, a]) => ({
        actorId,
        name: a.name,
        claimed: a.claimed,
        calledBack: a.calledBack,
        resolved: a.resolved,
        reached: a.reached,
        timeToClaim: stats(a.toClaim.wallClock),
        timeToFirstCallback: stats(a.toCallback.wallClock),
        business: {
          timeToClaim: stats(a.toClaim.business),
          timeToFirstCallback: stats(a.toCallback.business),
        },
      }))
      .sort((x, y) => y.resolved - x.resolved || y.claimed - x.claimed || x.name.localeCompare(y.name));
  }
}

/**
 * A summary built one episode at a time (episodes outside the window are left out), so a period of a
 * hundred thousand calls is counted in batches instead of being held in memory whole.
 */
export class SummaryTally {
  private readonly totals: FiguresTally;
  private readonly lines = new Map<string, FiguresTally>();
  private readonly agents: AgentTally;
  private counted = 0;

  constructor(private readonly input: TallyInput) {
    this.totals = new FiguresTally(input);
    this.agents = new AgentTally(input);
  }

  /** Episodes counted so far. */
  get size(): number {
    return this.counted;
  }

  add(episode: Episode): void {
    if (episode.missedAt < this.input.window.start || episode.missedAt >= this.input.window.end) return;
    this.counted++;
    this.totals.add(episode);
    let line = this.lines.get(episode.line);
    if (!line) {
      line = new FiguresTally(this.input);
      this.lines.set(episode.line, line);
    }
    line.add(episode);
    this.agents.add(episode);
  }

  /** The summary of what was added, with `openNow`: every unresolved episode right now, whenever missed. */
  summary(openNow: Episode[]): Summary {
    const { input } = this;
    const lines: Record<string, Figures> = {};
    const byName = [...this.lines.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, tally] of byName) lines[name] = tally.figures();
    const open = openNow.filter((e) => e.state !== 'resolved').sort((a, b) => a.missedAt - b.missedAt);
    const { oldestWaitedMs, oldestWaitedBusinessMs, ...openFiguresNow } = openFigures(open, input);
    const openLines: OpenDetail['lines'] = {};
    for (const line of [...new Set(open.map((e) => e.line))].sort()) {
      openLines[line] = openFigures(
        open.filter((e) => e.line === line),
        input,
      );
    }
    return {
      window: input.window,
      totals: this.totals.figures(),
      lines,
      agents: this.agents.figures(),
      openNow: openFiguresNow,
      openDetail: { oldestWaitedMs, oldestWaitedBusinessMs, lines: openLines },
    };
  }
}

export function summarize(input: SummaryInput): Summary {
  const tally = new SummaryTally(input);
  for (const episode of input.episodes) tally.add(episode);
  return tally.summary(input.openNow);
}

/** Open episodes (oldest first) with how long the oldest has waited. */
function openFigures(open: Episode[], input: TallyInput): OpenDetail['lines'][string] {
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
