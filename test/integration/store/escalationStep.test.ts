/**
 * Migration 023: the step the latest escalation was in its own ladder, for episodes escalated before it was
 * kept: the escalations since the claim, release or hand-over before the latest one, else the level.
 */
import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../../src/store/audit.js';
import { databaseKinds, useOlderDatabase } from '../../helpers/databases.js';
import { ana, episode, insertOlderEpisode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();
const MIN = 60_000;

describe.each(kinds)('migration 023_escalation_step on $name', (kind) => {
  const older = useOlderDatabase(kind, '022_resolved_caller_index');

  it('counts the latest ladder’s steps from the audit, else keeps the level', async () => {
    const upgraded = older.store();
    const escalated = (episodeId: string, minutes: number, level: number): NewAuditEntry => ({
      episodeId,
      type: 'escalated',
      actor: null,
      surface: 'system',
      at: T0 + minutes * MIN,
      data: { level },
    });
    const by = (episodeId: string, type: string, minutes: number): NewAuditEntry => ({
      episodeId,
      type,
      actor: ana,
      surface: 'slack',
      at: T0 + minutes * MIN,
      data: {},
    });
    const stored: [string, number, NewAuditEntry[]][] = [
      // Two steps, claimed and released, then the re-armed ladder's first step.
      [
        'rearmed',
        3,
        [
          escalated('rearmed', 15, 1),
          escalated('rearmed', 30, 2),
          by('rearmed', 'claimed', 35),
          by('rearmed', 'released', 40),
          escalated('rearmed', 55, 3),
        ],
      ],
      // Claimed after its two steps: the card still names the second.
      [
        'claimed-after',
        2,
        [
          escalated('claimed-after', 15, 1),
          escalated('claimed-after', 30, 2),
          by('claimed-after', 'claimed', 35),
        ],
      ],
      ['no-audit', 2, []],
      ['calm', 0, []],
    ];
    for (const [index, [id, level, entries]] of stored.entries()) {
      await insertOlderEpisode(
        older.handle().db,
        episode({
          id,
          caller: { number: `+3310000001${index}`, name: null },
          escalationLevel: level,
          escalatedAt: level > 0 ? T0 + 55 * MIN : null,
        }),
      );
      if (entries.length > 0) await upgraded.audit.append(entries);
    }

    expect(await upgraded.migrate()).toEqual(['023_escalation_step']);

    expect((await upgraded.episodes.get('rearmed'))?.escalationStep).toBe(1);
    expect((await upgraded.episodes.get('claimed-after'))?.escalationStep).toBe(2);
    expect((await upgraded.episodes.get('no-audit'))?.escalationStep).toBe(2);
    expect((await upgraded.episodes.get('calm'))?.escalationStep).toBe(0);
  });
});
