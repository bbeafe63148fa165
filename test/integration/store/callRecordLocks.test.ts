/**
 * The locks that keep concurrent ingests apart (src/store/callRecords.ts), and the batch scope's calls kept
 * in memory until flushed. On PostgreSQL the locks are real advisory locks: transactions locking overlapping
 * sets of calls in any order wait for each other and never deadlock. SQLite needs no locks (one connection
 * runs one transaction at a time), so there every lock counts as held.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/domain/callRecord.js';
import { CallRecordRepository, CallRecordScope } from '../../../src/store/callRecords.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const record = (id: string, number: string): CallRecord =>
  ({
    provider: 'generic:test',
    providerCallId: id,
    direction: 'inbound',
    externalNumber: number,
    startedAt: 1_000,
    endedAt: 2_000,
    answered: true,
    missedReason: null,
  }) as unknown as CallRecord;

const kinds = await databaseKinds();

describe.each(kinds.filter((kind) => kind.name === 'postgres'))('call locks on $name', (kind) => {
  const { store, database } = useStore(kind);

  it('lets transactions lock overlapping calls in opposite orders without a deadlock', async () => {
    // A second replica: its own pool on the same database.
    const other = new Store(openDatabase(database().target, { onConnectionError: () => undefined }));
    try {
      const calls = Array.from({ length: 6 }, (_, i) => `generic:test:c${i}`);
      const order: string[] = [];
      const lockingIn = (replica: Store, keys: string[], name: string) =>
        replica.transaction(async (repos) => {
          await new CallRecordRepository(repos, new CallRecordScope()).lockAll({
            calls: keys,
            numbers: ['+33600000000'],
          });
          order.push(`${name} in`);
          // Long enough for the others to queue behind locks this one holds.
          await sleep(30);
          order.push(`${name} out`);
        }, 1);

      await Promise.all([
        lockingIn(store(), calls, 'a'),
        lockingIn(other, [...calls].reverse(), 'b'),
        lockingIn(store(), [calls[3], calls[0], calls[5]] as string[], 'c'),
        lockingIn(other, [calls[5], calls[1]] as string[], 'd'),
      ]);

      // Every one got all its locks (one attempt each, so a deadlock would have failed the test), one at a
      // time: they all share the number.
      expect(order).toHaveLength(8);
      for (let i = 0; i < order.length; i += 2) {
        expect(order[i]?.replace(' in', '')).toBe(order[i + 1]?.replace(' out', ''));
      }
    } finally {
      await other.close();
    }
  });

  it('answers from the batch which locked numbers have no unresolved episode', async () => {
    await store().transaction(async (repos) => {
      const calls = new CallRecordRepository(repos, new CallRecordScope());
      await calls.lockAll({ calls: [], numbers: ['+33611111111'] });
      await calls.prefetchOpenEpisodes(['+33611111111', '+33622222222']);
      expect(calls.knownWithoutOpenEpisodes('+33611111111')).toBe(true);
      // Not locked: nothing is assumed about it.
      expect(calls.knownWithoutOpenEpisodes('+33622222222')).toBe(false);
      calls.noteEpisodeOpened('+33611111111');
      expect(calls.knownWithoutOpenEpisodes('+33611111111')).toBe(false);
    });
  });
});

describe.each(kinds)('the batch scope on $name', (kind) => {
  const { store } = useStore(kind);

  it('keeps saved calls in memory until a read that needs them, then writes them in one go', async () => {
    await store().transaction(async (repos) => {
      const scope = new CallRecordScope();
      const calls = new CallRecordRepository(repos, scope);
      await calls.lockAll({ calls: ['generic:test:a', 'generic:test:b'], numbers: [] });
      await calls.prefetch(['generic:test:a', 'generic:test:b']);
      for (const id of ['a', 'b']) {
        await calls.save(
          { key: `generic:test:${id}`, record: record(id, '+33611111111'), episodeId: null, line: null },
          5_000,
        );
      }
      expect(await repos.providerCalls.getMany(['generic:test:a', 'generic:test:b'])).toHaveLength(0);
      expect((await calls.get('generic:test:a'))?.record.providerCallId).toBe('a');

      const found = await calls.answeredCallAfter('+33611111111', 0);
      expect(found?.key).toMatch(/^generic:test:[ab]$/);
      expect(await repos.providerCalls.getMany(['generic:test:a', 'generic:test:b'])).toHaveLength(2);
    });
  });
});
