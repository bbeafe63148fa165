import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * Queue keys and completed jobs removed (issue 12, item 3).
 *
 * `jobs.queue_key`: jobs sharing one run one at a time, oldest first. The partial index holds only keyed
 * jobs, so the two lookups take() makes per keyed candidate (is one of its key running? is an older one
 * waiting?) are index probes, and unkeyed work (most of the table) pays nothing for it.
 *
 * `job_keys`: a finished job is now deleted, so "once ever" dedupe keys can no longer live on its row. The
 * key alone, with when it was first queued, is what dedupe needs; it is purged with the call retention
 * (src/app/retention.ts). Every key already in the table is copied (pending ones too: enqueue now checks
 * job_keys first), then the done rows go.
 */
export function queueKeysMigration(dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      // The copy of the keys and the delete of the done rows must land together.
      await atomically(db, dialect, async (trx) => {
        await trx.schema.alterTable('jobs').addColumn('queue_key', 'text').execute();
        await trx.schema
          .createIndex('jobs_queue_key')
          .on('jobs')
          .columns(['queue_key', 'status', 'run_at', 'id'])
          .where(sql.ref('queue_key'), 'is not', null)
          .execute();

        await trx.schema
          .createTable('job_keys')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('created_at', ms, (c) => c.notNull())
          .execute();
        await trx.schema.createIndex('job_keys_created').on('job_keys').column('created_at').execute();

        await sql`insert into job_keys (key, created_at)
          select dedupe_key, created_at from jobs where dedupe_key is not null`.execute(trx);
        await trx.deleteFrom('jobs').where('status', '=', 'done').execute();
      });
    },
  };
}
