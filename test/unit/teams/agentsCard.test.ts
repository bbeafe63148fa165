import { describe, expect, it } from 'vitest';
import { emptyLegFigures } from '../../../src/domain/legReport.js';
import type { AgentFigures } from '../../../src/domain/summary.js';
import {
  agentsCard,
  MAX_AGENT_BLOCKS,
  MAX_AGENTS_CARD_BYTES,
} from '../../../src/surfaces/teams/agentsCard.js';

const NONE = { count: 0, medianMs: null, p90Ms: null };

function agent(i: number, name: string): AgentFigures {
  return {
    actorId: `agent-${i}@example.com`,
    name,
    claimed: 3,
    calledBack: 2,
    resolved: 2,
    reached: 1,
    timeToClaim: NONE,
    timeToFirstCallback: NONE,
    business: { timeToClaim: NONE, timeToFirstCallback: NONE },
    legs: { ...emptyLegFigures(), offered: 10, answered: 6 },
  };
}

function report(agents: AgentFigures[]) {
  return {
    kind: 'agent_report' as const,
    title: 'Agents, this week',
    timezone: 'Europe/Paris',
    periodLabel: 'this week',
    agents,
    legs: null,
    missedCalls: 12,
    public: false,
  };
}

const bytes = (card: unknown) => Buffer.byteLength(JSON.stringify(card), 'utf8');
const texts = (card: unknown) => JSON.stringify(card);

describe('the Teams agent report card', () => {
  it('shows up to 40 agents with ordinary names, then says how many more there are', () => {
    const card = agentsCard(
      report(Array.from({ length: 45 }, (_, i) => agent(i, `Agent Firstname Lastname ${i}`))),
    );
    expect(texts(card)).toContain('Agent Firstname Lastname 39');
    expect(texts(card)).not.toContain('Agent Firstname Lastname 40');
    expect(texts(card)).toContain(`…and ${45 - MAX_AGENT_BLOCKS} more agents`);
  });

  it('stays under the size Teams accepts when names are long, dropping agents into the count', () => {
    const long = (i: number) => `${'Ŵéłłïñgtøñ-'.repeat(18)}x${i}x`;
    const card = agentsCard(report(Array.from({ length: 40 }, (_, i) => agent(i, long(i)))));
    expect(bytes(card)).toBeLessThanOrEqual(MAX_AGENTS_CARD_BYTES);
    const shown = Array.from({ length: 40 }, (_, i) => i).filter((i) => texts(card).includes(`x${i}x`));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(40);
    expect(texts(card)).toContain(`…and ${40 - shown.length} more agents`);
    expect(texts(card)).not.toContain('No agent was rung');
  });
});
