/**
 * Queue keys in the jobs table: of the jobs sharing a key, take() hands out only the oldest due one, and
 * none while one of that key runs under a live lease; a dead job, or one waiting for its retry, does not
 * hold its key. Two stores on one database stand for two replicas taking at the same moment. On
 * PostgreSQL only the take that holds the queue-key try-lock may hand out keyed jobs.
 */
import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/db.js';
import { type Job, type NewJob, QUEUE_KEY_LOCK_ID } from '../../../src/store/jobs.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();
const LEASE = 1_000;

function keyed(queueKey: string, n: number, extra: Partial<NewJob> = {}): NewJob {
  return { kind: 'test.keyed', payload: { queueKey, n }, queueKey, ...extra };
}

const labels = (jobs: Job[]) =>
  jobs.map((job) => {
    const { queueKey, n } = job.payload as { queueKey: string; n: number };
    return `${queueKey}${n}`;
  });

describe.each(kinds)('queue keys on $name', (kind) => {
  const { store: storeOf, database: databaseOf } = useStore(kind);
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  it('hands out one job per key, the oldest, beside unkeyed work', async () => {
    await store.enqueue(
      [
        keyed('a', 1),
        keyed('a', 2),
        keyed('b', 1),
        { kind: 'test.free', payload: { queueKey: '-', n: 1 } },
        { kind: 'test.free', payload: { queueKey: '-', n: 2 } },
      ],
      T0,
    );
    const taken = await store.jobs.take('w', 10, LEASE, T0);
    expect(labels(taken).sort()).toEqual(['-1', '-2', 'a1', 'b1']);
    expect(taken.find((job) => job.kind === 'test.keyed')?.queueKey).toBe('a');
    // a1 and b1 run: nothing more of a or b, however many slots are free.
    expect(await store.jobs.take('w', 10, LEASE, T0)).toEqual([]);

    const a1 = taken.find((job) => labels([job])[0] === 'a1');
    expect(await store.jobs.complete(a1!.id, 'w')).toBe(true);
    expect(labels(await store.jobs.take('w', 10, LEASE, T0))).toEqual(['a2']);
  });

  it('runs a woken key in the order its jobs were queued, a retry already due no earlier than an older one', async () => {
    const now = T0 + 20 * 60_000;
    // The older job looks again in 30 s; the newer one's retry came due a second ago (every slot busy).
    await store.enqueue([keyed('line', 1, { runAt: now + 30_000 })], T0);
    await store.enqueue([keyed('line', 2, { runAt: now - 1_000 })], T0 + 60_000);
    await store.jobs.runQueueNow('line', now);
    expect(labels(await store.jobs.take('w', 1, LEASE, now))).toEqual(['line1']);
  });

  it('says a key has unfinished work while its job waits or runs, and not once it is done or dead', async () => {
    await store.enqueue([keyed('card', 1), keyed('other', 1)], T0);
    expect(await store.jobs.hasUnfinished('card')).toBe(true);
    const [first] = (await store.jobs.take('w', 10, LEASE, T0)).filter((job) => job.queueKey === 'card');
    // Running on some replica: not delivered yet.
    expect(await store.jobs.hasUnfinished('card')).toBe(true);
    await store.jobs.complete(first!.id, 'w');
    expect(await store.jobs.hasUnfinished('card')).toBe(false);

    await store.enqueue([keyed('card', 2)], T0);
    const [second] = (await store.jobs.take('w', 10, LEASE, T0)).filter((job) => job.queueKey === 'card');
    await store.jobs.fail(second!.id, 'w', { dead: true, runAt: T0, error: 'gone', countAttempt: true }, T0);
    expect(await store.jobs.hasUnfinished('card')).toBe(false);
    expect(await store.jobs.hasUnfinished('other')).toBe(true);
  });

  it('orders a key by run time, then by id', async () => {
    await store.enqueue(
      [
        keyed('a', 1, { runAt: T0 - 1 }),
        keyed('a', 2, { runAt: T0 - 5 }),
        keyed('a', 3, { runAt: T0 - 5 }),
        keyed('a', 4, { runAt: T0 + 60_000 }),
      ],
      T0,
    );
    const order: string[] = [];
    for (let round = 0; round < 5; round++) {
      const [job] = await store.jobs.take('w', 10, LEASE, T0);
      if (!job) break;
      order.push(...labels([job]));
      await store.jobs.complete(job.id, 'w');
    }
    // a4 is not due yet.
    expect(order).toEqual(['a2', 'a3', 'a1']);
  });

  it('hands the key over when the running job’s lease runs out (its worker crashed), to that same job', async () => {
    await store.enqueue([keyed('a', 1), keyed('a', 2)], T0);
    const [first] = await store.jobs.take('crashed', 10, LEASE, T0);
    expect(labels([first!])).toEqual(['a1']);
    expect(await store.jobs.take('other', 10, LEASE, T0 + LEASE - 1)).toEqual([]);
    const again = await store.jobs.take('other', 10, LEASE, T0 + LEASE + 1);
    expect(again.map((job) => [labels([job])[0], job.attempts])).toEqual([['a1', 2]]);
  });

  it('keeps the key while the running job renews its lease', async () => {
    await store.enqueue([keyed('a', 1), keyed('a', 2)], T0);
    const [first] = await store.jobs.take('w', 10, LEASE, T0);
    expect(await store.jobs.extendLease(first!.id, 'w', T0 + 3 * LEASE)).toBe(true);
    expect(await store.jobs.take('other', 10, LEASE, T0 + 2 * LEASE)).toEqual([]);
  });

  it('does not let a dead job, or one waiting for its retry, hold its key', async () => {
    await store.enqueue([keyed('a', 1), keyed('a', 2), keyed('b', 1), keyed('b', 2)], T0);
    const taken = await store.jobs.take('w', 10, LEASE, T0);
    const [a1, b1] = [...taken].sort((x, y) => labels([x])[0]!.localeCompare(labels([y])[0]!));
    await store.jobs.fail(a1!.id, 'w', { dead: true, runAt: T0, error: 'gone', countAttempt: true }, T0);
    await store.jobs.fail(
      b1!.id,
      'w',
      { dead: false, runAt: T0 + 60_000, error: 'try later', countAttempt: true },
      T0,
    );
    expect(labels(await store.jobs.take('w', 10, LEASE, T0)).sort()).toEqual(['a2', 'b2']);
  });

  it('leaves a key whose oldest job’s kind is held back waiting, rather than running a younger one', async () => {
    await store.enqueue([keyed('a', 1, { kind: 'test.vendor_down' }), keyed('a', 2)], T0);
    expect(await store.jobs.take('w', 10, LEASE, T0, ['test.vendor_down'])).toEqual([]);
    expect(labels(await store.jobs.take('w', 10, LEASE, T0))).toEqual(['a1']);
  });

  it('never gives two replicas taking at the same moment jobs of one key', async () => {
    const replica = new Store(openDatabase(databaseOf().target, { onConnectionError: () => undefined }));
    try {
      const KEYS = 12;
      const PER_KEY = 5;
      const jobs: NewJob[] = [];
      for (let n = 1; n <= PER_KEY; n++) for (let k = 0; k < KEYS; k++) jobs.push(keyed(`k${k}-`, n));
      await store.enqueue(jobs, T0);

      const done: string[] = [];
      for (let round = 0; round < KEYS * PER_KEY && done.length < KEYS * PER_KEY; round++) {
        const [mine, theirs] = await Promise.all([
          store.jobs.take('one', 4, LEASE, T0),
          replica.jobs.take('two', 4, LEASE, T0),
        ]);
        const held = [...mine, ...theirs].map((job) => job.queueKey);
        expect(new Set(held).size).toBe(held.length);
        done.push(...labels([...mine, ...theirs]));
        await Promise.all([
          ...mine.map((job) => store.jobs.complete(job.id, 'one')),
          ...theirs.map((job) => replica.jobs.complete(job.id, 'two')),
        ]);
      }
      expect(done).toHaveLength(KEYS * PER_KEY);
      // Each key's jobs ran in the order they were queued.
      for (let k = 0; k < KEYS; k++) {
        const ofKey = done.filter((label) => label.startsWith(`k${k}-`));
        expect(ofKey).toEqual(Array.from({ length: PER_KEY }, (_, i) => `k${k}-${i + 1}`));
      }
    } finally {
      await replica.close();
    }
  });
});

describe.each(kinds.filter((kind) => kind.name === 'postgres'))('the queue-key lock on $name', (kind) => {
  const { store: storeOf, database: databaseOf } = useStore(kind);

  it('hands out keyed jobs only when its try-lock is granted, and unkeyed ones either way', async () => {
    const store = storeOf();
    await store.enqueue([keyed('a', 1), { kind: 'test.plain', payload: { queueKey: 'plain', n: 1 } }], T0);
    const target = databaseOf().target;
    if (target.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    const otherReplica = new pg.Client({ connectionString: target.url });
    await otherReplica.connect();
    try {
      await otherReplica.query('begin');
      await otherReplica.query('select pg_advisory_xact_lock($1)', [QUEUE_KEY_LOCK_ID]);
      expect(labels(await store.jobs.take('w', 10, LEASE, T0))).toEqual(['plain1']);
      await otherReplica.query('commit');
      expect(labels(await store.jobs.take('w', 10, LEASE, T0))).toEqual(['a1']);
    } finally {
      await otherReplica.end();
    }
  });
});
