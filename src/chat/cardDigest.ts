/**
 * A short digest of a rendered card, stored with each posted copy: an update that would show exactly the
 * same card is not sent (posts.shown_digest, migration 014).
 */
import { createHash } from 'node:crypto';

export function cardDigest(message: unknown): string {
  return createHash('sha256').update(JSON.stringify(message)).digest('base64url').slice(0, 22);
}
