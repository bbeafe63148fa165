/**
 * Migration 019: when a call was first claimed, for episodes stored before it was kept: the first `claimed`
 * of the audit, or else the claim the episode holds. The column then follows every claim.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';
import { ana, ben, episode, insertOlderEpisode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('migration 019_first_claimed_at on $name', (kind) => {
  const older = useOlderDatabase(kind, '018_audit_erasure');

  it('takes the first claim from the audit, else the current claim, and leaves unclaimed calls alone', async () => {
    const upgraded = older.store();
    const stored = [
      // Claimed by Ana at +2 min, handed to Ben at +5 h: the row says +5 h, the audit says +2 min.
      episode({
        id: 'handed',
        caller: { number: '+33100000011', name: null },
        state: 'claimed',
        claimedBy: ben,
        claimedAt: T0 + 5 * 3_600_000,
      }),
      episode({
        id: 'no-audit',
        caller: { number: '+33100000012', name: null },
        state: 'claimed',
        claimedBy: ana,
        claimedAt: T0 + 60_000,
      }),
      episode({ id: 'open', caller: { number: '+33100000013', name: null } }),
    ];
    for (const e of stored) await insertOlderEpisode(older.handle().db, e);
    await upgraded.audit.append([
      {
        episodeId: 'handed',
        type: 'claimed',
        actor: ana,
        surface: 'slack',
        at: T0 + 120_000,
        data: { implicit: false },
      },
    ]);

    expect(await upgraded.migrate()).toEqual([
      '019_first_claimed_at',
      '020_lookup_indexes',
      '021_short_lived_keys',
      '022_resolved_caller_index',
      '023_escalation_step',
    ]);

    expect((await upgraded.episodes.get('handed'))?.firstClaimedAt).toBe(T0 + 120_000);
    expect((await upgraded.episodes.get('no-audit'))?.firstClaimedAt).toBe(T0 + 60_000);
    expect((await upgraded.episodes.get('open'))?.firstClaimedAt).toBeNull();
  });
});
