/** decide() for the callback workflow: snooze, come due, retries with the attempt log, requests, number, follow-up. */
import { describe, expect, it } from 'vitest';
import { type Command, type Decision, decide, describeRefusal } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { ana, ben, episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;

function accepted(decision: Decision): Extract<Decision, { ok: true }> {
  if (!decision.ok) throw new Error(`refused: ${JSON.stringify(decision.refusal)}`);
  return decision;
}

function run(start: Episode, ...commands: Command[]): Episode {
  return commands.reduce((current, command) => accepted(decide(current, command)).episode, start);
}

const claimed = run(episode(), { type: 'claim', actor: ana, at: T0 + MIN });

describe('snooze (call back later)', () => {
  it('sets when the call comes due, keeps the claimer and says so', () => {
    const d = accepted(
      decide(claimed, {
        type: 'snooze',
        actor: ana,
        at: T0 + 2 * MIN,
        dueAt: T0 + 60 * MIN,
        asManager: false,
      }),
    );
    expect(d.episode).toMatchObject({
      state: 'claimed',
      claimedBy: ana,
      dueAt: T0 + 60 * MIN,
      snoozedAt: T0 + 2 * MIN,
      dueRemindedAt: null,
    });
    expect(d.events).toEqual([
      { type: 'snoozed', actor: ana, at: T0 + 2 * MIN, dueAt: T0 + 60 * MIN, reason: 'asked' },
    ]);
  });

  it('takes an unclaimed call for the one who snoozes it', () => {
    const d = accepted(
      decide(episode(), { type: 'snooze', actor: ben, at: T0 + MIN, dueAt: T0 + 30 * MIN, asManager: false }),
    );
    expect(d.episode.claimedBy).toEqual(ben);
    expect(d.events.map((e) => e.type)).toEqual(['claimed', 'snoozed']);
  });

  it('brings a call being dialled back to claimed', () => {
    const calling = run(claimed, { type: 'callback', actor: ana, at: T0 + 2 * MIN });
    expect(calling.state).toBe('calling');
    const snoozed = run(calling, {
      type: 'snooze',
      actor: ana,
      at: T0 + 3 * MIN,
      dueAt: T0 + 90 * MIN,
      asManager: false,
    });
    expect(snoozed.state).toBe('claimed');
  });

  it('is refused to someone else, unless a manager', () => {
    const command = { type: 'snooze', actor: ben, at: T0 + 2 * MIN, dueAt: T0 + 60 * MIN } as const;
    const refused = decide(claimed, { ...command, asManager: false });
    expect(refused).toEqual({
      ok: false,
      refusal: { kind: 'OnlyClaimer', claimedBy: ana, action: 'snooze' },
    });
    if (!refused.ok)
      expect(describeRefusal(refused.refusal, String)).toBe('Only Ana or a manager can snooze this call.');
    const managed = accepted(decide(claimed, { ...command, asManager: true }));
    // A manager's snooze reminds the claimer, not the manager.
    expect(managed.episode.claimedBy).toEqual(ana);
  });

  it('is refused when due at or before now, and on a resolved call', () => {
    expect(
      decide(claimed, {
        type: 'snooze',
        actor: ana,
        at: T0 + 5 * MIN,
        dueAt: T0 + 5 * MIN,
        asManager: false,
      }),
    ).toEqual({ ok: false, refusal: { kind: 'DueNotAhead', dueAt: T0 + 5 * MIN } });
    const resolved = run(claimed, {
      type: 'resolve',
      actor: ana,
      at: T0 + 3 * MIN,
      outcome: 'reached',
      asManager: false,
    });
    const refused = decide(resolved, {
      type: 'snooze',
      actor: ana,
      at: T0 + 4 * MIN,
      dueAt: T0 + 60 * MIN,
      asManager: false,
    });
    expect(refused.ok).toBe(false);
  });

  it('is ended by calling back, releasing, resolving or an automatic resolve', () => {
    const snoozed = run(claimed, {
      type: 'snooze',
      actor: ana,
      at: T0 + 2 * MIN,
      dueAt: T0 + 60 * MIN,
      asManager: false,
    });
    const ends: Command[] = [
      { type: 'callback', actor: ana, at: T0 + 3 * MIN },
      { type: 'release', actor: ana, at: T0 + 3 * MIN, asManager: false },
      { type: 'resolve', actor: ana, at: T0 + 3 * MIN, outcome: 'reached', asManager: false },
      { type: 'auto_resolve', at: T0 + 3 * MIN, actor: null, providerCallKey: 'aircall:9' },
    ];
    for (const end of ends) {
      expect(run(snoozed, end)).toMatchObject({ dueAt: null, snoozedAt: null, dueRemindedAt: null });
    }
  });
});

describe('come_due', () => {
  const snoozed = run(claimed, {
    type: 'snooze',
    actor: ana,
    at: T0 + 2 * MIN,
    dueAt: T0 + 60 * MIN,
    asManager: false,
  });

  it('marks the call due once, naming the claimer to remind', () => {
    const first = accepted(decide(snoozed, { type: 'come_due', at: T0 + 60 * MIN, dueAt: T0 + 60 * MIN }));
    expect(first.episode.dueRemindedAt).toBe(T0 + 60 * MIN);
    expect(first.events).toEqual([
      { type: 'came_due', at: T0 + 60 * MIN, dueAt: T0 + 60 * MIN, claimer: ana },
    ]);
    const again = accepted(
      decide(first.episode, { type: 'come_due', at: T0 + 61 * MIN, dueAt: T0 + 60 * MIN }),
    );
    expect(again.events).toEqual([]);
  });

  it('does nothing for a snooze that was replaced, or once resolved', () => {
    const moved = run(snoozed, {
      type: 'snooze',
      actor: ana,
      at: T0 + 3 * MIN,
      dueAt: T0 + 120 * MIN,
      asManager: false,
    });
    expect(
      accepted(decide(moved, { type: 'come_due', at: T0 + 60 * MIN, dueAt: T0 + 60 * MIN })).events,
    ).toEqual([]);
    const resolved = run(snoozed, {
      type: 'resolve',
      actor: ana,
      at: T0 + 3 * MIN,
      outcome: 'reached',
      asManager: false,
    });
    expect(
      accepted(decide(resolved, { type: 'come_due', at: T0 + 60 * MIN, dueAt: T0 + 60 * MIN })).events,
    ).toEqual([]);
  });
});

describe('resolve with a retry policy', () => {
  const retry = (nextDueAt: number | null) => ({ attempts: 2, nextDueAt });
  const noAnswer = (at: number, nextDueAt: number | null = at + 30 * MIN): Command => ({
    type: 'resolve',
    actor: ana,
    at,
    outcome: 'no_answer',
    asManager: false,
    retry: retry(nextDueAt),
  });

  it('records a failed attempt before the last and snoozes until the next one instead of resolving', () => {
    const d = accepted(decide(claimed, noAnswer(T0 + 5 * MIN)));
    expect(d.episode).toMatchObject({
      state: 'claimed',
      outcome: null,
      resolvedAt: null,
      dueAt: T0 + 35 * MIN,
      attemptLog: [{ at: T0 + 5 * MIN, by: ana, result: 'no_answer' }],
    });
    expect(d.events.map((e) => e.type)).toEqual(['attempt_logged', 'snoozed']);
    expect(d.events[0]).toMatchObject({ attempt: 1, of: 2, result: 'no_answer' });
    expect(d.events[1]).toMatchObject({ reason: 'retry', dueAt: T0 + 35 * MIN });
  });

  it('counts a try by its result: a redial within one try (two Call back clicks) is still attempt 1', () => {
    const redialled = run(
      claimed,
      { type: 'callback', actor: ana, at: T0 + 2 * MIN },
      { type: 'callback', actor: ana, at: T0 + 3 * MIN },
    );
    const d = accepted(decide(redialled, noAnswer(T0 + 5 * MIN)));
    expect(d.events[0]).toMatchObject({ type: 'attempt_logged', attempt: 1, of: 2 });
    expect(d.episode).toMatchObject({ state: 'claimed', attempts: 2, dueAt: T0 + 35 * MIN });
  });

  it('resolves on the last attempt, with the whole log', () => {
    const done = run(claimed, noAnswer(T0 + 5 * MIN), noAnswer(T0 + 40 * MIN));
    expect(done).toMatchObject({ state: 'resolved', outcome: 'no_answer', dueAt: null });
    expect(done.attemptLog.map((a) => a.at)).toEqual([T0 + 5 * MIN, T0 + 40 * MIN]);
    const last = accepted(decide(run(claimed, noAnswer(T0 + 5 * MIN)), noAnswer(T0 + 40 * MIN)));
    expect(last.events.map((e) => e.type)).toEqual(['attempt_logged', 'resolved']);
  });

  it('resolves at once on an outcome other than no_answer, and logs it as an attempt', () => {
    const d = accepted(
      decide(claimed, {
        type: 'resolve',
        actor: ana,
        at: T0 + 5 * MIN,
        outcome: 'voicemail',
        asManager: false,
        retry: retry(T0),
      }),
    );
    expect(d.episode.state).toBe('resolved');
    expect(d.episode.attemptLog).toHaveLength(1);
  });

  it('does not count "not needed" as an attempt', () => {
    const d = accepted(
      decide(claimed, {
        type: 'resolve',
        actor: ana,
        at: T0 + 5 * MIN,
        outcome: 'not_needed',
        asManager: false,
      }),
    );
    expect(d.episode.attemptLog).toEqual([]);
    expect(d.events.map((e) => e.type)).toEqual(['resolved']);
  });

  it('resolves when the line never opens again (no next attempt possible)', () => {
    expect(run(claimed, noAnswer(T0 + 5 * MIN, null)).state).toBe('resolved');
  });
});

describe('callback requests, numbers and the follow-up', () => {
  it('notes a request once, keeps the earliest time, and reports Aircall’s own retries as they change', () => {
    const first = accepted(
      decide(episode(), {
        type: 'note_callback_request',
        at: T0 + MIN,
        requestedAt: T0,
        number: null,
        autoCallback: null,
      }),
    );
    expect(first.episode).toMatchObject({ callbackRequested: true, callbackRequestedAt: T0 });
    expect(first.events).toEqual([
      { type: 'callback_request_noted', at: T0 + MIN, first: true, number: null, autoCallback: null },
    ]);
    const same = decide(first.episode, {
      type: 'note_callback_request',
      at: T0 + 2 * MIN,
      requestedAt: T0 + MIN,
      number: null,
      autoCallback: null,
    });
    expect(accepted(same).events).toEqual([]);
    const retrying = accepted(
      decide(first.episode, {
        type: 'note_callback_request',
        at: T0 + 3 * MIN,
        requestedAt: T0,
        number: '+33611111111',
        autoCallback: 'retrying',
      }),
    );
    expect(retrying.episode).toMatchObject({ autoCallback: 'retrying', callbackNumber: '+33611111111' });
    expect(retrying.events[0]).toMatchObject({ first: false, autoCallback: 'retrying' });
  });

  it('lets the claimer (or anyone on an unclaimed call, or a manager) set the number to call back on', () => {
    const set = accepted(
      decide(claimed, {
        type: 'set_callback_number',
        actor: ana,
        at: T0 + 2 * MIN,
        number: '+33622222222',
        asManager: false,
      }),
    );
    expect(set.episode.callbackNumber).toBe('+33622222222');
    expect(
      decide(claimed, {
        type: 'set_callback_number',
        actor: ben,
        at: T0 + 2 * MIN,
        number: '+33622222222',
        asManager: false,
      }),
    ).toMatchObject({ ok: false, refusal: { kind: 'OnlyClaimer', action: 'change the number' } });
    expect(
      decide(episode(), {
        type: 'set_callback_number',
        actor: ben,
        at: T0 + 2 * MIN,
        number: '+33622222222',
        asManager: false,
      }).ok,
    ).toBe(true);
  });

  it('records the follow-up result exactly once', () => {
    const sent = run(episode(), { type: 'note_follow_up', at: T0, result: 'sent' });
    expect(sent.followUp).toBe('sent');
    expect(accepted(decide(sent, { type: 'note_follow_up', at: T0 + 1, result: 'no_email' })).events).toEqual(
      [],
    );
  });
});
