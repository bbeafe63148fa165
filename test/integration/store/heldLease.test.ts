/**
 * Work held under a short renewed lease: one holder at a time, the lease kept while slow work runs, and a
 * dead holder's lease taken over within seconds (what lets every effect come out soon after a kill -9).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { HELD_LEASE_MS, withHeldLease } from '../../../src/store/heldLease.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';

describe.each(await databaseKinds())('a held lease on $name', (kind) => {
  const { store } = useStore(kind);

  it('runs the work of one holder and tells a second one it is taken', async () => {
    const clock = new ManualClock(1_000_000);
    const deps = { leases: store().leases, clock };
    let release: () => void = () => {};
    const slow = withHeldLease(
      deps,
      'ticket:ep-1',
      () => new Promise<string>((r) => (release = () => r('first'))),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(await withHeldLease(deps, 'ticket:ep-1', async () => 'second')).toEqual({ held: false });
    expect(await withHeldLease(deps, 'ticket:ep-2', async () => 'other')).toEqual({
      held: true,
      value: 'other',
    });
    release();
    expect(await slow).toEqual({ held: true, value: 'first' });
    // Released at the end: the next holder gets it at once.
    expect(await withHeldLease(deps, 'ticket:ep-1', async () => 'third')).toEqual({
      held: true,
      value: 'third',
    });
  });

  it('keeps the lease while slow work runs past its length', async () => {
    const clock = new ManualClock(1_000_000);
    const deps = { leases: store().leases, clock };
    let release: () => void = () => {};
    const slow = withHeldLease(deps, 'ticket:slow', () => new Promise<void>((r) => (release = r)), 90);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 60));
      clock.advance(60);
      // Time has gone well past the 90 ms lease, yet the renewals keep it.
      expect(await withHeldLease(deps, 'ticket:slow', async () => 'intruder', 90)).toEqual({ held: false });
    }
    release();
    await slow;
  });

  it('hands a dead holder’s lease to the next worker once it runs out, within seconds', async () => {
    const clock = new ManualClock(1_000_000);
    // A holder that died mid-work: it took the lease and never renewed or released it.
    expect(await store().leases.acquire('ticket:crashed', 'dead-process', HELD_LEASE_MS, clock.now())).toBe(
      true,
    );
    const deps = { leases: store().leases, clock };
    expect(await withHeldLease(deps, 'ticket:crashed', async () => 'too soon')).toEqual({ held: false });
    clock.advance(HELD_LEASE_MS + 1);
    expect(await withHeldLease(deps, 'ticket:crashed', async () => 'taken over')).toEqual({
      held: true,
      value: 'taken over',
    });
    expect(HELD_LEASE_MS).toBeLessThanOrEqual(10_000);
  });

  it('leaves no lease behind when a renewal is still on its way as the work ends', async () => {
    const clock = new ManualClock(1_000_000);
    const leases = store().leases;
    let renewalsStarted = 0;
    // A renewal that takes 50 ms to reach the database (a busy pool), started just before the work ends.
    const slowRenewals = {
      acquire: async (name: string, holder: string, ttlMs: number, now: number) => {
        if (renewalsStarted++ > 0) await new Promise((r) => setTimeout(r, 50));
        return leases.acquire(name, holder, ttlMs, now);
      },
      release: (name: string, holder: string) => leases.release(name, holder),
    };
    await withHeldLease(
      { leases: slowRenewals, clock },
      'ticket:renewed',
      () => new Promise((r) => setTimeout(r, 35)),
      90,
    );
    await new Promise((r) => setTimeout(r, 80));
    expect(renewalsStarted).toBeGreaterThan(1);
    const left = await store().db.selectFrom('leases').select('name').execute();
    expect(left).toEqual([]);
  });
});
