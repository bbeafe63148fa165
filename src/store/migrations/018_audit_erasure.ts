import type { Kysely } from 'kysely';
import { eraseAuditCallerData } from '../audit.js';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * Versions before this one erased an episode's caller data but not the copies in its audit entries (a number
 * to call back on, a priority rule's reason): those of the episodes already erased are erased now, a batch
 * of episodes at a time. From here on the retention erases both in one transaction.
 */
export function auditErasureMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await atomically(db, dialect, async (trx) => {
        const erased: { id: string }[] = await trx
          .selectFrom('episodes')
          .select('id')
          .where('erased_at', 'is not', null)
          .execute();
        for (let start = 0; start < erased.length; start += 500) {
          await eraseAuditCallerData(
            trx,
            erased.slice(start, start + 500).map((row) => row.id),
          );
        }
      });
    },
  };
}
