/**
 * Cards get a queued state (migration 009): written in the transaction of the change that calls for the
 * card, read by a channel's lane in order, gone once posted, kept as failed when the surface refuses it.
 * On SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { CardQueueingJob } from '../../../src/store/cardQueue.js';
import { databaseKinds, useOlderDatabase, useStore } from '../../helpers/databases.js';
import { episode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

function laneWake(episodeId: string, channel: string): CardQueueingJob {
  return {
    kind: 'slack.lane',
    payload: { channel },
    coalesceKey: `slack.lane:${channel}`,
    queuesCard: { episodeId, surface: 'slack', channel },
  };
}

describe.each(kinds)('queued cards on $name', (kind) => {
  const { store } = useStore(kind);

  it('are queued with the change’s jobs, or not at all when the change rolls back', async () => {
    await expect(
      store().transaction(async (repos) => {
        await repos.enqueue([laneWake('ep-lost', 'C1')], T0);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await store().cardQueue.waiting('slack', 'C1')).toEqual([]);

    await store().transaction((repos) => repos.enqueue([laneWake('ep-1', 'C1')], T0));
    expect(await store().cardQueue.waiting('slack', 'C1')).toEqual([{ episodeId: 'ep-1', queuedAt: T0 }]);
    // The lane's wake-up job was coalesced or not: the card is queued either way, once.
    await store().enqueue([laneWake('ep-1', 'C1')], T0 + 5);
    expect(await store().cardQueue.waiting('slack', 'C1')).toHaveLength(1);
  });

  it('wait in the order they were queued, per surface and channel, and leave once posted', async () => {
    await store().enqueue([laneWake('ep-b', 'C1'), laneWake('ep-c', 'C1')], T0);
    await store().enqueue([laneWake('ep-a', 'C1')], T0 - 1_000);
    await store().enqueue([laneWake('ep-other', 'C2')], T0);
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual([
      'ep-a',
      'ep-b',
      'ep-c',
    ]);
    expect(await store().cardQueue.waiting('teams', 'C1')).toEqual([]);
    expect((await store().cardQueue.channelsWaiting('slack')).sort()).toEqual(['C1', 'C2']);

    // Posted (its post stored) but not yet removed: the lane must not post it again.
    await store().posts.upsert(
      { episodeId: 'ep-a', surface: 'slack', channel: 'C1', ref: '1.1', threadRef: '1.1' },
      T0,
    );
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual([
      'ep-b',
      'ep-c',
    ]);
    await store().cardQueue.remove({ episodeId: 'ep-a', surface: 'slack', channel: 'C1' });
    expect(await store().cardQueue.get({ episodeId: 'ep-a', surface: 'slack', channel: 'C1' })).toBeNull();
  });

  it('are not queued again once posted: a call set to high again wakes no lane for its posted card', async () => {
    const spot = { episodeId: 'ep-vip', surface: 'slack', channel: 'C-VIP' };
    await store().enqueue([laneWake('ep-vip', 'C-VIP')], T0);
    // What storing the post does (outbox storePost), then the planner asks for the same card again.
    await store().posts.upsert({ ...spot, ref: '1.1', threadRef: '1.1' }, T0 + 1);
    await store().cardQueue.remove(spot);
    await store().enqueue([laneWake('ep-vip', 'C-VIP')], T0 + 2);

    expect(await store().cardQueue.get(spot)).toBeNull();
    expect(await store().cardQueue.waiting('slack', 'C-VIP')).toEqual([]);
    expect(await store().cardQueue.channelsWaiting('slack')).toEqual([]);
  });

  it('wake no lane for rows of posted cards an earlier version left, and purge those rows', async () => {
    // Rows such a version wrote: queued after the card was posted, so nothing posts or removes them.
    await store().posts.upsert(
      { episodeId: 'ep-vip', surface: 'slack', channel: 'C-VIP', ref: '1.1', threadRef: '1.1' },
      T0,
    );
    await store()
      .db.insertInto('card_queue')
      .values({ episode_id: 'ep-vip', surface: 'slack', channel: 'C-VIP', queued_at: T0 + 1 })
      .execute();
    await store().enqueue([laneWake('ep-waiting', 'C1')], T0 + 2);

    expect(await store().cardQueue.waiting('slack', 'C-VIP')).toEqual([]);
    expect(await store().cardQueue.channelsWaiting('slack')).toEqual(['C1']);

    expect(await store().cardQueue.purgePosted(500)).toBe(1);
    expect(
      await store().cardQueue.get({ episodeId: 'ep-vip', surface: 'slack', channel: 'C-VIP' }),
    ).toBeNull();
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual(['ep-waiting']);
    expect(await store().cardQueue.purgePosted(500)).toBe(0);
  });

  it('keep a card the surface refused for good as failed, out of the lane', async () => {
    await store().enqueue([laneWake('ep-bad', 'C1'), laneWake('ep-good', 'C1')], T0);
    await store().cardQueue.fail(
      { episodeId: 'ep-bad', surface: 'slack', channel: 'C1' },
      'invalid_blocks',
      T0 + 1,
    );
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual(['ep-good']);
    expect(await store().cardQueue.get({ episodeId: 'ep-bad', surface: 'slack', channel: 'C1' })).toEqual({
      queuedAt: T0,
      failedAt: T0 + 1,
      failure: 'invalid_blocks',
    });
    // Queued again later (a card released at opening), it stays failed: a refusal does not go away by itself.
    await store().enqueue([laneWake('ep-bad', 'C1')], T0 + 2);
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual(['ep-good']);
  });

  it('wait again once their channel takes posts, when the channel refused them and their call is not resolved', async () => {
    const calls = [
      ['ep-open', 'open'],
      ['ep-done', 'resolved'],
      ['ep-blocks', 'open'],
      ['ep-other', 'open'],
    ] as const;
    for (const [i, [id, state]] of calls.entries())
      await store().episodes.insert(
        episode({ id, state, caller: { number: `+3360000000${i}`, name: null } }),
        {},
        T0,
      );
    await store().enqueue(
      [
        laneWake('ep-open', 'C1'),
        laneWake('ep-done', 'C1'),
        laneWake('ep-blocks', 'C1'),
        laneWake('ep-other', 'C2'),
      ],
      T0,
    );
    const fail = (episodeId: string, channel: string, channelWide: boolean) =>
      store().cardQueue.fail({ episodeId, surface: 'slack', channel }, 'not_in_channel', T0 + 1, {
        channelWide,
      });
    await fail('ep-open', 'C1', true);
    await fail('ep-done', 'C1', true);
    await fail('ep-blocks', 'C1', false);
    await fail('ep-other', 'C2', true);
    expect((await store().cardQueue.channelsRefused('slack')).sort()).toEqual(['C1', 'C2']);

    expect(await store().cardQueue.requeueChannelRefused('slack', 'C1')).toEqual(['ep-open']);
    expect((await store().cardQueue.waiting('slack', 'C1')).map((c) => c.episodeId)).toEqual(['ep-open']);
    expect(await store().cardQueue.get({ episodeId: 'ep-open', surface: 'slack', channel: 'C1' })).toEqual({
      queuedAt: T0,
      failedAt: null,
      failure: null,
    });
    // The resolved call's card stays refused (nobody needs it now); so does the card refused for itself.
    expect((await store().cardQueue.channelsRefused('slack')).sort()).toEqual(['C1', 'C2']);
    expect(await store().cardQueue.requeueChannelRefused('slack', 'C1')).toEqual([]);
  });
});

describe.each(kinds)('migration 009_card_queue on $name', (kind) => {
  const older = useOlderDatabase(kind, '008_queue_keys');

  it('queues the cards an older version still had post jobs for, so an upgrade posts them', async () => {
    const handle = older.handle();
    const job = (id: string, kindName: string, channel: string, status: string, createdAt: number) => ({
      kind: kindName,
      payload: JSON.stringify({ episodeId: id, channel }),
      dedupe_key: `${kindName}:${id}:${channel}`,
      status,
      run_at: createdAt + 60_000,
      attempts: 0,
      max_attempts: 12,
      created_at: createdAt,
      updated_at: createdAt,
    });
    await handle.db
      .insertInto('jobs')
      .values([
        job('ep-2', 'slack.post_card', 'C1', 'pending', T0 + 2),
        job('ep-1', 'slack.post_card', 'C1', 'running', T0 + 1),
        job('ep-done', 'slack.post_card', 'C1', 'dead', T0),
        job('ep-3', 'teams.post_card', '19:x@thread.tacv2', 'pending', T0 + 3),
      ])
      .execute();
    const upgraded = older.store();
    expect(await upgraded.migrate()).toContain('009_card_queue');
    expect(await upgraded.cardQueue.waiting('slack', 'C1')).toEqual([
      { episodeId: 'ep-1', queuedAt: T0 + 1 },
      { episodeId: 'ep-2', queuedAt: T0 + 2 },
    ]);
    expect(await upgraded.cardQueue.waiting('teams', '19:x@thread.tacv2')).toEqual([
      { episodeId: 'ep-3', queuedAt: T0 + 3 },
    ]);
  });
});
