/** A high-priority rule's own escalation ladder: armed when the call turns high, used when the step fires. */
import { describe, expect, it } from 'vitest';
import { react } from '../../../src/app/reactions.js';
import { parseRouting } from '../../../src/config/load.js';
import { stepJob } from '../../../src/timers/escalation.js';
import { episode, T0 } from '../../helpers/episodes.js';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    escalate: [{ after: 30m, notify: "@here" }]
priority:
  - { name: VIP, when: { zendeskTag: vip }, level: high, escalate: [{ after: 5m, notify: "<!subteam^S0VIP>" }] }
  - { when: { callbackRequested: true }, level: high }
`,
  'test',
);

const step = { chain: 'claim' as const, anchor: T0, step: 1, level: 1, claimedAt: null };

describe('the ladder of a high call', () => {
  it('fires the rule’s first step, under its own job key', () => {
    const vip = stepJob(routing, episode({ missedAt: T0, priority: 'high', priorityRule: 'VIP' }), step);
    const normal = stepJob(routing, episode({ missedAt: T0 }), step);
    expect(vip?.runAt).toBe(T0 + 5 * 60_000);
    expect(normal?.runAt).toBe(T0 + 30 * 60_000);
    expect(vip?.dedupeKey).not.toBe(normal?.dedupeKey);
    // A high rule without a ladder keeps the line's, and its job key.
    const other = stepJob(routing, episode({ missedAt: T0, priority: 'high', priorityRule: '#2' }), step);
    expect(other).toEqual(normal);
  });

  it('is armed when an open call turns high under a rule with a ladder', () => {
    const raised = {
      type: 'priority_set',
      at: T0 + 1_000,
      level: 'high',
      previous: 'normal',
      because: null,
    } as const;
    const vip = react(
      {
        episode: episode({ missedAt: T0, priority: 'high', priorityRule: 'VIP' }),
        previous: episode(),
        events: [{ ...raised, rule: 'VIP' }],
      },
      routing,
    );
    expect(vip).toContainEqual({ kind: 'timer.claimLadder', anchor: T0 });
    const plain = react(
      {
        episode: episode({ missedAt: T0, priority: 'high', priorityRule: '#2' }),
        previous: episode(),
        events: [{ ...raised, rule: '#2' }],
      },
      routing,
    );
    expect(plain.map((i) => i.kind)).not.toContain('timer.claimLadder');
  });

  it('counts from the latest release for a call claimed and released before it turned high', () => {
    const releasedAt = T0 + 3 * 60_000;
    const raised = {
      type: 'priority_set',
      at: T0 + 25 * 60_000,
      level: 'high',
      previous: 'normal',
      rule: 'VIP',
      because: null,
    } as const;
    const high = episode({
      missedAt: T0,
      priority: 'high',
      priorityRule: 'VIP',
      firstClaimedAt: T0 + 60_000,
    });
    const intents = react(
      { episode: high, previous: episode(), events: [raised], lastReleaseAt: releasedAt },
      routing,
    );
    expect(intents).toContainEqual({ kind: 'timer.claimLadder', anchor: releasedAt });
    // Never released: from the missed call, as before.
    const never = react(
      { episode: high, previous: episode(), events: [raised], lastReleaseAt: null },
      routing,
    );
    expect(never).toContainEqual({ kind: 'timer.claimLadder', anchor: T0 });
  });
});
