/**
 * The sends per channel or conversation that the replicas of a cluster tell each other about
 * (SharedKeySends in src/chat/pacing.ts), kept in the cursors table: one small row per key, the few send
 * times that still count in the vendor's window, rewritten by each replica as it sends, under a lock on the
 * row's name so two replicas choosing a time at once take turns.
 */
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { CallRecordRepository } from '../store/callRecords.js';
import type { Store } from '../store/store.js';
import type { SharedKeySends, SharedSend } from './pacing.js';

const sendTimes = z.array(z.object({ at: z.number().finite(), by: z.string().max(64) })).max(1_000);

/** Every row of this kind starts so (the retention deletes rows not written for a day). */
export const SHARED_SENDS_PREFIX = 'pacing.sent:';

export function sharedSendsName(surface: string, key: string): string {
  return `${SHARED_SENDS_PREFIX}${surface}:${key}`;
}

/** The sends a stored row holds; an unreadable row only loses what it knew (the next send overwrites it). */
function sendsOf(stored: string | null): SharedSend[] {
  if (stored === null) return [];
  try {
    const parsed = sendTimes.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The row of a key's pause (a 429's Retry-After), under the same prefix so the retention clears it too. */
function pauseName(surface: string, key: string): string {
  return `${sharedSendsName(surface, key)}:paused`;
}

export function sendsInCursors(store: Store, surface: string, clock: Clock): SharedKeySends {
  return {
    async pausedUntil(key) {
      const until = Number(await store.cursors.get(pauseName(surface, key)));
      return Number.isFinite(until) && until > 0 ? until : null;
    },
    async pause(key, until) {
      const name = pauseName(surface, key);
      await store.transaction(async (repos) => {
        await new CallRecordRepository(repos).lockName(name);
        const known = Number(await repos.cursors.get(name));
        if (Number.isFinite(known) && known >= until) return;
        await repos.cursors.set(name, String(Math.round(until)), clock.now());
      });
    },
    async recent(key) {
      return sendsOf(await store.cursors.get(sharedSendsName(surface, key)));
    },
    async exclusive(key, decide) {
      const name = sharedSendsName(surface, key);
      // One attempt: `decide` books in this replica's memory, and a second run would book a second send.
      return store.transaction(async (repos) => {
        await new CallRecordRepository(repos).lockName(name);
        const { result, sends } = decide(sendsOf(await repos.cursors.get(name)));
        await repos.cursors.set(name, JSON.stringify(sends), clock.now());
        return result;
      }, 1);
    },
  };
}
