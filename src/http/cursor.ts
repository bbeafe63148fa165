/**
 * The read API's page cursors: opaque to clients, who only echo what `next` gave them. A cursor is the
 * base64url of the last key shown, `[createdAt, id]`, and a MAC of it under the API token, so an edited,
 * truncated or invented cursor is refused (400) rather than silently starting somewhere else. Rotating the
 * token invalidates cursors in flight; a client then starts again from the first page.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { PageKey } from '../store/episodes.js';
import { safeEqual } from './auth.js';

const keyShape = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(200)]);

function mac(body: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`ringback.cursor:${body}`)
    .digest()
    .subarray(0, 12)
    .toString('base64url');
}

export function encodeCursor(key: PageKey, secret: string): string {
  const body = Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** The key a cursor of ours stands for, or null for anything else. */
export function decodeCursor(cursor: string, secret: string): PageKey | null {
  const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{16})$/.exec(cursor);
  if (!match?.[1] || !match[2]) return null;
  const body = match[1];
  if (!safeEqual(match[2], mac(body, secret))) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = keyShape.safeParse(value);
  return parsed.success ? { createdAt: parsed.data[0], id: parsed.data[1] } : null;
}
