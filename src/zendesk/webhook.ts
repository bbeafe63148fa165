/**
 * POST /webhooks/zendesk: a trigger's webhook (voice tickets, side-conversation replies). The body is
 * whatever the admin pasted into the trigger, so only the signature, `ticket_id` and an optional
 * `side_conversation_id` are trusted; the job re-reads everything else from the API. Answers in
 * milliseconds: verify, validate, queue, 200.
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { jobOf } from '../jobs/registry.js';
import {
  enqueueDelivery,
  parseJson,
  reject,
  rememberSignatureWithin,
  schemaProblem,
  type WebhookEndpoint,
} from '../providers/webhook.js';
import type { Store } from '../store/store.js';
import { webhookJob } from './jobKinds.js';
import { JOBS } from './keys.js';
import { checkSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';

export const WEBHOOK_PATH = '/webhooks/zendesk';
/** Signatures are remembered a little past their window, so a purge never frees one that could still pass. */
const REMEMBER_MARGIN_MS = 60_000;
/** Zendesk's id of one firing of the webhook (not signed). */
const INVOCATION_HEADER = 'x-zendesk-webhook-invocation-id';

/** A positive whole number, what Zendesk's ids are; past 2^53 it would not survive as a JSON number. */
const ticketIdNumber = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const ticketId = z.union([
  ticketIdNumber,
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'expected a ticket id such as "123" ({{ticket.id}} in the trigger)' })
    .transform(Number)
    // "0" and 20 digits pass the pattern; the job's own schema would refuse them after the answer.
    .pipe(ticketIdNumber),
]);

export const webhookBodySchema = z.object({
  ticket_id: ticketId,
  side_conversation_id: z
    .string()
    .trim()
    .max(100)
    .optional()
    .nullable()
    .transform((value) => (value ? value : null)),
});

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function zendeskWebhook(deps: { store: Store; clock: Clock; secret: string }): WebhookEndpoint {
  return {
    path: WEBHOOK_PATH,
    async handle(raw, req) {
      const now = deps.clock.now();
      const verdict = checkSignature({
        secret: deps.secret,
        raw,
        signature: header(req, SIGNATURE_HEADER),
        timestamp: header(req, TIMESTAMP_HEADER),
        now,
      });
      if (!verdict.ok) {
        const detail = {
          missing: 'X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp are required',
          stale: 'the signature timestamp is more than 5 minutes away from now',
          mismatch: 'the signature does not match the body (check ZENDESK_WEBHOOK_SECRET)',
        }[verdict.reason];
        return reject(401, `unauthorized_${verdict.reason}`, detail);
      }
      const json = parseJson(raw);
      if (!json.ok) return reject(400, 'invalid_json', json.detail);
      const body = webhookBodySchema.safeParse(json.value);
      if (!body.success) return reject(422, 'invalid_payload', schemaProblem(body.error));
      // A captured delivery is valid for its whole window: the second sighting of a signature is a replay.
      // Per invocation: the signature covers only the timestamp (whole seconds) and the body, so two firings
      // of one trigger for one ticket within a second sign alike ({"ticket_id": …}); refused, the second
      // change went unread. A replay that invents an invocation id only causes one more re-read of the ticket.
      const invocation = header(req, INVOCATION_HEADER)?.trim().slice(0, 100) ?? '';
      const replayKey = invocation ? `${verdict.canonical}:${invocation}` : verdict.canonical;
      const first = await rememberSignatureWithin(
        deps.store.signatures,
        'zendesk',
        replayKey,
        verdict.validUntil + REMEMBER_MARGIN_MS,
        2_500,
      );
      if (!first) {
        return reject(
          401,
          'replayed',
          'this signed delivery was already received; a signed delivery is accepted once',
        );
      }
      const payload = {
        ticketId: body.data.ticket_id,
        sideConversationId: body.data.side_conversation_id,
      };
      let queued: 'queued' | 'duplicate';
      try {
        queued = await enqueueDelivery(
          deps.store,
          jobOf(webhookJob, payload, {
            // Bursts about one ticket fold into one re-read while it waits.
            coalesceKey: `${JOBS.webhook}:${payload.ticketId}:${payload.sideConversationId ?? ''}`,
          }),
          now,
        );
      } catch (error) {
        // Not stored: Zendesk retries this very delivery, which must not be taken for a replay.
        await deps.store.signatures.forget('zendesk', replayKey).catch(() => undefined);
        throw error;
      }
      return {
        status: 200,
        outcome: queued === 'queued' ? 'accepted' : 'duplicate',
        body: { status: queued === 'queued' ? 'accepted' : 'duplicate', ticket_id: payload.ticketId },
      };
    },
  };
}
