import { beforeEach, describe, expect, it } from 'vitest';
import { standardPurgers } from '../../../src/app/retention.js';
import { Pacing } from '../../../src/chat/pacing.js';
import { sendsInCursors, sharedSendsName } from '../../../src/chat/sharedSends.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
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

  it('keeps the later of two pauses of a channel for every replica', async () => {
    const shared = sendsInCursors(store, 'teams', new ManualClock(T0));
    expect(await shared.pausedUntil('19:conv')).toBeNull();
    await shared.pause('19:conv', T0 + 30_000);
    await shared.pause('19:conv', T0 + 1_000);
    expect(await sendsInCursors(store, 'teams', new ManualClock(T0)).pausedUntil('19:conv')).toBe(
      T0 + 30_000,
    );
  });

  it('reads an unreadable record as no sends rather than failing the send', async () => {
    await store.cursors.set(sharedSendsName('slack', 'C2'), '{"not":"a list"}', T0);
    expect(await sendsInCursors(store, 'slack', new ManualClock(T0)).recent('C2')).toEqual([]);
  });

  it('deletes records not written for a day with the retention, and nothing else', async () => {
    const shared = sendsInCursors(store, 'slack', new ManualClock(T0));
    await shared.exclusive('C-old', () => ({ result: null, sends: [{ at: T0, by: 'a' }] }));
    await store.cursors.set('zendesk.talk.cursor', '42', T0);
    const purger = standardPurgers(store, 30 * DAY).find((p) => p.name === 'pacing_sends');
    expect(purger).toBeDefined();
    expect(await purger?.run(T0 + DAY - 1)).toBe(0);
    expect(await purger?.run(T0 + DAY + 1)).toBe(1);
    expect(await store.cursors.get(sharedSendsName('slack', 'C-old'))).toBeNull();
    expect(await store.cursors.get('zendesk.talk.cursor')).toBe('42');
  });
});

// Replicas share one PostgreSQL; a SQLite deployment is one process, which shares nothing.
describe.each(kinds.filter((kind) => kind.name === 'postgres'))(
  'sends booked by replicas at once, on $name',
  (kind) => {
    const { store: storeOf, database } = useStore(kind);

    it('keeps a conversation within its window when two replicas send to it at the same moment', async () => {
      // The second replica has its own connections to the same database.
      const other = new Store(openDatabase(database().target, { onConnectionError: () => undefined }));
      try {
        const window = { windowMs: 300, max: 2 };
        const replica = (on: Store) =>
          new Pacing(
            { windows: [window] },
            {
              maxInlineWaitMs: 10_000,
              now: Date.now,
              sharedSends: sendsInCursors(on, 'teams', { now: Date.now }),
            },
          );
        const replicas = [replica(storeOf()), replica(other)];
        const sentAt: number[] = [];
        // Four sends each, all wanted at once: each replica alone would send two at once, and so would the other.
        await Promise.all(
          Array.from({ length: 8 }, (_, job) =>
            (replicas[job % 2] as Pacing).forJob(job).send('19:conversation', async () => {
              sentAt.push(Date.now());
            }),
          ),
        );
        sentAt.sort((a, b) => a - b);
        const crowded = sentAt.filter(
          (at, i) => i >= window.max && at - (sentAt[i - window.max] as number) < window.windowMs - 60,
        );
        expect(sentAt).toHaveLength(8);
        // A send goes out some milliseconds after its booked time (the booking round trip, timers); replicas
        // booking blind sent three within 3 ms.
        expect(crowded, JSON.stringify(sentAt.map((at) => at - (sentAt[0] as number)))).toEqual([]);
      } finally {
        await other.close();
      }
    });
  },
);
