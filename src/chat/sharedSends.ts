/**
 * The sends per channel or conversation that the replicas of a cluster tell each other about
 * (SharedKeySends in src/chat/pacing.ts), kept in the cursors table: one small row per key, the few send
 * times that still count in the vendor's window, overwritten by whichever replica sent last.
 */
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/store.js';
import type { SharedKeySends } from './pacing.js';

const sendTimes = z.array(z.object({ at: z.number().finite(), by: z.string().max(64) })).max(1_000);

/** Every row of this kind starts so (the retention deletes rows not written for a day). */
export const SHARED_SENDS_PREFIX = 'pacing.sent:';

export function sharedSendsName(surface: string, key: string): string {
  return `${SHARED_SENDS_PREFIX}${surface}:${key}`;
}

export function sendsInCursors(store: Store, surface: string, clock: Clock): SharedKeySends {
  return {
    async recent(key) {
      const stored = await store.cursors.get(sharedSendsName(surface, key));
      if (stored === null) return [];
      try {
        const parsed = sendTimes.safeParse(JSON.parse(stored));
        // An unreadable row only loses what it knew: the next send overwrites it.
        return parsed.success ? parsed.data : [];
      } catch {
        return [];
      }
    },
    async record(key, sends) {
      await store.cursors.set(sharedSendsName(surface, key), JSON.stringify(sends), clock.now());
    },
  };
}
