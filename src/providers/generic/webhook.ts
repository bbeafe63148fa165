/**
 * POST /webhooks/calls: `X-Ringback-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
 * RINGBACK_WEBHOOK_SECRET, then the documented JSON schema, then the jobs table.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { hmacSha256Hex, safeEqual } from '../../http/auth.js';
import { defineJob, jobOf } from '../../jobs/registry.js';
import type { Store } from '../../store/store.js';
import { enqueueDelivery, parseJson, reject, schemaProblem, type WebhookEndpoint } from '../webhook.js';
import { genericCallSchema, genericJobSchema } from './schema.js';

export const GENERIC_WEBHOOK_PATH = '/webhooks/calls';
export const GENERIC_EVENT_JOB = 'generic.event';
/** A verified generic call update waiting to be ingested. */
export const genericEventJob = defineJob(GENERIC_EVENT_JOB, genericJobSchema);
export const SIGNATURE_HEADER = 'x-ringback-signature';

/** The header value a sender must put on `body` (also what docs/generic-webhook.md shows). */
export function signGenericBody(secret: string, body: Buffer | string): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

export function genericWebhook(deps: { store: Store; clock: Clock; secret: string }): WebhookEndpoint {
  return {
    path: GENERIC_WEBHOOK_PATH,
    async handle(raw, req) {
      const signature = req.get(SIGNATURE_HEADER);
      if (!signature)
        return reject(401, 'unauthorized', 'missing X-Ringback-Signature: sha256=<hex HMAC of the body>');
      if (!safeEqual(signature.trim().toLowerCase(), signGenericBody(deps.secret, raw))) {
        return reject(
          401,
          'unauthorized',
          'X-Ringback-Signature does not match the body (HMAC-SHA256, RINGBACK_WEBHOOK_SECRET)',
        );
      }
      const json = parseJson(raw);
      if (!json.ok) return reject(400, 'invalid_json', json.detail);
      const call = genericCallSchema.safeParse(json.value);
      if (!call.success) return reject(422, 'invalid_schema', schemaProblem(call.error));

      const now = deps.clock.now();
      const stored = await enqueueDelivery(
        deps.store,
        jobOf(
          genericEventJob,
          { receivedAt: now, call: call.data },
          { dedupeKey: `generic:${createHash('sha256').update(raw).digest('hex')}` },
        ),
        now,
      );
      return stored === 'queued'
        ? { status: 200, outcome: 'accepted', body: { status: 'accepted' } }
        : { status: 200, outcome: 'duplicate', body: { status: 'duplicate' } };
    },
  };
}
