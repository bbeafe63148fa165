/**
 * Work that must run on one worker at a time (one ticket per episode, one writer per side conversation),
 * under a short named lease renewed while the work runs. Short, so that after a kill -9 the next worker
 * takes over within seconds instead of waiting out a long lease; renewed, so that slow work (a Zendesk
 * call near its timeout) keeps it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { LeaseRepository } from './keyvalue.js';

/** Long enough for two missed renewals; short enough that a dead holder's work resumes within 10 s. */
export const HELD_LEASE_MS = 6_000;

export interface HeldLeaseDeps {
  leases: Pick<LeaseRepository, 'acquire' | 'release'>;
  clock: Clock;
}

/** Runs `work` holding lease `name`; answers `{ held: false }` without running it when another has it. */
export async function withHeldLease<T>(
  deps: HeldLeaseDeps,
  name: string,
  work: () => Promise<T>,
  ttlMs = HELD_LEASE_MS,
): Promise<{ held: true; value: T } | { held: false }> {
  const holder = randomUUID();
  if (!(await deps.leases.acquire(name, holder, ttlMs, deps.clock.now()))) return { held: false };
  let renewing: Promise<unknown> = Promise.resolve();
  const renewal = setInterval(
    () => {
      // A failed renewal is not fatal: the lease still runs to its end, and the work is idempotent anyway.
      renewing = deps.leases.acquire(name, holder, ttlMs, deps.clock.now()).catch(() => undefined);
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  renewal.unref();
  try {
    return { held: true, value: await work() };
  } finally {
    clearInterval(renewal);
    // A renewal still on its way would write the lease back after the release.
    await renewing;
    await deps.leases.release(name, holder);
  }
}
