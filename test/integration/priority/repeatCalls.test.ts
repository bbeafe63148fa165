/**
 * A `repeatCalls` priority counts the calls in the window before the episode's last call: a triage run
 * again hours later (a late pre-brief, a callback request, a held card released the next morning) kept
 * the call high; counted back from the run's own time, it found the calls too old and made it normal.
 */
import { describe, expect, it } from 'vitest';
import { triageHandler } from '../../../src/app/triage.js';
import { parseRouting } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { newEpisode } from '../../../src/domain/episode.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CALLER = '+33611111111';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
priority:
  - { name: Insistent, when: { repeatCalls: { atLeast: 3, within: 1h } }, level: high }
`,
  'test',
);

describe.each(await databaseKinds())('repeat calls priority on $name', (kind) => {
  const { store } = useStore(kind);

  async function missedCall(id: string, at: number) {
    await store().providerCalls.save(
      {
        key: `aircall:${id}`,
        provider: 'aircall',
        providerCallId: id,
        episodeId: null,
        direction: 'inbound',
        fromNumber: CALLER,
        line: 'Support FR',
        startedAt: at,
        endedAt: at + MINUTE,
        answered: false,
        missedReason: 'no_available_agent',
        data: {},
      },
      at,
    );
  }

  it('keeps a call high when triage runs again two hours after its third call', async () => {
    await missedCall('1', T0 - 40 * MINUTE);
    await missedCall('2', T0 - 20 * MINUTE);
    await missedCall('3', T0);
    const episode = {
      ...newEpisode({
        id: 'ep1',
        line: 'Support FR',
        caller: { number: CALLER, name: null },
        missedAt: T0 - 40 * MINUTE,
      }),
      callCount: 3,
      lastCallAt: T0,
    };
    await store().episodes.insert(episode, {}, T0);
    const clock = new ManualClock(T0);
    const triage = triageHandler({ routing, commands: { store: store(), clock, planEffects: () => [] } });

    await triage({ episodeId: 'ep1' }, undefined as never);
    expect(await store().episodes.get('ep1')).toMatchObject({ priority: 'high', priorityRule: 'Insistent' });

    clock.set(T0 + 2 * HOUR);
    await triage({ episodeId: 'ep1' }, undefined as never);
    expect(await store().episodes.get('ep1')).toMatchObject({ priority: 'high', priorityRule: 'Insistent' });
  });

  it('leaves a call normal whose calls are spread wider than the window before its last one', async () => {
    await missedCall('1', T0 - 2 * HOUR);
    await missedCall('2', T0 - 20 * MINUTE);
    await missedCall('3', T0);
    const episode = {
      ...newEpisode({
        id: 'ep2',
        line: 'Support FR',
        caller: { number: CALLER, name: null },
        missedAt: T0 - 2 * HOUR,
      }),
      callCount: 3,
      lastCallAt: T0,
    };
    await store().episodes.insert(episode, {}, T0);
    const clock = new ManualClock(T0 + 5 * MINUTE);
    await triageHandler({ routing, commands: { store: store(), clock, planEffects: () => [] } })(
      { episodeId: 'ep2' },
      undefined as never,
    );
    expect((await store().episodes.get('ep2'))?.priority).toBe('normal');
  });
});
