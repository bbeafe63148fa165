import { beforeEach, describe, expect, it } from 'vitest';
import { standardPurgers } from '../../../src/app/retention.js';
import { Pacing } from '../../../src/chat/pacing.js';
import { sendsInCursors, sharedSendsName } from '../../../src/chat/sharedSends.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();
const DAY = 24 * 60 * 60 * 1000;

describe.each(kinds)('sends per channel shared by replicas, on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  it('lets a replica taking over a channel wait for the bucket the other one emptied', async () => {
    const clock = { now: T0 };
    const replica = () =>
      new Pacing(
        { windows: [], keyBucket: { burst: 3, intervalMs: 1000, marginMs: 0 } },
        {
          maxInlineWaitMs: 0,
          now: () => clock.now,
          sharedSends: sendsInCursors(store, 'slack', { now: () => clock.now }),
        },
      );
    const [first, second] = [replica(), replica()];
    for (let job = 1; job <= 3; job++) await first.forJob(job).send('C1', async () => 'posted');
    // The second replica may not wait in place (maxInlineWaitMs 0): it is told to come back in a second.
    const outcome = await second
      .forJob(4)
      .send('C1', async () => 'posted')
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ delayMs: expect.any(Number) });
    clock.now += 1000;
    await expect(second.forJob(4).send('C1', async () => 'posted')).resolves.toBe('posted');
  });

  it('reads an unreadable record as no sends rather than failing the send', async () => {
    await store.cursors.set(sharedSendsName('slack', 'C2'), '{"not":"a list"}', T0);
    expect(await sendsInCursors(store, 'slack', new ManualClock(T0)).recent('C2')).toEqual([]);
  });

  it('deletes records not written for a day with the retention, and nothing else', async () => {
    const shared = sendsInCursors(store, 'slack', new ManualClock(T0));
    await shared.record('C-old', [{ at: T0, by: 'a' }]);
    await store.cursors.set('zendesk.talk.cursor', '42', T0);
    const purger = standardPurgers(store, 30 * DAY).find((p) => p.name === 'pacing_sends');
    expect(purger).toBeDefined();
    expect(await purger?.run(T0 + DAY - 1)).toBe(0);
    expect(await purger?.run(T0 + DAY + 1)).toBe(1);
    expect(await store.cursors.get(sharedSendsName('slack', 'C-old'))).toBeNull();
    expect(await store.cursors.get('zendesk.talk.cursor')).toBe('42');
  });
});
