import { describe, expect, it } from 'vitest';
import type { CallLeg } from '../../../src/domain/callEvent.js';
import { agentsWithLegs, type CallLegs, legReport } from '../../../src/domain/legReport.js';
import { summarize } from '../../../src/domain/summary.js';
import { actor, episode, T0 } from '../../helpers/episodes.js';

const leg = (name: string, result: CallLeg['result'], at = T0): CallLeg => ({
  agentName: name,
  agentEmail: `${name.toLowerCase()}@example.com`,
  result,
  at,
});

/** Rang Ana, Ben, Chloé and David one after the other; Eve answered. */
const servedByTheFifth: CallLegs = {
  answered: true,
  legs: [
    leg('Ana', 'ringing', T0),
    leg('Ben', 'ringing', T0 + 30_000),
    leg('Chloe', 'ringing', T0 + 60_000),
    leg('David', 'ringing', T0 + 90_000),
    leg('Eve', 'answered', T0 + 120_000),
  ],
  agent: { name: 'Eve', email: 'eve@example.com' },
};

const figuresOf = (report: ReturnType<typeof legReport>, name: string) =>
  report.agents.find((a) => a.name === name)?.legs;

describe('legReport', () => {
  it('counts four missed legs and no missed call when the fifth agent answers', () => {
    const report = legReport([servedByTheFifth]);
    expect(report.totals).toMatchObject({
      calls: 1,
      answeredCalls: 1,
      unansweredCalls: 0,
      offered: 5,
      answered: 1,
      missedLegs: 4,
      colleagueAnswered: 4,
      onMissedCalls: 0,
    });
    for (const name of ['Ana', 'Ben', 'Chloe', 'David']) {
      expect(figuresOf(report, name)).toMatchObject({
        offered: 1,
        rangOut: 1,
        missedLegs: 1,
        colleagueAnswered: 1,
      });
    }
    expect(figuresOf(report, 'Eve')).toMatchObject({ offered: 1, answered: 1, missedLegs: 0 });
  });

  it('tells a declined leg from a rang-out one, and a leg of a call nobody answered from a colleague-answered one', () => {
    const nobodyAnswered: CallLegs = {
      answered: false,
      legs: [leg('Ana', 'missed'), leg('Ben', 'declined')],
      agent: null,
    };
    const report = legReport([servedByTheFifth, nobodyAnswered]);
    expect(figuresOf(report, 'Ana')).toEqual({
      offered: 2,
      answered: 0,
      rangOut: 2,
      declined: 0,
      missedLegs: 2,
      colleagueAnswered: 1,
      onMissedCalls: 1,
    });
    expect(figuresOf(report, 'Ben')).toMatchObject({ offered: 2, rangOut: 1, declined: 1, onMissedCalls: 1 });
    expect(report.totals).toMatchObject({ calls: 2, unansweredCalls: 1, onMissedCalls: 2, declined: 1 });
  });

  it('counts the agent who answered even when the provider sent no leg for them', () => {
    const report = legReport([
      { answered: true, legs: [leg('Ana', 'ringing')], agent: { name: 'Ben', email: 'BEN@example.com' } },
    ]);
    expect(figuresOf(report, 'Ben')).toMatchObject({ offered: 1, answered: 1 });
    expect(report.agents.find((a) => a.name === 'Ben')?.agentKey).toBe('ben@example.com');
    expect(figuresOf(report, 'Ana')).toMatchObject({ colleagueAnswered: 1 });
  });

  it('gives an agent rung twice by one call, then answering it, one answered leg', () => {
    const report = legReport([
      { answered: true, legs: [leg('Ana', 'ringing')], agent: { name: 'Ana', email: 'ana@example.com' } },
    ]);
    expect(report.totals).toMatchObject({ offered: 1, answered: 1, missedLegs: 0 });
  });

  it('keeps agents without e-mail apart by name, whatever the case', () => {
    const report = legReport([
      {
        answered: false,
        legs: [{ agentName: 'Zoé', agentEmail: null, result: 'missed', at: null }],
        agent: null,
      },
      {
        answered: false,
        legs: [{ agentName: 'zoé', agentEmail: null, result: 'declined', at: null }],
        agent: null,
      },
    ]);
    expect(report.agents).toHaveLength(1);
    expect(report.agents[0]?.legs).toMatchObject({ offered: 2, rangOut: 1, declined: 1 });
  });
});

describe('agentsWithLegs', () => {
  const window = { start: T0 - 3_600_000, end: T0 + 86_400_000, label: 'today' };

  it("puts each agent's legs next to their callbacks, and lists agents who only took calls", () => {
    const ana = actor('Ana');
    const summary = summarize({
      episodes: [
        episode({
          state: 'resolved',
          claimedBy: ana,
          claimedAt: T0 + 60_000,
          firstAttemptAt: T0 + 120_000,
          attempts: 1,
          resolvedBy: ana,
          resolvedAt: T0 + 180_000,
          outcome: 'reached',
        }),
      ],
      openNow: [],
      window,
      now: T0 + 3_600_000,
      slaFor: () => ({}),
    });
    const agents = agentsWithLegs(summary.agents, legReport([servedByTheFifth]));
    const anaRow = agents.find((a) => a.name === 'Ana');
    expect(anaRow).toMatchObject({
      claimed: 1,
      calledBack: 1,
      reached: 1,
      legs: { offered: 1, colleagueAnswered: 1 },
    });
    expect(anaRow?.timeToFirstCallback.medianMs).toBe(120_000);
    expect(agents.map((a) => a.name)).toEqual(['Ana', 'Ben', 'Chloe', 'David', 'Eve']);
    expect(agents.find((a) => a.name === 'Eve')).toMatchObject({ claimed: 0, legs: { answered: 1 } });
  });

  it('never gives one agent the legs of another with the same name, and matches by name only legs without an e-mail', () => {
    const summaryAgent = (actorId: string, name: string) => ({
      actorId,
      name,
      claimed: 1,
      calledBack: 0,
      resolved: 1,
      reached: 0,
      timeToClaim: { count: 0, medianMs: null, p90Ms: null },
      timeToFirstCallback: { count: 0, medianMs: null, p90Ms: null },
      business: {
        timeToClaim: { count: 0, medianMs: null, p90Ms: null },
        timeToFirstCallback: { count: 0, medianMs: null, p90Ms: null },
      },
    });
    const alexA = (result: CallLeg['result']): CallLeg => ({
      agentName: 'Alex',
      agentEmail: 'a@x.example',
      result,
      at: T0,
    });
    const calls: CallLegs[] = [
      ...Array.from({ length: 5 }, () => ({ answered: true, legs: [alexA('answered')], agent: null })),
      ...Array.from({ length: 3 }, () => ({ answered: false, legs: [alexA('ringing')], agent: null })),
      {
        answered: false,
        legs: [{ agentName: 'Sam', agentEmail: null, result: 'ringing', at: T0 }],
        agent: null,
      },
    ];
    const agents = agentsWithLegs(
      [summaryAgent('b@x.example', 'Alex'), summaryAgent('teams:sam-id', 'Sam')],
      legReport(calls),
    );
    expect(agents.find((a) => a.actorId === 'b@x.example')?.legs?.offered).toBe(0);
    expect(agents.find((a) => a.actorId === 'a@x.example')?.legs).toMatchObject({ offered: 8, answered: 5 });
    expect(agents.find((a) => a.actorId === 'teams:sam-id')?.legs?.offered).toBe(1);
  });

  it('gives agents without legs zero legs rather than none', () => {
    const agents = agentsWithLegs(
      [
        {
          actorId: 'slack:UNOBODY',
          name: 'Nobody',
          claimed: 1,
          calledBack: 0,
          resolved: 0,
          timeToClaim: { count: 1, medianMs: 1, p90Ms: 1 },
          timeToFirstCallback: { count: 0, medianMs: null, p90Ms: null },
        },
      ],
      legReport([]),
    );
    expect(agents[0]?.legs).toMatchObject({ offered: 0, missedLegs: 0 });
  });
});
