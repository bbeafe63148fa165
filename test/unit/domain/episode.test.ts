import { describe, expect, it } from 'vitest';
import {
  type Command,
  decide,
  describeRefusal,
  NO_NUMBER_TO_CALL,
  newEpisode,
  sameActor,
} from '../../../src/domain/episode.js';
import { type Episode, OUTCOMES } from '../../../src/domain/types.js';
import { actor, ana, ben, episode, T0 } from '../../helpers/episodes.js';

const manager = actor('Mia');

function accepted(current: Episode, command: Command) {
  const decision = decide(current, command);
  if (!decision.ok) throw new Error(`expected acceptance, got ${decision.refusal.kind}`);
  return decision;
}

function refused(current: Episode, command: Command) {
  const decision = decide(current, command);
  if (decision.ok) throw new Error('expected a refusal');
  return decision.refusal;
}

const claimedByAna = (from = episode()) =>
  accepted(from, { type: 'claim', actor: ana, at: T0 + 60_000 }).episode;
const resolvedByAna = (from = episode()) =>
  accepted(claimedByAna(from), {
    type: 'resolve',
    actor: ana,
    at: T0 + 120_000,
    outcome: 'reached',
    asManager: false,
  }).episode;

describe('newEpisode', () => {
  it('starts open with one call and nothing else', () => {
    const fresh = newEpisode({ id: 'x', line: 'L', caller: { number: '+1', name: null }, missedAt: T0 });
    expect(fresh).toMatchObject({
      state: 'open',
      callCount: 1,
      missedAt: T0,
      lastCallAt: T0,
      attempts: 0,
      version: 1,
    });
    expect(fresh.claimedBy).toBeNull();
    expect(fresh.outcome).toBeNull();
  });
});

describe('claim', () => {
  describe('when open', () => {
    it('gives the call to the clicker and bumps the version', () => {
      const { episode: next, events } = accepted(episode(), { type: 'claim', actor: ana, at: T0 + 5 });
      expect(next).toMatchObject({ state: 'claimed', claimedBy: ana, claimedAt: T0 + 5, version: 2 });
      expect(events).toEqual([{ type: 'claimed', actor: ana, at: T0 + 5, implicit: false }]);
    });
  });

  describe('when already claimed', () => {
    it('tells the clicker who has it and since when', () => {
      expect(refused(claimedByAna(), { type: 'claim', actor: ben, at: T0 + 90_000 })).toEqual({
        kind: 'AlreadyClaimed',
        by: ana,
        at: T0 + 60_000,
      });
    });

    it('changes nothing when the claimer clicks again', () => {
      const current = claimedByAna();
      const decision = accepted(current, { type: 'claim', actor: ana, at: T0 + 90_000 });
      expect(decision.events).toEqual([]);
      expect(decision.episode).toBe(current);
    });

    it('recognises the claimer on another surface by email', () => {
      const anaInTeams = actor('Ana', 'teams');
      expect(accepted(claimedByAna(), { type: 'claim', actor: anaInTeams, at: T0 }).events).toEqual([]);
    });

    it('is refused while calling too', () => {
      const calling = accepted(claimedByAna(), { type: 'callback', actor: ana, at: T0 + 70_000 }).episode;
      expect(refused(calling, { type: 'claim', actor: ben, at: T0 }).kind).toBe('AlreadyClaimed');
    });
  });

  describe('when resolved', () => {
    it('says who resolved it, when, and how', () => {
      expect(refused(resolvedByAna(), { type: 'claim', actor: ben, at: T0 })).toEqual({
        kind: 'AlreadyResolved',
        by: ana,
        at: T0 + 120_000,
        outcome: 'reached',
      });
    });
  });
});

describe('release', () => {
  it('gives the call back when the claimer asks', () => {
    const { episode: next, events } = accepted(claimedByAna(), {
      type: 'release',
      actor: ana,
      at: T0 + 1,
      asManager: false,
    });
    expect(next).toMatchObject({ state: 'open', claimedBy: null, claimedAt: null });
    expect(events).toEqual([{ type: 'released', actor: ana, at: T0 + 1, previous: ana }]);
  });

  it('lets a manager release someone else’s claim', () => {
    const { events } = accepted(claimedByAna(), { type: 'release', actor: manager, at: T0, asManager: true });
    expect(events[0]).toMatchObject({ type: 'released', actor: manager, previous: ana });
  });

  it('refuses a colleague who is not a manager', () => {
    expect(refused(claimedByAna(), { type: 'release', actor: ben, at: T0, asManager: false })).toEqual({
      kind: 'NotClaimer',
      claimedBy: ana,
    });
  });

  it('refuses when nobody holds the call', () => {
    expect(refused(episode(), { type: 'release', actor: ana, at: T0, asManager: true })).toEqual({
      kind: 'NotClaimed',
    });
  });

  it('keeps the attempts made before the release', () => {
    const calling = accepted(claimedByAna(), { type: 'callback', actor: ana, at: T0 + 70_000 }).episode;
    const released = accepted(calling, {
      type: 'release',
      actor: ana,
      at: T0 + 80_000,
      asManager: false,
    }).episode;
    expect(released).toMatchObject({ state: 'open', attempts: 1, firstAttemptAt: T0 + 70_000 });
  });

  it('refuses once resolved', () => {
    expect(refused(resolvedByAna(), { type: 'release', actor: ana, at: T0, asManager: false }).kind).toBe(
      'AlreadyResolved',
    );
  });
});

describe('an attempt reported with its result', () => {
  it('counts a call made without the Call back button as an attempt, like the button would', () => {
    const reached = accepted(claimedByAna(), {
      type: 'resolve',
      actor: ana,
      at: T0 + 90_000,
      outcome: 'reached',
      asManager: false,
    }).episode;
    expect(reached).toMatchObject({ attempts: 1, firstAttemptAt: T0 + 90_000, lastAttemptAt: T0 + 90_000 });
    expect(reached.attemptLog).toHaveLength(1);
  });

  it('numbers results and Call back clicks as one sequence of attempts', () => {
    const retry = { attempts: 3, nextDueAt: T0 + 3_600_000 };
    const first = accepted(claimedByAna(), {
      type: 'resolve',
      actor: ana,
      at: T0 + 90_000,
      outcome: 'no_answer',
      asManager: false,
      retry,
    });
    expect(first.events).toContainEqual(expect.objectContaining({ type: 'attempt_logged', attempt: 1 }));
    const clicked = accepted(first.episode, { type: 'callback', actor: ana, at: T0 + 3_700_000 });
    expect(clicked.events).toContainEqual(expect.objectContaining({ type: 'callback_started', attempt: 2 }));
    const second = accepted(clicked.episode, {
      type: 'resolve',
      actor: ana,
      at: T0 + 3_800_000,
      outcome: 'no_answer',
      asManager: false,
      retry,
    });
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'attempt_logged', attempt: 2 }));
    expect(second.episode).toMatchObject({ attempts: 2 });
    expect(second.episode.attemptLog).toHaveLength(2);
  });
});

describe('callback', () => {
  it('is refused when there is no number to dial, and allowed on a number the withheld caller left', () => {
    const withheld = episode({ caller: { number: null, name: null } });
    expect(refused(withheld, { type: 'callback', actor: ben, at: T0 + 10 })).toEqual({
      kind: 'InvalidInput',
      message: NO_NUMBER_TO_CALL,
    });
    const left = accepted(
      { ...withheld, callbackNumber: '+33699887766' },
      { type: 'callback', actor: ben, at: T0 + 10 },
    );
    expect(left.episode).toMatchObject({ state: 'calling', attempts: 1 });
  });

  describe('when open', () => {
    it('claims implicitly and records attempt 1', () => {
      const { episode: next, events } = accepted(episode(), { type: 'callback', actor: ben, at: T0 + 10 });
      expect(next).toMatchObject({
        state: 'calling',
        claimedBy: ben,
        claimedAt: T0 + 10,
        attempts: 1,
        firstAttemptAt: T0 + 10,
      });
      expect(events.map((e) => e.type)).toEqual(['claimed', 'callback_started']);
      expect(events[0]).toMatchObject({ implicit: true });
    });
  });

  describe('when claimed by the clicker', () => {
    it('counts every attempt and keeps the first time', () => {
      let current = claimedByAna();
      for (let i = 1; i <= 3; i++)
        current = accepted(current, { type: 'callback', actor: ana, at: T0 + i * 1000 }).episode;
      expect(current).toMatchObject({
        state: 'calling',
        attempts: 3,
        firstAttemptAt: T0 + 1000,
        lastAttemptAt: T0 + 3000,
      });
    });
  });

  describe('when claimed by someone else', () => {
    it('is refused with who has it', () => {
      expect(refused(claimedByAna(), { type: 'callback', actor: ben, at: T0 }).kind).toBe('AlreadyClaimed');
    });
  });

  it('is refused once resolved', () => {
    expect(refused(resolvedByAna(), { type: 'callback', actor: ana, at: T0 }).kind).toBe('AlreadyResolved');
  });
});

describe('resolve', () => {
  it.each(OUTCOMES)('records the outcome %s', (outcome) => {
    const { episode: next } = accepted(claimedByAna(), {
      type: 'resolve',
      actor: ana,
      at: T0 + 9,
      outcome,
      asManager: false,
    });
    expect(next).toMatchObject({
      state: 'resolved',
      outcome,
      resolvedAt: T0 + 9,
      resolvedBy: ana,
      autoResolved: false,
    });
  });

  it('claims implicitly when nobody had', () => {
    const { episode: next, events } = accepted(episode(), {
      type: 'resolve',
      actor: ben,
      at: T0 + 9,
      outcome: 'not_needed',
      asManager: false,
    });
    expect(next).toMatchObject({ claimedBy: ben, claimedAt: T0 + 9 });
    expect(events.map((e) => e.type)).toEqual(['claimed', 'resolved']);
  });

  it('refuses a colleague while someone else holds the call', () => {
    expect(
      refused(claimedByAna(), { type: 'resolve', actor: ben, at: T0, outcome: 'reached', asManager: false })
        .kind,
    ).toBe('AlreadyClaimed');
  });

  it('lets a manager resolve someone else’s call, keeping the claimer', () => {
    const { episode: next } = accepted(claimedByAna(), {
      type: 'resolve',
      actor: manager,
      at: T0,
      outcome: 'wrong_number',
      asManager: true,
    });
    expect(next).toMatchObject({ claimedBy: ana, resolvedBy: manager, outcome: 'wrong_number' });
  });

  it('is refused the second time', () => {
    expect(
      refused(resolvedByAna(), {
        type: 'resolve',
        actor: ana,
        at: T0,
        outcome: 'voicemail',
        asManager: false,
      }).kind,
    ).toBe('AlreadyResolved');
  });
});

describe('auto_resolve', () => {
  it.each(['open', 'claimed', 'calling'] as const)('resolves a %s call as reached', (state) => {
    let current = episode();
    if (state !== 'open') current = claimedByAna();
    if (state === 'calling')
      current = accepted(current, { type: 'callback', actor: ana, at: T0 + 1 }).episode;
    const { episode: next, events } = accepted(current, {
      type: 'auto_resolve',
      at: T0 + 99,
      actor: ben,
      providerCallKey: 'aircall:9',
    });
    expect(next).toMatchObject({
      state: 'resolved',
      outcome: 'reached',
      autoResolved: true,
      resolvedBy: ben,
      resolvedAt: T0 + 99,
    });
    expect(events).toEqual([
      { type: 'auto_resolved', actor: ben, at: T0 + 99, providerCallKey: 'aircall:9' },
    ]);
  });

  it('works without knowing the agent', () => {
    expect(
      accepted(episode(), { type: 'auto_resolve', at: T0, actor: null, providerCallKey: 'k' }).episode
        .resolvedBy,
    ).toBeNull();
  });

  it('leaves an already resolved call untouched (late or repeated events)', () => {
    const current = resolvedByAna();
    const decision = accepted(current, {
      type: 'auto_resolve',
      at: T0 + 500_000,
      actor: ben,
      providerCallKey: 'k',
    });
    expect(decision.events).toEqual([]);
    expect(decision.episode).toBe(current);
  });
});

describe('add_call', () => {
  it('counts the call and moves the last call time', () => {
    const { episode: next, events } = accepted(episode(), {
      type: 'add_call',
      at: T0 + 600_000,
      providerCallKey: 'aircall:2',
    });
    expect(next).toMatchObject({ callCount: 2, missedAt: T0, lastCallAt: T0 + 600_000 });
    expect(events).toEqual([
      { type: 'call_joined', at: T0 + 600_000, callCount: 2, providerCallKey: 'aircall:2' },
    ]);
  });

  it('moves the first missed time back when an older call arrives late', () => {
    const { episode: next } = accepted(episode(), {
      type: 'add_call',
      at: T0 - 60_000,
      providerCallKey: 'aircall:0',
    });
    expect(next).toMatchObject({ missedAt: T0 - 60_000, lastCallAt: T0 });
  });

  it('keeps the claim of a claimed episode', () => {
    expect(
      accepted(claimedByAna(), { type: 'add_call', at: T0 + 1, providerCallKey: 'k' }).episode.claimedBy,
    ).toEqual(ana);
  });

  it('is refused once resolved, so the caller gets a new card', () => {
    expect(refused(resolvedByAna(), { type: 'add_call', at: T0, providerCallKey: 'k' }).kind).toBe(
      'AlreadyResolved',
    );
  });
});

describe('late_join', () => {
  it('joins a call from before the resolution to the resolved episode, which stays resolved', () => {
    const resolved = resolvedByAna();
    const { episode: next, events } = accepted(resolved, {
      type: 'late_join',
      at: T0 + 30_000,
      endedAt: T0 + 50_000,
      providerCallKey: 'aircall:late',
    });
    expect(next).toMatchObject({
      state: 'resolved',
      outcome: 'reached',
      callCount: 2,
      missedAt: T0,
      lastCallAt: T0 + 30_000,
      version: resolved.version + 1,
    });
    expect(events).toEqual([
      { type: 'call_joined', at: T0 + 30_000, callCount: 2, providerCallKey: 'aircall:late' },
    ]);
  });

  it('is refused for a call that came in after the resolution, so the caller gets a new card', () => {
    const resolved = resolvedByAna();
    expect(
      refused(resolved, { type: 'late_join', at: T0 + 120_000, endedAt: T0 + 150_000, providerCallKey: 'k' })
        .kind,
    ).toBe('AlreadyResolved');
  });

  describe.each(OUTCOMES.filter((outcome) => outcome !== 'reached'))(
    'by an episode resolved %s',
    (outcome) => {
      const resolved = () =>
        accepted(claimedByAna(), {
          type: 'resolve',
          actor: ana,
          at: T0 + 120_000,
          outcome,
          asManager: false,
        }).episode;

      it('is refused for a call still going on then: the caller was not reached, and is still owed a call back', () => {
        expect(
          refused(resolved(), {
            type: 'late_join',
            at: T0 + 30_000,
            endedAt: T0 + 150_000,
            providerCallKey: 'k',
          }).kind,
        ).toBe('AlreadyResolved');
      });

      it('takes a call over by then, as it would have had it been delivered in order', () => {
        const { episode: next } = accepted(resolved(), {
          type: 'late_join',
          at: T0 + 30_000,
          endedAt: T0 + 50_000,
          providerCallKey: 'k',
        });
        expect(next).toMatchObject({ state: 'resolved', outcome, callCount: 2 });
      });
    },
  );

  it('joins a call still ringing when an answered call back resolved the episode (call waiting)', () => {
    const { episode: next } = accepted(resolvedByAna(), {
      type: 'late_join',
      at: T0 + 30_000,
      endedAt: T0 + 150_000,
      providerCallKey: 'k',
    });
    expect(next).toMatchObject({ state: 'resolved', callCount: 2 });
  });

  it('joins an episode an answered call back resolved (auto-resolved: reached)', () => {
    const auto = accepted(episode(), {
      type: 'auto_resolve',
      at: T0 + 120_000,
      actor: null,
      providerCallKey: 'aircall:back',
    }).episode;
    const { episode: next } = accepted(auto, {
      type: 'late_join',
      at: T0 + 30_000,
      endedAt: T0 + 50_000,
      providerCallKey: 'k',
    });
    expect(next).toMatchObject({ state: 'resolved', callCount: 2 });
  });

  it('joins an episode that is still open like any repeat call', () => {
    const { episode: next } = accepted(claimedByAna(), {
      type: 'late_join',
      at: T0 - 60_000,
      endedAt: T0 - 40_000,
      providerCallKey: 'k',
    });
    expect(next).toMatchObject({ state: 'claimed', callCount: 2, missedAt: T0 - 60_000 });
  });
});

describe('release_card', () => {
  it('lets a held card out with a card_released event and a new version', () => {
    const current = episode();
    const { episode: next, events } = accepted(current, { type: 'release_card', at: T0 + 3_600_000 });
    expect(events).toEqual([{ type: 'card_released', at: T0 + 3_600_000 }]);
    expect(next).toEqual({ ...current, version: current.version + 1 });
  });

  it('is refused once the call is resolved: there is no card left to show', () => {
    expect(refused(resolvedByAna(), { type: 'release_card', at: T0 }).kind).toBe('AlreadyResolved');
  });
});

describe('link_ticket', () => {
  it('sets the ticket of an episode without one and says so with ticket_linked', () => {
    const { episode: next, events } = accepted(episode(), { type: 'link_ticket', at: T0, ticketId: 456 });
    expect(next).toMatchObject({ zendeskTicketId: 456, version: 2 });
    expect(events).toEqual([{ type: 'ticket_linked', at: T0, ticketId: 456 }]);
  });

  it('links the ticket of a resolved episode too (a call resolved before its ticket existed)', () => {
    const { episode: next } = accepted(resolvedByAna(), { type: 'link_ticket', at: T0, ticketId: 7 });
    expect(next).toMatchObject({ state: 'resolved', zendeskTicketId: 7 });
  });

  it('keeps the first ticket: a second link changes nothing', () => {
    const linked = episode({ zendeskTicketId: 456 });
    const decision = accepted(linked, { type: 'link_ticket', at: T0, ticketId: 999 });
    expect(decision.events).toEqual([]);
    expect(decision.episode).toBe(linked);
  });

  it('puts the follow-up of its closed ticket in its place, and only of that ticket', () => {
    const linked = episode({ zendeskTicketId: 456 });
    const { episode: next, events } = accepted(linked, {
      type: 'link_ticket',
      at: T0,
      ticketId: 789,
      followUpOf: 456,
    });
    expect(next).toMatchObject({ zendeskTicketId: 789 });
    expect(events).toEqual([{ type: 'ticket_linked', at: T0, ticketId: 789, followUpOf: 456 }]);
    // A follow-up of some other ticket (the episode moved on meanwhile) changes nothing.
    const stale = accepted(next, { type: 'link_ticket', at: T0, ticketId: 999, followUpOf: 456 });
    expect(stale.events).toEqual([]);
    expect(stale.episode.zendeskTicketId).toBe(789);
  });
});

describe('name_caller', () => {
  const nameless = () => episode({ caller: { number: '+33612345678', name: null } });

  it('names a caller the episode had no name for, as a new version, and says so with caller_named', () => {
    const { episode: next, events } = accepted(nameless(), { type: 'name_caller', at: T0, name: 'Zoe Test' });
    expect(next).toMatchObject({ caller: { number: '+33612345678', name: 'Zoe Test' }, version: 2 });
    expect(events).toEqual([{ type: 'caller_named', at: T0, name: 'Zoe Test' }]);
  });

  it('names the caller of a resolved episode too, leaving it resolved', () => {
    const { episode: next } = accepted(resolvedByAna(nameless()), {
      type: 'name_caller',
      at: T0 + 180_000,
      name: 'Zoe',
    });
    expect(next).toMatchObject({ state: 'resolved', outcome: 'reached', caller: { name: 'Zoe' } });
  });

  it('keeps the name the episode has: a different one from a later delivery changes nothing', () => {
    const named = episode();
    const decision = accepted(named, { type: 'name_caller', at: T0, name: 'M. Dupont (old contact)' });
    expect(decision.events).toEqual([]);
    expect(decision.episode).toBe(named);
  });

  it('changes nothing for a blank name, and names once when told twice', () => {
    expect(accepted(nameless(), { type: 'name_caller', at: T0, name: '  ' }).events).toEqual([]);
    const once = accepted(nameless(), { type: 'name_caller', at: T0, name: ' Zoe Test ' }).episode;
    expect(once.caller.name).toBe('Zoe Test');
    expect(accepted(once, { type: 'name_caller', at: T0 + 1, name: 'Zoe Test' }).events).toEqual([]);
  });
});

describe('escalate', () => {
  it('raises the level and remembers when', () => {
    const { episode: next } = accepted(episode(), { type: 'escalate', at: T0 + 900_000, level: 1, step: 1 });
    expect(next).toMatchObject({ escalationLevel: 1, escalatedAt: T0 + 900_000 });
  });

  it('remembers the step of its own ladder apart from the level over the episode', () => {
    const twice = accepted(episode(), { type: 'escalate', at: T0, level: 2, step: 2 }).episode;
    // The ladder re-armed by a release fires its first step as the episode's third escalation.
    const { episode: next, events } = accepted(twice, { type: 'escalate', at: T0 + 1, level: 3, step: 1 });
    expect(next).toMatchObject({ escalationLevel: 3, escalationStep: 1 });
    expect(events).toEqual([{ type: 'escalated', at: T0 + 1, level: 3, step: 1 }]);
  });

  it('refuses the same or a lower step twice', () => {
    const once = accepted(episode(), { type: 'escalate', at: T0, level: 2, step: 2 }).episode;
    expect(refused(once, { type: 'escalate', at: T0, level: 2, step: 2 })).toEqual({
      kind: 'StaleEscalation',
      level: 2,
    });
    expect(refused(once, { type: 'escalate', at: T0, level: 1, step: 1 }).kind).toBe('StaleEscalation');
  });

  it('is refused once resolved', () => {
    expect(refused(resolvedByAna(), { type: 'escalate', at: T0, level: 1, step: 1 }).kind).toBe(
      'AlreadyResolved',
    );
  });
});

describe('purity', () => {
  it('never mutates the episode it is given', () => {
    const current = claimedByAna();
    const frozen = structuredClone(current);
    decide(current, { type: 'callback', actor: ana, at: T0 });
    decide(current, { type: 'resolve', actor: ana, at: T0, outcome: 'reached', asManager: false });
    decide(current, { type: 'release', actor: ana, at: T0, asManager: false });
    expect(current).toEqual(frozen);
  });

  it('increments the version exactly once per accepted change', () => {
    const { episode: next } = accepted(episode(), { type: 'callback', actor: ana, at: T0 });
    expect(next.version).toBe(2);
  });
});

describe('sameActor', () => {
  it('matches by id or by email, case-insensitively, never by name', () => {
    expect(sameActor(ana, { ...ana, surface: 'teams', id: 'teams:x', email: 'ANA@example.com' })).toBe(true);
    expect(sameActor(ana, { ...ben, name: 'Ana' })).toBe(false);
    expect(sameActor({ ...ana, email: null }, { ...ana, id: 'teams:x', email: null })).toBe(false);
  });
});

describe('describeRefusal', () => {
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  it('names the holder and the time', () => {
    expect(describeRefusal({ kind: 'AlreadyClaimed', by: ana, at: T0 }, at)).toBe(
      'Ana already has this call (since 09:32).',
    );
  });
  it('explains who may release', () => {
    expect(describeRefusal({ kind: 'NotClaimer', claimedBy: ana }, at)).toBe(
      'Only Ana or a manager can release this call.',
    );
  });
  it('handles an unknown resolver', () => {
    expect(describeRefusal({ kind: 'AlreadyResolved', by: null, at: T0, outcome: 'reached' }, at)).toBe(
      'This call was already resolved at 09:32.',
    );
  });
});
