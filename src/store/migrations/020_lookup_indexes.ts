import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * Two lookups that read a table's whole history without an index, and so got slower every day:
 * - a reply in a card's thread finds its card by the thread's ref (posts.thread_ref): a full scan of posts
 *   per message, 100-150 ms at 730,000 posts;
 * - a missed call with no open episode asks whether the caller's episode was resolved after it came in:
 *   every resolved episode of the number was read (443 ms for a number with 18,000). Indexed by when they
 *   were resolved: the usual answer is "none after this call", a range the index finds empty at once.
 */
export function lookupIndexesMigration(_dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('posts_thread_ref')
        .on('posts')
        .columns(['surface', 'thread_ref'])
        .execute();
      await db.schema
        .createIndex('episodes_resolved_caller')
        .on('episodes')
        .columns(['line', 'caller_number', 'resolved_at'])
        .where(sql.ref('state'), '=', 'resolved')
        .execute();
    },
  };
}
