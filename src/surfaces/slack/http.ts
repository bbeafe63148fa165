/**
 * The door of POST /slack/events: checks Slack's request signature (v0 HMAC of the raw body, 5-minute
 * window) and answers a JSON 401 with one log line when it is wrong, before Bolt's own receiver (which
 * checks it again and parses the body) sees the request.
 *
 * A signed request stays valid for its whole window, so each signature is remembered in the database (all
 * replicas share it) until the window closes, and a second sighting is a replay: 401. Retries: Slack retries
 * Events API deliveries (immediately, after 1 minute, after 5 minutes, with `X-Slack-Retry-Num`) and signs
 * each retry with its own timestamp, otherwise the 5-minute retry could never pass its own window; such a
 * retry is a new signature and goes through. Should a retry ever carry a signature already seen, it is the
 * very request already handed to Bolt, so it is acknowledged with 200 and not run a second time: Slack
 * stops retrying, and an attacker who adds the (unsigned) retry header to a replay gets nothing run.
 */
import express, { type RequestHandler } from 'express';
import { hmacSha256Hex, safeEqual } from '../../http/auth.js';
import { sendError } from '../../http/errors.js';
import { BODY_LIMIT } from '../../http/server.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { rememberSignatureWithin } from '../../providers/webhook.js';
import type { SignatureRepository } from '../../store/signatures.js';

export const SLACK_EVENTS_PATH = '/slack/events';
const MAX_AGE_SECONDS = 5 * 60;
/** Signatures are remembered a little past their window, so a purge never frees one that could still pass. */
const REMEMBER_MARGIN_MS = 60_000;

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

/**
 * Why Bolt could not read a body, or null when it can: Bolt parses a form (and the JSON of its `payload`)
 * or else JSON, and answers a failure itself with an empty 400 and no log line of ours.
 */
export function unreadableSlackBody(raw: Buffer, contentType: string | undefined): string | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  const text = raw.toString('utf8');
  try {
    if (type === 'application/x-www-form-urlencoded') {
      const payload = new URLSearchParams(text).get('payload');
      if (payload !== null) JSON.parse(payload);
      return null;
    }
    JSON.parse(text);
    return null;
  } catch {
    return type === 'application/x-www-form-urlencoded'
      ? 'the form field payload is not JSON'
      : 'the body is not JSON (Slack sends JSON events or a form with a JSON payload)';
  }
}

export function slackSignatureGuard(deps: {
  signingSecret: string;
  logger: Logger;
  metrics: Metrics;
  signatures: SignatureRepository;
}): RequestHandler[] {
  const readRaw = express.raw({ type: () => true, limit: BODY_LIMIT });
  const count = (
    outcome: 'accepted' | 'unauthorized' | 'replayed' | 'duplicate' | 'unavailable' | 'invalid_payload',
  ) => deps.metrics.webhooks.inc({ route: SLACK_EVENTS_PATH, outcome });
  const verify: RequestHandler = async (req, res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.get('x-slack-signature');
    const timestamp = req.get('x-slack-request-timestamp');
    const check = checkSlackSignature(
      deps.signingSecret,
      raw,
      { signature, timestamp },
      Math.floor(Date.now() / 1000),
    );
    if (!check.ok) {
      count('unauthorized');
      deps.logger.warn(
        { path: SLACK_EVENTS_PATH, error: check.error },
        `slack: request refused: ${check.detail}`,
      );
      sendError(res, 401, check.error, check.detail);
      return;
    }
    let first: boolean;
    try {
      // A valid signature equals the one computed over the body, so its text is already canonical.
      first = await rememberSignatureWithin(
        deps.signatures,
        'slack',
        signature as string,
        // Inside its window until 5 minutes after it was signed (Bolt and Slack's SDKs check the past only).
        (Number(timestamp) + MAX_AGE_SECONDS) * 1000 + REMEMBER_MARGIN_MS,
        2_500,
      );
    } catch (error) {
      count('unavailable');
      deps.logger.error(
        { err: error, path: SLACK_EVENTS_PATH },
        'slack: could not check the request for a replay',
      );
      sendError(res, 503, 'unavailable', 'the request could not be checked right now; send it again later');
      return;
    }
    if (!first) {
      const retry = req.get('x-slack-retry-num');
      if (retry !== undefined) {
        count('duplicate');
        deps.logger.info(
          { path: SLACK_EVENTS_PATH, retry },
          'slack: a retry of a request already received; acknowledged without running it again',
        );
        res.status(200).end();
        return;
      }
      count('replayed');
      deps.logger.warn(
        { path: SLACK_EVENTS_PATH, error: 'replayed' },
        'slack: request refused: this signed request was already received (a replay)',
      );
      sendError(
        res,
        401,
        'replayed',
        'this signed request was already received; a signed request is accepted once',
      );
      return;
    }
    const unreadable = unreadableSlackBody(raw, req.get('content-type'));
    if (unreadable) {
      count('invalid_payload');
      deps.logger.warn(
        { path: SLACK_EVENTS_PATH, error: 'invalid_body' },
        `slack: request refused: ${unreadable}`,
      );
      sendError(res, 400, 'invalid_body', unreadable);
      return;
    }
    count('accepted');
    // Bolt's receiver reads the body from here instead of the (already consumed) stream.
    (req as typeof req & { rawBody?: Buffer }).rawBody = raw;
    next();
  };
  return [readRaw, verify];
}
