/**
 * Who is available in Aircall now, for round robin: `user.opened` / `user.closed` webhook events say it
 * as it changes (stored at once by the route: one row, no job), and the users API (`GET /v1/users`,
 * `available`) is read every few minutes by a self-renewing job, so agents no event was seen for are
 * known too and a missed event is corrected. Agents neither source spoke of count as unknown
 * (src/domain/suggestion.ts nextInTurn says what round robin does with them).
 */
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { defineJob, jobOf, type TypedJobHandler } from '../../jobs/registry.js';
import type { Logger } from '../../observability/logger.js';
import { withinDeadline } from '../../resilience/deadline.js';
import { AvailabilityRepository } from '../../store/availability.js';
import type { Store } from '../../store/store.js';
import { DELIVERY_DEADLINE_MS, reject, schemaProblem, type WebhookAnswer } from '../webhook.js';
import type { AircallClient } from './client.js';

export const AIRCALL_PROVIDER = 'aircall';

/** How often the users API is read (one request per 50 users: 12 an hour for most companies). */
export const AVAILABILITY_REFRESH_MS = 5 * 60_000;

const AVAILABILITY_EVENTS = { 'user.opened': true, 'user.closed': false } as const;

export function isAvailabilityEvent(event: string): event is keyof typeof AVAILABILITY_EVENTS {
  return Object.hasOwn(AVAILABILITY_EVENTS, event);
}

/** The User of a `user.*` event: only what round robin needs. */
const availabilityUserSchema = z.object({
  id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String),
  name: z.string().nullish(),
  email: z.string().nullish(),
});

/** Stores one `user.opened` / `user.closed` delivery; a repeat or an older one changes nothing. */
export async function recordAvailabilityEvent(
  deps: { store: Store; clock: Clock },
  event: keyof typeof AVAILABILITY_EVENTS,
  timestamp: number,
  data: unknown,
): Promise<WebhookAnswer> {
  const user = availabilityUserSchema.safeParse(data);
  if (!user.success) return reject(422, 'invalid_schema', schemaProblem(user.error, 'data.'));
  const { id, name, email } = user.data;
  const stored = new AvailabilityRepository(deps.store.db).record(
    {
      provider: AIRCALL_PROVIDER,
      userId: id,
      email: email ?? null,
      name: name ?? email ?? `Aircall user ${id}`,
      available: AVAILABILITY_EVENTS[event],
      changedAt: timestamp * 1000,
    },
    deps.clock.now(),
  );
  // As call events (enqueueDelivery): a slow database is answered 429 in time, not past Aircall's 5 s, where
  // each late answer counts towards Aircall disabling the webhook, call events included.
  await withinDeadline(stored, DELIVERY_DEADLINE_MS, 'the availability table');
  return { status: 200, outcome: 'accepted', body: { status: 'accepted' } };
}

const refreshPayload = z.object({ slot: z.number().int() });

/** Reads the users API once, then queues the next read (one per slot across replicas: the dedupe key). */
export const availabilityRefreshJob = defineJob('aircall.availability', refreshPayload);

/** The refresh of the slot `at` falls in, run at `at` (at start) or when the slot begins (the next ones). */
export function availabilityRefresh(at: number, slot = Math.floor(at / AVAILABILITY_REFRESH_MS)) {
  return jobOf(
    availabilityRefreshJob,
    { slot },
    { runAt: Math.max(at, slot * AVAILABILITY_REFRESH_MS), dedupeKey: `aircall.availability:${slot}` },
  );
}

export function availabilityRefreshHandler(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  client: AircallClient;
}): TypedJobHandler<typeof refreshPayload> {
  return async ({ slot }) => {
    const { store, clock, client, logger } = deps;
    try {
      const users = await client.listUsers();
      const now = clock.now();
      const repository = new AvailabilityRepository(store.db);
      for (const user of users) {
        await repository.record(
          {
            provider: AIRCALL_PROVIDER,
            userId: user.id,
            email: user.email,
            name: user.name,
            available: user.available,
            // When its page was read: a user.opened/closed event that came during the listing is newer.
            changedAt: user.readAt,
          },
          now,
        );
      }
    } catch (error) {
      // Round robin falls back on what events said; the next slot tries again.
      logger.warn({ err: error }, 'aircall: could not read users availability; trying again next round');
    }
    const next = availabilityRefresh(clock.now(), slot + 1);
    await store.enqueue([next], clock.now());
  };
}
