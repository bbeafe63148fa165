/**
 * Zendesk webhook signatures: X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(timestamp + raw body))
 * keyed with the signing secret as-is, with the timestamp from X-Zendesk-Webhook-Signature-Timestamp.
 * An older page of the docs put the body first; that order is accepted too (both are HMACs under the
 * secret, so it widens nothing an attacker can forge).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';
/** Deliveries signed longer ago (or further ahead) than this are refused: a captured one cannot be replayed. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

export function signZendesk(secret: string, timestamp: string, raw: Buffer | string): string {
  return createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(timestamp), Buffer.isBuffer(raw) ? raw : Buffer.from(raw)]))
    .digest('base64');
}

export function verifySignature(secret: string, timestamp: string, raw: Buffer, signature: string): boolean {
  const given = Buffer.from(signature, 'base64');
  const matches = (message: Buffer) => {
    const expected = createHmac('sha256', secret).update(message).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  const stamp = Buffer.from(timestamp);
  return matches(Buffer.concat([stamp, raw])) || matches(Buffer.concat([raw, stamp]));
}

export type SignatureVerdict =
  | {
      ok: true;
      /**
       * The signature in one canonical spelling (timestamp and re-encoded digest): base64 decoding forgives
       * missing padding, so the header text itself would let a replay slip past by changing its spelling.
       */
      canonical: string;
      /** Until when this signature is inside its window (epoch ms). */
      validUntil: number;
    }
  | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export function checkSignature(input: {
  secret: string;
  raw: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
}): SignatureVerdict {
  const { signature, timestamp } = input;
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  const signedAt = Date.parse(timestamp);
  if (!Number.isFinite(signedAt) || Math.abs(input.now - signedAt) > MAX_SIGNATURE_AGE_MS) {
    return { ok: false, reason: 'stale' };
  }
  if (!verifySignature(input.secret, timestamp, input.raw, signature))
    return { ok: false, reason: 'mismatch' };
  return {
    ok: true,
    canonical: `${timestamp}\n${Buffer.from(signature, 'base64').toString('base64')}`,
    validUntil: signedAt + MAX_SIGNATURE_AGE_MS,
  };
}
