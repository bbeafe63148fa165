import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';
import { sendError } from './errors.js';

/** Constant-time string comparison that tolerates different lengths and non-strings. */
export function safeEqual(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length) {
    // Compare anyway so the time does not reveal the expected length's neighbourhood.
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

export function hmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether the request carries `Authorization: Bearer <token>`; answers 401 (and logs why) when it does not.
 * `what` names the route in the log line.
 */
export function bearerAccepted(
  req: Request,
  res: Response,
  token: string,
  logger: Logger,
  what: string,
): boolean {
  const header = req.get('authorization') ?? '';
  // The scheme is case-insensitive (RFC 9110 §11.1): some clients and proxies send `bearer`.
  const given = /^Bearer +(\S+)$/i.exec(header)?.[1];
  if (safeEqual(given, token)) return true;
  logger.info({ path: req.path }, `${what}: request without a valid bearer token`);
  res.set('WWW-Authenticate', 'Bearer');
  sendError(res, 401, 'unauthorized', 'send Authorization: Bearer <RINGBACK_API_TOKEN>');
  return false;
}
