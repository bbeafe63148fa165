/**
 * Migration 008 on a database an older version left: done jobs are deleted, every dedupe key already used
 * keeps refusing its twin (done, dead or still pending), and pending jobs run as before, without a queue key.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

const OLD_JOBS: Array<[kind: string, status: string, dedupeKey: string | null]> = [
  ['zendesk.ticket.ensure', 'done', 'zendesk.ticket.ensure:e1'],
  ['slack.update_card', 'done', null],
  ['escalation.step', 'dead', 'escalation:e2:claim:1:1'],
  ['escalation.step', 'pending', 'escalation:e3:claim:1:1'],
  ['zendesk.ticket.assign', 'pending', null],
];

describe.each(kinds)('migration 008_queue_keys on $name', (kind) => {
  const older = useOlderDatabase(kind, '007_zendesk_links');

  it('deletes done jobs and keeps every dedupe key refusing its twin', async () => {
    const handle = older.handle();
    for (const [jobKind, status, dedupeKey] of OLD_JOBS) {
      // The columns as 007 left them: no queue_key yet.
      await sql`insert into jobs (kind, payload, dedupe_key, status, run_at, attempts, max_attempts, created_at, updated_at)
        values (${jobKind}, ${'{"episodeId":"e"}'}, ${dedupeKey}, ${status}, ${T0}, 0, 12, ${T0}, ${T0})`.execute(
        handle.db,
      );
    }
    const store = older.store();
    expect(await store.migrate()).toContain('008_queue_keys');

    const left = await store.jobs.list();
    expect(left.map((job) => [job.kind, job.status, job.queueKey])).toEqual([
      ['escalation.step', 'dead', null],
      ['escalation.step', 'pending', null],
      ['zendesk.ticket.assign', 'pending', null],
    ]);
    for (const [jobKind, , dedupeKey] of OLD_JOBS) {
      if (dedupeKey === null) continue;
      expect(await store.jobs.enqueue([{ kind: jobKind, payload: {}, dedupeKey }], T0 + 1)).toBe(0);
    }
    const taken = await store.jobs.take('w', 10, 1_000, T0 + 1);
    expect(taken.map((job) => job.kind).sort()).toEqual(['escalation.step', 'zendesk.ticket.assign']);
  });
});
