import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { atomically } from './atomically.js';

/**
 * The step the latest escalation was in its own ladder (episodes.escalation_step): the card said the
 * episode's level, so the first step of a ladder re-armed by a release read "step 3". Older escalated
 * episodes get it from the audit: the escalations since the last claim, release or hand-over before the
 * latest escalation (each arms a ladder again), in the audit's own order; without such entries, the level.
 */
export function escalationStepMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema by design
    async up(db: Kysely<any>): Promise<void> {
      await atomically(db, dialect, async (trx) => {
        await trx.schema
          .alterTable('episodes')
          .addColumn('escalation_step', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await sql`
          update episodes set escalation_step = coalesce(nullif((
            select count(*) from audit escalation
            where escalation.episode_id = episodes.id and escalation.type = 'escalated'
              and escalation.id > coalesce((
                select max(rearm.id) from audit rearm
                where rearm.episode_id = episodes.id
                  and rearm.type in ('claimed', 'released', 'reassigned')
                  and rearm.id < (
                    select max(latest.id) from audit latest
                    where latest.episode_id = episodes.id and latest.type = 'escalated')), 0)), 0),
            escalation_level)
          where escalation_level > 0`.execute(trx);
      });
    },
  };
}
