import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ChatOutbox } from '../../../src/chat/outbox.js';
import type { ChatSurface } from '../../../src/chat/surface.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { queuedCard, T0 } from '../../helpers/episodes.js';
import { memoryLogger } from '../../helpers/ringback.js';

const kinds = (await databaseKinds()).filter((kind) => kind.name === 'postgres');

describe.each(kinds)('a card post stored while its call changes on $name', (kind) => {
  const { store: storeOf, database: databaseOf } = useStore(kind);

  it('queues one more update of the card when the change commits during the post', async () => {
    const store = storeOf();
    const clock = new ManualClock(T0);
    const surface = {
      name: 'mem',
      pacing: { windows: [] },
      channelsFor: () => ['C1'],
      postCard: async () => ({ ref: 'r1', threadRef: 'r1' }),
      updateCard: async () => undefined,
    } as unknown as ChatSurface;
    const outbox = new ChatOutbox({
      surface,
      store,
      clock,
      logger: memoryLogger().logger,
      maxInlineWaitMs: 0,
    });
    const episode = await queuedCard(store, 'C1');

    // Another replica's claim: written, not yet committed, when the post is stored.
    const target = databaseOf().target;
    if (target.dialect !== 'postgres') throw new Error('postgres only');
    const other = new pg.Client({ connectionString: target.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query("update episodes set version = version + 1, state = 'claimed' where id = $1", [
        episode.id,
      ]);
      const delivered = outbox.deliverQueuedCard(episode.id, 'C1', outbox.pacing.forJob(1));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('commit');
      await delivered;
    } finally {
      await other.end();
    }

    const jobs = await store.db.selectFrom('jobs').select('kind').execute();
    expect(jobs.map((job) => job.kind)).toContain('mem.update_card');
  });
});
