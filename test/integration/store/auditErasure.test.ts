/**
 * Migration 018: an episode an older version erased kept its caller data in its audit entries (a number to
 * call back on, a priority rule's reason). The upgrade erases them there too, and touches nothing else.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';
import { ana, episode, insertOlderEpisode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('migration 018_audit_erasure on $name', (kind) => {
  const older = useOlderDatabase(kind, '017_ticket_create_started');

  it('erases the caller data in the audit of episodes already erased, and leaves the others as they were', async () => {
    const upgraded = older.store();
    for (const [id, number] of [
      ['ep-erased', '+33612340003'],
      ['ep-live', '+33612340005'],
    ] as const) {
      await insertOlderEpisode(
        older.handle().db,
        episode({ id, caller: { number, name: null }, lastCallAt: T0 }),
      );
      await upgraded.audit.append([
        {
          episodeId: id,
          type: 'callback_number_set',
          actor: ana,
          surface: 'slack',
          at: T0,
          data: { number: '+33612340004' },
        },
        { episodeId: id, type: 'claimed', actor: ana, surface: 'slack', at: T0, data: { implicit: false } },
      ]);
    }
    // What the older version's retention did: the episode erased, its audit untouched.
    await older
      .handle()
      .db.updateTable('episodes')
      .set({ caller_number: null, erased_at: T0 + 1 })
      .where('id', '=', 'ep-erased')
      .execute();

    expect(await upgraded.migrate()).toEqual([
      '018_audit_erasure',
      '019_first_claimed_at',
      '020_lookup_indexes',
      '021_short_lived_keys',
      '022_resolved_caller_index',
      '023_escalation_step',
    ]);

    expect((await upgraded.audit.listForEpisode('ep-erased')).map((e) => e.data)).toEqual([
      { number: null },
      { implicit: false },
    ]);
    expect((await upgraded.audit.listForEpisode('ep-live')).map((e) => e.data)).toEqual([
      { number: '+33612340004' },
      { implicit: false },
    ]);
  });
});
