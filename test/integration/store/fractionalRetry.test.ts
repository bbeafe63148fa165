/**
 * A job sent back with a delay that is not a whole number of milliseconds (a thread line waiting a quarter of
 * its wait for its card) is stored pending on both databases: PostgreSQL's bigint run time refused the
 * fraction, the failure was not recorded, and the job was taken again at every lease's end until it died.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { threadLineRetryMs } from '../../../src/chat/outbox.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('a retry after a fractional delay on $name', (kind) => {
  const { store: storeOf } = useStore(kind);
  let store: Store;

  beforeEach(() => {
    if (!kind.skipReason) store = storeOf();
  });

  it('keeps the job pending at the next whole millisecond', async () => {
    await store.enqueue([{ kind: 'test.line', payload: { n: 1 } }], T0);
    const [job] = await store.jobs.take('w', 1, 60_000, T0);
    const delay = new RetryAfter(threadLineRetryMs(10_001)).delayMs;
    expect(delay).toBe(2_501);
    await store.jobs.fail(
      job!.id,
      'w',
      { dead: false, runAt: T0 + 2_500.25, error: 'wait', countAttempt: false },
      T0,
    );
    const row = await store.db
      .selectFrom('jobs')
      .select(['status', 'run_at'])
      .where('id', '=', job!.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(Number(row.run_at)).toBe(T0 + 2_501);
  });
});
