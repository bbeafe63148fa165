/**
 * Aircall availability (round robin): the webhook's write has the same deadline as a call event's, and the
 * periodic read of the users API never overwrites an event that came while it was reading.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import {
  availabilityRefreshHandler,
  recordAvailabilityEvent,
} from '../../../src/providers/aircall/availability.js';
import type { AircallClient, AircallUser } from '../../../src/providers/aircall/client.js';
import { DeadlinePassed } from '../../../src/resilience/deadline.js';
import { AvailabilityRepository } from '../../../src/store/availability.js';
import { sqliteDatabase, useStore } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const ana = { id: 42, name: 'Ana Lopez', email: 'ana@example.com' };

const { store } = useStore({ name: 'sqlite', skipReason: null, create: async () => sqliteDatabase() });
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('an Aircall user.opened / user.closed delivery', () => {
  it('gives up on a database that does not answer within the delivery deadline (the route answers 429)', async () => {
    vi.useFakeTimers();
    const hanging = new Promise<never>(() => {});
    vi.spyOn(AvailabilityRepository.prototype, 'record').mockReturnValue(hanging);
    const answer = recordAvailabilityEvent(
      { store: store(), clock: new ManualClock(T0) },
      'user.closed',
      T0 / 1000,
      ana,
    );
    const outcome = answer.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(2_500);
    expect(await outcome).toBeInstanceOf(DeadlinePassed);
  });
});

describe('the periodic read of Aircall users', () => {
  it('keeps a user.closed that arrived while the users were being read', async () => {
    const db = store();
    const clock = new ManualClock(T0 + 60_000);
    // The page with Ana was read at T0; she closed at T0 + 30 s; the listing ended at T0 + 60 s.
    const listed: AircallUser = { id: '42', name: ana.name, email: ana.email, available: true, readAt: T0 };
    await recordAvailabilityEvent({ store: db, clock }, 'user.closed', (T0 + 30_000) / 1000, ana);
    const refresh = availabilityRefreshHandler({
      store: db,
      clock,
      logger: memoryLogger().logger,
      client: { listUsers: async () => [listed] } as unknown as AircallClient,
    });
    await refresh({ slot: 1 }, undefined as never);
    const row = await db.db.selectFrom('agent_availability').selectAll().executeTakeFirstOrThrow();
    expect(row.available).toBe(0);
    expect(Number(row.changed_at)).toBe(T0 + 30_000);
  });
});
