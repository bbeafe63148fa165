/**
 * The door of POST /slack/events: checks Slack's request signature (v0 HMAC of the raw body, 5-minute
 * window) and answers a JSON 401 with one log line when it is wrong, before Bolt's own receiver (which
 * checks it again and parses the body) sees the request.
 */
import express, { type RequestHandler } from 'express';
import { hmacSha256Hex, safeEqual } from '../../http/auth.js';
import { sendError } from '../../http/errors.js';
import { BODY_LIMIT } from '../../http/server.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

export const SLACK_EVENTS_PATH = '/slack/events';
const MAX_AGE_SECONDS = 5 * 60;

export type SignatureCheck =
  | { ok: true }
  | {
      ok: false;
      error: 'missing_signature' | 'invalid_timestamp' | 'stale_request' | 'invalid_signature';
      detail: string;
    };

/** Checks one request's signature; `nowSeconds` is wall-clock time, because Slack signs with it. */
export function checkSlackSignature(
  secret: string,
  rawBody: Buffer,
  headers: { signature: string | undefined; timestamp: string | undefined },
  nowSeconds: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) {
    return {
      ok: false,
      error: 'missing_signature',
      detail: 'X-Slack-Signature and X-Slack-Request-Timestamp are required',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return {
      ok: false,
      error: 'invalid_timestamp',
      detail: 'X-Slack-Request-Timestamp must be Unix seconds',
    };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_AGE_SECONDS) {
    return {
      ok: false,
      error: 'stale_request',
      detail: 'the request timestamp is more than 5 minutes away from now',
    };
  }
  const expected = `v0=${hmacSha256Hex(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`), rawBody]))}`;
  if (!safeEqual(signature, expected)) {
    return { ok: false, error: 'invalid_signature', detail: 'X-Slack-Signature does not match the body' };
  }
  return { ok: true };
}

export function slackSignatureGuard(deps: {
  signingSecret: string;
  logger: Logger;
  metrics: Metrics;
}): RequestHandler[] {
  const readRaw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const verify: RequestHandler = (req, res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = checkSlackSignature(
      deps.signingSecret,
      raw,
      { signature: req.get('x-slack-signature'), timestamp: req.get('x-slack-request-timestamp') },
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) {
      deps.metrics.webhooks.inc({ route: SLACK_EVENTS_PATH, outcome: 'unauthorized' });
      deps.logger.warn(
        { path: SLACK_EVENTS_PATH, error: check.error },
        `slack: request refused: ${check.detail}`,
      );
      sendError(res, 401, check.error, check.detail);
      return;
    }
    deps.metrics.webhooks.inc({ route: SLACK_EVENTS_PATH, outcome: 'accepted' });
    // Bolt's receiver reads the body from here instead of the (already consumed) stream.
    (req as typeof req & { rawBody?: Buffer }).rawBody = raw;
    next();
  };
  return [readRaw, verify];
}
