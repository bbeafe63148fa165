import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { planFromReactions } from '../../../src/app/intents.js';
import { claimDeadline, claimDueAt } from '../../../src/app/sla.js';
import { parseRouting } from '../../../src/config/load.js';
import { BusinessCalendar } from '../../../src/domain/businessHours.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import {
  type ChainStep,
  dmRecipients,
  escalationText,
  reminderDueAt,
  reminderStillDue,
  reminderText,
  stepVerdict,
} from '../../../src/domain/escalation.js';
import {
  ESCALATION_STEP_JOB,
  escalationTranslator,
  REMINDER_JOB,
  stepJob,
} from '../../../src/timers/escalation.js';
import { ana, ben, episode } from '../../helpers/episodes.js';

const MINUTE = 60_000;
const PARIS = 'Europe/Paris';
const local = (text: string) => DateTime.fromISO(text, { zone: PARIS }).toMillis();
const show = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : DateTime.fromMillis(ms, { zone: PARIS }).toFormat('ccc HH:mm');

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Sales
    match: { number: "+33100000000" }
  - name: Support FR
    match: "*"
    country: FR
    sla: { claimWithin: 15m, resolveWithin: 2h }
    escalate:
      - { after: 15m, notify: "@here" }
      - { after: 30m, notify: "<!subteam^S0123>", to: managers }
    businessHours: { mon-fri: "09:00-18:00" }
`,
  'test',
);

const claimStep = (overrides: Partial<ChainStep> = {}): ChainStep => ({
  chain: 'claim',
  anchor: local('2026-11-19T10:00'),
  step: 1,
  level: 1,
  claimedAt: null,
  ...overrides,
});

describe('escalation ladder', () => {
  describe('when a step comes due', () => {
    const missedAt = local('2026-11-19T10:00');
    const open = episode({ missedAt, lastCallAt: missedAt });

    it('fires for an open call that nobody released since the chain was armed', () => {
      expect(stepVerdict(open, claimStep(), null)).toEqual({ fire: true });
    });

    it('does nothing once the call is claimed', () => {
      const claimed = { ...open, state: 'claimed' as const, claimedBy: ana, claimedAt: missedAt + MINUTE };
      expect(stepVerdict(claimed, claimStep(), null)).toEqual({ fire: false, why: 'claimed' });
    });

    it('does nothing once the call is resolved', () => {
      const resolved = {
        ...open,
        state: 'resolved' as const,
        outcome: 'reached' as const,
        resolvedAt: missedAt,
      };
      expect(stepVerdict(resolved, claimStep(), null)).toEqual({ fire: false, why: 'resolved' });
    });

    it('does nothing when it belongs to a chain armed before the latest release', () => {
      expect(stepVerdict(open, claimStep(), missedAt + 5 * MINUTE)).toEqual({ fire: false, why: 'released' });
      expect(stepVerdict(open, claimStep({ anchor: missedAt + 5 * MINUTE }), missedAt + 5 * MINUTE)).toEqual({
        fire: true,
      });
    });

    it('does nothing when its level already fired (a second run of the same job)', () => {
      expect(stepVerdict({ ...open, escalationLevel: 1 }, claimStep(), null)).toEqual({
        fire: false,
        why: 'already_fired',
      });
    });

    it('fires a resolve-chain step only for the claim it was armed for', () => {
      const claimedAt = missedAt + MINUTE;
      const claimed = { ...open, state: 'calling' as const, claimedBy: ana, claimedAt };
      const step = claimStep({ chain: 'resolve', claimedAt });
      expect(stepVerdict(claimed, step, null)).toEqual({ fire: true });
      expect(stepVerdict({ ...claimed, claimedAt: claimedAt + MINUTE }, step, null)).toEqual({
        fire: false,
        why: 'other_claim',
      });
      expect(stepVerdict(open, step, null)).toEqual({ fire: false, why: 'not_claimed' });
    });
  });

  describe('step jobs', () => {
    it('are due after the step duration in business time, with a key per episode, arming and step', () => {
      const missedAt = local('2026-11-19T17:59');
      const job = stepJob(routing, episode({ id: 'ep-9', missedAt }), claimStep({ anchor: missedAt }));
      expect(job?.kind).toBe(ESCALATION_STEP_JOB);
      expect(show(job?.runAt)).toBe('Fri 09:14');
      expect(job?.dedupeKey).toBe(`escalation:ep-9:claim:${missedAt}:1`);
    });

    it('stop after the last step of the ladder', () => {
      expect(stepJob(routing, episode(), claimStep({ step: 3 }))).toBeNull();
    });
  });

  describe('the planner', () => {
    const missedAt = local('2026-11-19T10:00');
    const plan = planFromReactions(routing, () => [escalationTranslator(routing)]);

    it('arms the first step when an episode opens', () => {
      const opened = episode({ missedAt, lastCallAt: missedAt });
      const events: DomainEvent[] = [{ type: 'opened', at: missedAt, providerCallKey: 'aircall:1' }];
      const jobs = plan({ episode: opened, previous: null, events });
      expect(jobs).toHaveLength(1);
      expect(show(jobs[0]?.runAt)).toBe('Thu 10:15');
      expect(jobs[0]?.payload).toMatchObject({ chain: 'claim', step: 1, level: 1, anchor: missedAt });
    });

    it('re-arms the ladder from the release, one level up', () => {
      const releasedAt = local('2026-11-19T11:00');
      const released = episode({ missedAt, escalationLevel: 2, version: 7 });
      const events: DomainEvent[] = [{ type: 'released', actor: ana, at: releasedAt, previous: ana }];
      const jobs = plan({ episode: released, previous: null, events });
      expect(show(jobs[0]?.runAt)).toBe('Thu 11:15');
      expect(jobs[0]?.payload).toMatchObject({ anchor: releasedAt, step: 1, level: 3 });
    });

    it('arms the claimer reminder at the resolve deadline when a call is claimed', () => {
      const claimedAt = local('2026-11-19T10:05');
      const claimed = episode({ missedAt, state: 'claimed', claimedBy: ben, claimedAt });
      const events: DomainEvent[] = [{ type: 'claimed', actor: ben, at: claimedAt, implicit: false }];
      const jobs = plan({ episode: claimed, previous: null, events });
      expect(jobs.map((j) => j.kind)).toEqual([REMINDER_JOB]);
      expect(show(jobs[0]?.runAt)).toBe('Thu 12:00');
      expect(jobs[0]?.dedupeKey).toBe(`reminder:ep-1:${claimedAt}`);
    });

    it('arms nothing for a call resolved in the same click, nor for a line without a ladder', () => {
      const at = local('2026-11-19T10:05');
      const resolved = episode({
        missedAt,
        state: 'resolved',
        claimedBy: ben,
        claimedAt: at,
        resolvedAt: at,
      });
      const events: DomainEvent[] = [
        { type: 'claimed', actor: ben, at, implicit: true },
        { type: 'resolved', actor: ben, at, outcome: 'reached' },
      ];
      expect(plan({ episode: resolved, previous: null, events })).toEqual([]);
      const sales = episode({ line: 'Sales', missedAt });
      expect(
        plan({ episode: sales, previous: null, events: [{ type: 'opened', at, providerCallKey: 'x' }] }),
      ).toEqual([]);
    });
  });

  describe('the reminder', () => {
    const hours = new BusinessCalendar({
      zone: PARIS,
      schedule: routing.lines.find((l) => l.name === 'Support FR')?.businessHours ?? null,
      holidays: [],
    });

    it('is due at the resolve deadline counted in business hours', () => {
      const missedAt = local('2026-11-19T17:00');
      expect(
        show(reminderDueAt(hours, { missedAt, claimedAt: missedAt + MINUTE }, 2 * 60 * MINUTE, true)),
      ).toBe('Fri 10:00');
    });

    it('gives a call claimed after its deadline a full window from the claim', () => {
      const missedAt = local('2026-11-19T09:00');
      const claimedAt = local('2026-11-19T12:00');
      expect(show(reminderDueAt(hours, { missedAt, claimedAt }, 2 * 60 * MINUTE, true))).toBe('Thu 14:00');
    });

    it('is still due only for the same claim of an unresolved call', () => {
      const claimedAt = local('2026-11-19T10:00');
      const claimed = episode({ state: 'claimed', claimedBy: ana, claimedAt });
      expect(reminderStillDue(claimed, claimedAt)).toBe(true);
      expect(reminderStillDue({ ...claimed, claimedAt: claimedAt + 1 }, claimedAt)).toBe(false);
      expect(reminderStillDue({ ...claimed, state: 'resolved' }, claimedAt)).toBe(false);
    });
  });

  describe('who a direct-message step writes to', () => {
    it('is the people it names, by Slack id or email', () => {
      expect(dmRecipients('<@U0123ABC> boss@example.com')).toEqual([
        { id: 'slack:U0123ABC', name: 'U0123ABC', email: null, surface: 'slack' },
        {
          id: 'email:boss@example.com',
          name: 'boss@example.com',
          email: 'boss@example.com',
          surface: 'system',
        },
      ]);
    });

    it('is the managers of the routing file otherwise', () => {
      expect(dmRecipients('managers')).toBe('managers');
      expect(dmRecipients('@here')).toBe('managers');
    });
  });

  describe('the words', () => {
    const missedAt = local('2026-11-19T10:00');
    const context = {
      timezone: PARIS,
      lineCountry: 'FR',
      waitedMs: 15 * MINUTE,
      now: missedAt + 15 * MINUTE,
    };

    it('name the caller, the line, the time and how long it waited', () => {
      const text = escalationText(episode({ missedAt, callCount: 2 }), claimStep(), context);
      expect(text).toBe(
        'Still unclaimed after 15m: missed call from Marie Dupont (01 76 36 06 95) on Support FR at 10:00 (2 calls).',
      );
    });

    it('name the claimer on the resolve chain and in the reminder', () => {
      const claimed = episode({
        missedAt,
        state: 'claimed',
        claimedBy: ana,
        claimedAt: missedAt + 5 * MINUTE,
      });
      expect(escalationText(claimed, claimStep({ chain: 'resolve' }), context)).toContain(
        'claimed by Ana at 10:05',
      );
      expect(reminderText(claimed, 2 * 60 * MINUTE, context)).toBe(
        'Reminder: you claimed the missed call from Marie Dupont (01 76 36 06 95) on Support FR at 10:05 and it is not resolved yet (target: within 2h 00m). No call-back attempt yet.',
      );
    });

    it('give the day of a moment that is not today, so a step fired the next morning does not read as today', () => {
      const evening = local('2026-11-19T17:59');
      const nextMorning = { ...context, now: local('2026-11-20T09:14') };
      expect(escalationText(episode({ missedAt: evening }), claimStep(), nextMorning)).toBe(
        'Still unclaimed after 15m: missed call from Marie Dupont (01 76 36 06 95) on Support FR at Thu 19 Nov 17:59.',
      );
    });
  });

  describe('when the claim is due, for the card', () => {
    it('counts business time from the missed call: 17:59 with 15 minutes is due at the next opening plus 14', () => {
      const open = episode({ missedAt: local('2026-11-19T17:59') });
      expect(show(claimDueAt(open, routing))).toBe('Fri 09:14');
      expect(show(claimDeadline(open, routing))).toBe('Fri 09:14');
    });

    it('is null once claimed and for lines without a claim SLA', () => {
      expect(claimDueAt(episode({ state: 'claimed', claimedBy: ana }), routing)).toBeNull();
      expect(claimDueAt(episode({ line: 'Sales' }), routing)).toBeNull();
    });
  });
});
