/**
 * Issue 15's storage on SQLite and PostgreSQL: priority and suggestion columns round-trip and sort lists,
 * the availability table keeps the newest word whatever order it arrives in, and the caller history finds
 * who last answered a number.
 */
import { describe, expect, it } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import { CallerHistory } from '../../../src/store/callerHistory.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');
const DAY = 86_400_000;

function episode(id: string, number: string, missedAt: number, extra: Partial<Episode> = {}): Episode {
  return { ...newEpisode({ id, line: 'Support FR', caller: { number, name: null }, missedAt }), ...extra };
}

describe.each(await databaseKinds())('issue 15 storage on $name', (kind) => {
  const { store } = useStore(kind);

  it('stores priority and the suggested owner, and lists high calls first on request', async () => {
    const owner = {
      name: 'Ben',
      email: 'ben@example.com',
      why: 'spoke with this caller on 1 Dec',
      source: 'lastAgent' as const,
      autoClaimed: true,
    };
    await store().episodes.insert(
      episode('old-high', '+33600000001', T0, {
        priority: 'high',
        priorityRule: 'VIP',
        suggestedOwner: owner,
      }),
      {},
      T0,
    );
    await store().episodes.insert(episode('new-normal', '+33600000002', T0 + 60_000), {}, T0);
    expect(await store().episodes.get('old-high')).toMatchObject({
      priority: 'high',
      priorityRule: 'VIP',
      suggestedOwner: owner,
    });
    expect(await store().episodes.get('new-normal')).toMatchObject({
      priority: 'normal',
      priorityRule: null,
      suggestedOwner: null,
    });
    expect((await store().episodes.list({ priorityFirst: true })).map((e) => e.id)).toEqual([
      'old-high',
      'new-normal',
    ]);
    expect((await store().episodes.list({})).map((e) => e.id)).toEqual(['new-normal', 'old-high']);
  });

  it('keeps the newest availability whatever order deliveries arrive in', async () => {
    const repo = new AvailabilityRepository(store().db);
    const ben = { provider: 'aircall', userId: '2', email: 'ben@example.com', name: 'Ben' };
    await repo.record({ ...ben, available: false, changedAt: T0 + 2_000 }, T0);
    await repo.record({ ...ben, available: true, changedAt: T0 + 1_000 }, T0);
    expect(await repo.list('aircall')).toEqual([{ ...ben, available: false, changedAt: T0 + 2_000 }]);
    await repo.record({ ...ben, email: null, available: null, changedAt: T0 + 3_000 }, T0);
    expect(await repo.list('aircall')).toEqual([{ ...ben, available: null, changedAt: T0 + 3_000 }]);
    expect(await repo.list('other')).toEqual([]);
  });

  it('finds who last answered a number, and the number’s recent inbound calls', async () => {
    const save = async (
      key: string,
      startedAt: number,
      answered: boolean,
      agent: { name: string; email: string | null } | null,
      direction: 'inbound' | 'outbound' = 'inbound',
    ) =>
      store().providerCalls.save(
        {
          key,
          provider: 'aircall',
          providerCallId: key,
          episodeId: null,
          direction,
          fromNumber: '+33611111111',
          line: 'Support FR',
          startedAt,
          endedAt: startedAt + 60_000,
          answered,
          missedReason: null,
          data: { agent, answeredAt: answered ? startedAt + 5_000 : null },
        },
        T0,
      );
    await save('a', T0 - 10 * DAY, true, { name: 'Old', email: null });
    await save('b', T0 - 2 * DAY, true, { name: 'Ana', email: 'ana@example.com' });
    await save('c', T0 - DAY, true, null);
    await save('d', T0 - 3_600_000, false, null);
    await save('e', T0 - 60_000, true, { name: 'Ben', email: 'ben@example.com' }, 'outbound');
    const history = new CallerHistory(store());
    expect(await history.lastAnsweredBy('+33611111111', T0 - 30 * DAY)).toEqual({
      agent: { name: 'Ben', email: 'ben@example.com' },
      at: T0 - 55_000,
    });
    expect(await history.lastAnsweredBy('+33611111111', T0 - 5 * DAY)).toMatchObject({
      agent: { name: 'Ben' },
    });
    expect(await history.lastAnsweredBy('+33699999999', 0)).toBeNull();
    expect(await history.inboundCallTimes('+33611111111', T0 - 7 * DAY)).toEqual([
      T0 - 2 * DAY,
      T0 - DAY,
      T0 - 3_600_000,
    ]);
  });
});
