/** Suggested owner: each source, the configured order, round robin's turn and its availability fallbacks. */
import { describe, expect, it } from 'vitest';
import { AVAILABILITY_STALE_MS, roundRobinPool } from '../../../src/app/triage.js';
import {
  nextInTurn,
  ownerActor,
  type PoolAgent,
  type SuggestionInputs,
  suggestOwner,
} from '../../../src/domain/suggestion.js';

const PARIS = 'Europe/Paris';
const DEC_2 = Date.parse('2026-12-02T09:30:00Z');
const ana = { name: 'Ana Lopez', email: 'ana@example.com' };
const ben = { name: 'Ben Martin', email: 'ben@example.com' };
const chloe = { name: 'Chloé Roy', email: 'chloe@example.com' };

const nobody: SuggestionInputs = {
  lastAgent: null,
  ticketAssignee: null,
  voicemailOwner: null,
  roundRobin: null,
};

function agent(key: string, available: boolean | null): PoolAgent {
  return { key, name: key.toUpperCase(), email: `${key}@example.com`, available };
}

describe('suggestOwner', () => {
  const all: SuggestionInputs = {
    lastAgent: { agent: ana, at: DEC_2 },
    ticketAssignee: { agent: ben, ticketId: 456 },
    voicemailOwner: chloe,
    roundRobin: { agent: { ...chloe, key: 'chloe', available: true }, availability: 'available' },
  };

  it('says why for each source', () => {
    expect(suggestOwner(['lastAgent'], all, PARIS)).toEqual({
      ...ana,
      source: 'lastAgent',
      why: 'spoke with this caller on 2 Dec',
    });
    expect(suggestOwner(['ticketAssignee'], all, PARIS)).toEqual({
      ...ben,
      source: 'ticketAssignee',
      why: "assignee of the caller's open ticket #456",
    });
    expect(suggestOwner(['voicemailOwner'], all, PARIS)?.why).toBe(
      'the phone system gave them the voicemail',
    );
    expect(suggestOwner(['roundRobin'], all, PARIS)?.why).toBe('next in turn among the available agents');
    expect(
      suggestOwner(
        ['roundRobin'],
        { ...all, roundRobin: { agent: { ...ben, key: 'ben', available: null }, availability: 'unknown' } },
        PARIS,
      )?.why,
    ).toBe('next in turn (nobody’s availability is known right now)');
  });

  it('dates the last contact in the team zone', () => {
    const lateEvening = Date.parse('2026-12-02T23:30:00Z'); // already 3 Dec in Paris
    expect(
      suggestOwner(['lastAgent'], { ...nobody, lastAgent: { agent: ana, at: lateEvening } }, PARIS)?.why,
    ).toBe('spoke with this caller on 3 Dec');
  });

  it('follows the configured order and falls through sources that name nobody', () => {
    expect(suggestOwner(['ticketAssignee', 'lastAgent'], all, PARIS)?.name).toBe('Ben Martin');
    expect(suggestOwner(['lastAgent', 'ticketAssignee'], { ...all, lastAgent: null }, PARIS)?.source).toBe(
      'ticketAssignee',
    );
    expect(
      suggestOwner(
        ['lastAgent', 'voicemailOwner', 'roundRobin'],
        { ...nobody, roundRobin: all.roundRobin },
        PARIS,
      )?.source,
    ).toBe('roundRobin');
    expect(suggestOwner(['lastAgent', 'ticketAssignee'], nobody, PARIS)).toBeNull();
  });
});

describe('nextInTurn', () => {
  it('takes the agent after the last one picked, wrapping round', () => {
    const pool = [agent('ana', true), agent('ben', true), agent('chloe', true)];
    expect(nextInTurn(pool, null)?.agent.key).toBe('ana');
    expect(nextInTurn(pool, 'ana')?.agent.key).toBe('ben');
    expect(nextInTurn(pool, 'chloe')?.agent.key).toBe('ana');
    // Someone who left the pool: start again from the top.
    expect(nextInTurn(pool, 'zoe')?.agent.key).toBe('ana');
  });

  it('skips agents marked unavailable', () => {
    const pool = [agent('ana', true), agent('ben', false), agent('chloe', true)];
    expect(nextInTurn(pool, 'ana')).toEqual({ agent: pool[2], availability: 'available' });
  });

  it('prefers agents known available over unknown ones', () => {
    const pool = [agent('ana', null), agent('ben', null), agent('chloe', true)];
    expect(nextInTurn(pool, null)?.agent.key).toBe('chloe');
  });

  it('falls back on unknown availability in turn when nobody is known available', () => {
    const pool = [agent('ana', false), agent('ben', null), agent('chloe', null)];
    expect(nextInTurn(pool, 'ben')).toEqual({ agent: pool[2], availability: 'unknown' });
  });

  it('names nobody when everyone is unavailable or the pool is empty', () => {
    expect(nextInTurn([agent('ana', false), agent('ben', false)], null)).toBeNull();
    expect(nextInTurn([], null)).toBeNull();
  });
});

describe('roundRobinPool', () => {
  const now = DEC_2;
  const row = (
    userId: string,
    name: string,
    email: string | null,
    available: boolean | null,
    changedAt = now,
  ) => ({
    provider: 'aircall',
    userId,
    name,
    email,
    available,
    changedAt,
  });

  it('uses the line agents in their order, with what Aircall says of each', () => {
    const pool = roundRobinPool(
      { agents: ['Chloe@example.com', 'ana@example.com', 'nobody@example.com'] },
      [row('1', 'Ana Lopez', 'ana@example.com', false), row('3', 'Chloé Roy', 'chloe@example.com', true)],
      now,
    );
    expect(pool).toEqual([
      { key: 'chloe@example.com', name: 'Chloé Roy', email: 'Chloe@example.com', available: true },
      { key: 'ana@example.com', name: 'Ana Lopez', email: 'ana@example.com', available: false },
      { key: 'nobody@example.com', name: 'nobody@example.com', email: 'nobody@example.com', available: null },
    ]);
  });

  it('takes every Aircall user when the line names none, and forgets availability nobody confirmed lately', () => {
    const stale = now - AVAILABILITY_STALE_MS - 1;
    const pool = roundRobinPool(
      { agents: [] },
      [row('1', 'Ana Lopez', 'ana@example.com', false, stale), row('2', 'Ben Martin', null, true)],
      now,
    );
    expect(pool).toEqual([
      { key: 'ana@example.com', name: 'Ana Lopez', email: 'ana@example.com', available: null },
      { key: 'aircall:2', name: 'Ben Martin', email: null, available: true },
    ]);
  });
});

describe('ownerActor', () => {
  it('is matched to the same person on any surface by e-mail', () => {
    expect(ownerActor({ name: 'Ana Lopez', email: 'Ana@Example.com' })).toEqual({
      id: 'agent:ana@example.com',
      name: 'Ana Lopez',
      email: 'Ana@Example.com',
      surface: 'system',
    });
  });
});
