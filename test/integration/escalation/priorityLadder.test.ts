/** A high-priority rule's own ladder on a call that was claimed and given back before it turned high. */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { databaseKinds } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';
import { HOUR, MINUTE, noticesOf, openEpisode, paris, replicaPerTest } from './harness.js';

const ROUTING = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
    escalate:
      - { after: 15m, notify: "@here" }
priority:
  - name: vip
    when: { callbackRequested: true }
    level: high
    escalate:
      - { after: 5m, notify: "@vip-team" }
      - { after: 60m, notify: "<!subteam^S0VIP>", to: managers }
managers: { slack: [U0123456789] }
`;

const kinds = await databaseKinds();

describe.each(kinds)('a priority ladder on $name', (kind) => {
  const world = replicaPerTest(kind, ROUTING);
  const { clock, run } = world;

  const mentions = async () =>
    (await noticesOf(world.app.store)).map((notice) => ('mention' in notice ? notice.mention : notice.kind));

  it('fires for a call released before it turned high, counted from the release', async () => {
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(world.app, { id: 'ep-1', missedAt });
    clock.set(missedAt + 2 * MINUTE);
    await runCommand(world.app.commands, 'ep-1', { type: 'claim', actor: ana, at: clock.now() });
    clock.set(missedAt + 3 * MINUTE);
    await runCommand(world.app.commands, 'ep-1', {
      type: 'release',
      actor: ana,
      at: clock.now(),
      asManager: false,
    });

    // The line's step, re-armed from the release at 10:03.
    await run(missedAt + 18 * MINUTE);
    expect(await mentions()).toEqual(['@here']);

    clock.set(missedAt + 25 * MINUTE);
    const raised = await runCommand(world.app.commands, 'ep-1', {
      type: 'set_priority',
      at: clock.now(),
      level: 'high',
      rule: 'vip',
      because: 'asked to be called back',
    });
    expect(raised.status).toBe('accepted');

    // The rule's first step (5m from the release, 10:08) is overdue: it goes out now, and its second keeps
    // the 55 minutes between the two steps (11:20, not 11:03).
    await run(missedAt + 25 * MINUTE);
    expect(await mentions()).toEqual(['@here', '@vip-team']);
    await run(missedAt + 79 * MINUTE);
    expect(await mentions()).toEqual(['@here', '@vip-team']);
    await run(missedAt + 80 * MINUTE);
    expect(await mentions()).toEqual(['@here', '@vip-team', '<!subteam^S0VIP>']);
    await run(missedAt + 3 * HOUR);
    expect(await mentions()).toHaveLength(3);
  });
});
