/** POST /webhooks/aircall: check the body token, check the shape, queue the delivery, answer at once. */
import { createHash } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { safeEqual } from '../../http/auth.js';
import { defineJob, jobOf } from '../../jobs/registry.js';
import type { Store } from '../../store/store.js';
import { enqueueDelivery, parseJson, reject, schemaProblem, type WebhookEndpoint } from '../webhook.js';
import { isAvailabilityEvent, recordAvailabilityEvent } from './availability.js';
import { aircallEnvelopeSchema, aircallJobSchema, isInterestingEvent, parseAircallData } from './schema.js';

export const AIRCALL_WEBHOOK_PATH = '/webhooks/aircall';
export const AIRCALL_EVENT_JOB = 'aircall.event';
/** A verified Aircall delivery waiting to be ingested. */
export const aircallEventJob = defineJob(AIRCALL_EVENT_JOB, aircallJobSchema);

export function aircallWebhook(deps: { store: Store; clock: Clock; token: string }): WebhookEndpoint {
  return {
    path: AIRCALL_WEBHOOK_PATH,
    async handle(raw) {
      const json = parseJson(raw);
      if (!json.ok) return reject(400, 'invalid_json', json.detail);
      const body = json.value;
      const token = body && typeof body === 'object' && 'token' in body ? body.token : undefined;
      // Aircall signs nothing: the shared token in the body is the only proof of origin.
      if (!safeEqual(token, deps.token)) {
        return reject(401, 'unauthorized', 'the body "token" does not match AIRCALL_WEBHOOK_TOKEN');
      }
      const envelope = aircallEnvelopeSchema.safeParse(body);
      if (!envelope.success) return reject(422, 'invalid_schema', schemaProblem(envelope.error));
      const { event, timestamp, data } = envelope.data;
      // Round robin's availability: one small row, stored at once (no ingest behind it).
      if (isAvailabilityEvent(event)) return recordAvailabilityEvent(deps, event, timestamp, data);
      if (!isInterestingEvent(event)) {
        return {
          status: 200,
          outcome: 'ignored',
          body: { status: 'ignored', reason: `${event} is not used` },
        };
      }
      const resource = parseAircallData(event, data);
      if (resource.kind === 'error')
        return reject(422, 'invalid_schema', schemaProblem(resource.error, 'data.'));

      const now = deps.clock.now();
      const stored = await enqueueDelivery(
        deps.store,
        jobOf(
          aircallEventJob,
          { receivedAt: now, event, timestamp, data },
          // Aircall redelivers the same bytes; their hash recognises a repeat.
          { dedupeKey: `aircall:${createHash('sha256').update(raw).digest('hex')}` },
        ),
        now,
      );
      return stored === 'queued'
        ? { status: 200, outcome: 'accepted', body: { status: 'accepted' } }
        : { status: 200, outcome: 'duplicate', body: { status: 'duplicate' } };
    },
  };
}
