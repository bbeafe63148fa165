/** The state machine's share of issue 15: priority, suggestion with auto-claim, and reassign. */
import { describe, expect, it } from 'vitest';
import { decide, describeRefusal, newEpisode } from '../../../src/domain/episode.js';
import type { Actor, Episode } from '../../../src/domain/types.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const ana: Actor = { id: 'slack:UANA', name: 'Ana', email: 'ana@example.com', surface: 'slack' };
const ben: Actor = { id: 'slack:UBEN', name: 'Ben', email: 'ben@example.com', surface: 'slack' };
const chloe: Actor = { id: 'teams:chloe', name: 'Chloé', email: 'chloe@example.com', surface: 'teams' };
const benAsAgent: Actor = {
  id: 'agent:ben@example.com',
  name: 'Ben',
  email: 'ben@example.com',
  surface: 'system',
};
const suggestion = {
  name: 'Ben',
  email: 'ben@example.com',
  why: 'spoke with this caller on 1 Dec',
  source: 'lastAgent' as const,
};

function fresh(): Episode {
  return newEpisode({
    id: 'e1',
    line: 'Support FR',
    caller: { number: '+33612345678', name: null },
    missedAt: T0,
  });
}

function accepted(episode: Episode, command: Parameters<typeof decide>[1]) {
  const decision = decide(episode, command);
  if (!decision.ok) throw new Error(`refused: ${decision.refusal.kind}`);
  return decision;
}

describe('set_priority', () => {
  it('raises the level once and says why', () => {
    const raised = accepted(fresh(), {
      type: 'set_priority',
      at: T0,
      level: 'high',
      rule: 'VIP',
      because: 'tagged vip',
    });
    expect(raised.episode).toMatchObject({ priority: 'high', priorityRule: 'VIP', version: 2 });
    expect(raised.events).toEqual([
      { type: 'priority_set', at: T0, level: 'high', previous: 'normal', rule: 'VIP', because: 'tagged vip' },
    ]);
    const again = accepted(raised.episode, {
      type: 'set_priority',
      at: T0 + 1,
      level: 'high',
      rule: 'VIP',
      because: 'x',
    });
    expect(again.events).toEqual([]);
  });

  it('moves to another rule or back to normal, but never touches a resolved call', () => {
    const high = accepted(fresh(), {
      type: 'set_priority',
      at: T0,
      level: 'high',
      rule: '#1',
      because: null,
    }).episode;
    expect(
      accepted(high, { type: 'set_priority', at: T0, level: 'high', rule: 'VIP', because: null }).episode
        .priorityRule,
    ).toBe('VIP');
    expect(
      accepted(high, { type: 'set_priority', at: T0, level: 'normal', rule: null, because: null }).events[0],
    ).toMatchObject({
      previous: 'high',
      level: 'normal',
    });
    const resolved = { ...fresh(), state: 'resolved' as const };
    expect(
      accepted(resolved, { type: 'set_priority', at: T0, level: 'high', rule: '#1', because: null }).events,
    ).toEqual([]);
  });
});

describe('suggest_owner', () => {
  it('records the suggestion without claiming when autoClaim is off', () => {
    const result = accepted(fresh(), { type: 'suggest_owner', at: T0, owner: suggestion, autoClaim: null });
    expect(result.episode.suggestedOwner).toEqual({ ...suggestion, autoClaimed: false });
    expect(result.episode.state).toBe('open');
    expect(result.events).toEqual([
      { type: 'owner_suggested', at: T0, owner: { ...suggestion, autoClaimed: false } },
    ]);
    expect(
      accepted(result.episode, { type: 'suggest_owner', at: T0 + 5, owner: suggestion, autoClaim: null })
        .events,
    ).toEqual([]);
  });

  it('claims for the suggested agent once ever: a release is final', () => {
    const claimed = accepted(fresh(), {
      type: 'suggest_owner',
      at: T0,
      owner: suggestion,
      autoClaim: { actor: benAsAgent },
    });
    expect(claimed.episode).toMatchObject({ state: 'claimed', claimedBy: benAsAgent, claimedAt: T0 });
    expect(claimed.events.map((e) => e.type)).toEqual(['owner_suggested', 'claimed']);
    expect(claimed.events[1]).toEqual({
      type: 'claimed',
      actor: benAsAgent,
      at: T0,
      implicit: false,
      auto: true,
    });
    // Ben, clicking in Slack, is the same person: he may release it.
    const released = accepted(claimed.episode, {
      type: 'release',
      actor: ben,
      at: T0 + 60_000,
      asManager: false,
    });
    expect(released.episode.state).toBe('open');
    const later = accepted(released.episode, {
      type: 'suggest_owner',
      at: T0 + 120_000,
      owner: { ...suggestion, why: 'assignee', source: 'ticketAssignee' },
      autoClaim: { actor: benAsAgent },
    });
    expect(later.episode.state).toBe('open');
    expect(later.events.map((e) => e.type)).toEqual(['owner_suggested']);
  });

  it('never claims a call someone already has, nor a resolved one', () => {
    const taken = accepted(fresh(), { type: 'claim', actor: ana, at: T0 }).episode;
    const result = accepted(taken, {
      type: 'suggest_owner',
      at: T0,
      owner: suggestion,
      autoClaim: { actor: benAsAgent },
    });
    expect(result.episode.claimedBy).toEqual(ana);
    expect(result.events.map((e) => e.type)).toEqual(['owner_suggested']);
    const resolved = { ...fresh(), state: 'resolved' as const };
    expect(
      accepted(resolved, {
        type: 'suggest_owner',
        at: T0,
        owner: suggestion,
        autoClaim: { actor: benAsAgent },
      }).events,
    ).toEqual([]);
  });
});

describe('reassign', () => {
  const claimedByAna = () => accepted(fresh(), { type: 'claim', actor: ana, at: T0 }).episode;

  it('hands the claimer’s call to another agent', () => {
    const result = accepted(claimedByAna(), {
      type: 'reassign',
      actor: ana,
      at: T0 + 1,
      to: ben,
      asManager: false,
    });
    expect(result.episode).toMatchObject({ state: 'claimed', claimedBy: ben, claimedAt: T0 + 1 });
    expect(result.events).toEqual([{ type: 'reassigned', actor: ana, at: T0 + 1, from: ana, to: ben }]);
  });

  it('keeps when the call was first claimed, through a hand-over and a release and claim again', () => {
    const handed = accepted(claimedByAna(), {
      type: 'reassign',
      actor: ana,
      at: T0 + 5,
      to: ben,
      asManager: false,
    });
    expect(handed.episode).toMatchObject({ claimedAt: T0 + 5, firstClaimedAt: T0 });
    const released = accepted(handed.episode, {
      type: 'release',
      actor: ben,
      at: T0 + 6,
      asManager: false,
    }).episode;
    expect(released).toMatchObject({ claimedAt: null, firstClaimedAt: T0 });
    const again = accepted(released, { type: 'claim', actor: ben, at: T0 + 7 }).episode;
    expect(again).toMatchObject({ claimedAt: T0 + 7, firstClaimedAt: T0 });
  });

  it('puts a call being dialled back to claimed, keeping its attempts and snooze', () => {
    const calling = accepted(claimedByAna(), { type: 'callback', actor: ana, at: T0 + 1 }).episode;
    const snoozedCalling = { ...calling, dueAt: T0 + 3_600_000, snoozedAt: T0 + 2 };
    const result = accepted(snoozedCalling, {
      type: 'reassign',
      actor: ana,
      at: T0 + 3,
      to: ben,
      asManager: false,
    });
    expect(result.episode).toMatchObject({ state: 'claimed', attempts: 1, dueAt: T0 + 3_600_000 });
  });

  it('lets a manager hand anyone’s call, or an unclaimed one', () => {
    expect(
      accepted(claimedByAna(), { type: 'reassign', actor: chloe, at: T0, to: ben, asManager: true })
        .events[0],
    ).toMatchObject({
      from: ana,
      to: ben,
    });
    expect(
      accepted(fresh(), { type: 'reassign', actor: chloe, at: T0, to: ben, asManager: true }).events[0],
    ).toMatchObject({
      from: null,
      to: ben,
    });
  });

  it('refuses other agents, and unclaimed calls to non-managers', () => {
    const other = decide(claimedByAna(), {
      type: 'reassign',
      actor: chloe,
      at: T0,
      to: ben,
      asManager: false,
    });
    expect(other).toEqual({ ok: false, refusal: { kind: 'ReassignNotAllowed', claimedBy: ana } });
    const unclaimed = decide(fresh(), { type: 'reassign', actor: chloe, at: T0, to: ben, asManager: false });
    expect(unclaimed).toEqual({ ok: false, refusal: { kind: 'ReassignNotAllowed', claimedBy: null } });
    if (!other.ok && !unclaimed.ok) {
      expect(describeRefusal(other.refusal, String)).toBe(
        'Only Ana or a manager can hand this call to someone else.',
      );
      expect(describeRefusal(unclaimed.refusal, String)).toMatch(
        /^Only a manager can hand an unclaimed call/,
      );
    }
  });

  it('refuses resolved calls and changes nothing when handed to the same person', () => {
    const resolved = accepted(claimedByAna(), {
      type: 'resolve',
      actor: ana,
      at: T0 + 1,
      outcome: 'reached',
      asManager: false,
    }).episode;
    expect(
      decide(resolved, { type: 'reassign', actor: ana, at: T0 + 2, to: ben, asManager: false }),
    ).toMatchObject({
      ok: false,
      refusal: { kind: 'AlreadyResolved' },
    });
    const anaByEmail: Actor = { ...ana, id: 'teams:ana', surface: 'teams' };
    expect(
      accepted(claimedByAna(), { type: 'reassign', actor: ana, at: T0, to: anaByEmail, asManager: false })
        .events,
    ).toEqual([]);
  });
});
