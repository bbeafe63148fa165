import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

/**
 * The callback workflow (issue 14): what the caller asked for (a callback request, the number to call back
 * on, how Aircall's own automated callback fares), "call back later" (when it comes due, since when it is
 * snoozed, when the claimer was reminded), every call-back attempt, and the follow-up to the caller.
 * Columns rather than details JSON because lists sort and filter on them (callback requests first, due
 * calls) and the read API shows them. `callback_requested` leads the index for "requests first" lists.
 */
export function callbacksMigration(_dialect: DialectName) {
  const ms = 'bigint';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      const episodes = () => db.schema.alterTable('episodes');
      await episodes()
        .addColumn('callback_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await episodes().addColumn('callback_requested_at', ms).execute();
      await episodes().addColumn('callback_number', 'text').execute();
      await episodes().addColumn('auto_callback', 'text').execute();
      await episodes().addColumn('due_at', ms).execute();
      await episodes().addColumn('snoozed_at', ms).execute();
      await episodes().addColumn('due_reminded_at', ms).execute();
      await episodes()
        .addColumn('attempt_log', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await episodes().addColumn('follow_up', 'text').execute();
      await db.schema
        .createIndex('episodes_callback_first')
        .on('episodes')
        .columns(['state', 'callback_requested', 'missed_at'])
        .execute();
    },
  };
}
