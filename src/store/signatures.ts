/**
 * Request signatures seen while they are still inside their time window. A signed request captured on the
 * wire stays valid for its whole window (Slack and Zendesk: 5 minutes); remembering each signature until
 * then turns every second sighting into a refused replay, across every replica sharing the database.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type SignatureSource = 'slack' | 'zendesk';

export class SignatureRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Remembers `signature` until `expiresAt` (epoch ms) and answers true; answers false when it was already
   * remembered (a replay). One insert decides, so two replicas seeing the same request cannot both win.
   */
  async rememberOnce(source: SignatureSource, signature: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('signatures')
      .values({ key: keyOf(source, signature), source, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Lets a request be sent again: for one that was remembered but could not be handled (the sender retries it). */
  async forget(source: SignatureSource, signature: string): Promise<void> {
    await this.db.deleteFrom('signatures').where('key', '=', keyOf(source, signature)).execute();
  }

  /** Deletes signatures whose window has closed; answers how many. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('signatures').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows ?? 0n);
  }
}

// A digest keeps the key short and the table free of anything that was ever a credential-like value.
function keyOf(source: SignatureSource, signature: string): string {
  return `${source}:${createHash('sha256').update(signature).digest('hex')}`;
}
