/**
 * The step a card says an escalated call is at: the step of the ladder that fired, counted again from 1
 * when a release re-arms the claim ladder or a reminder arms the resolve ladder (the level counts on).
 */
import { describe, expect, it } from 'vitest';
import { cardModelFor } from '../../../src/app/card.js';
import { runCommand } from '../../../src/app/commands.js';
import { emptyDetails } from '../../../src/domain/details.js';
import { databaseKinds } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';
import { MINUTE, noticesOf, openEpisode, paris, replicaPerTest } from './harness.js';

const kinds = await databaseKinds();

describe.each(kinds)('the escalation step on the card on $name', (kind) => {
  const world = replicaPerTest(kind);
  const { clock, run } = world;

  async function cardEscalation(id: string): Promise<string | null> {
    const episode = await world.app.store.episodes.get(id);
    if (!episode) throw new Error(`no episode ${id}`);
    const { routing, env } = world.app.config;
    return cardModelFor({ routing, env }, episode, emptyDetails(), clock.now()).escalationText;
  }

  it('is step 1 again for the first step after a release, not the third escalation of the call', async () => {
    // Support FR: @here at 15m, the managers at 30m, a DM at 45m, while nobody holds the call.
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(world.app, { id: 'ep-1', missedAt });
    await run(missedAt + 15 * MINUTE);
    await run(missedAt + 30 * MINUTE);
    expect(await cardEscalation('ep-1')).toBe('Escalated (step 2) at 10:30');

    clock.set(missedAt + 35 * MINUTE);
    await runCommand(world.app.commands, 'ep-1', { type: 'claim', actor: ana, at: clock.now() });
    const releasedAt = missedAt + 40 * MINUTE;
    clock.set(releasedAt);
    await runCommand(world.app.commands, 'ep-1', {
      type: 'release',
      actor: ana,
      at: releasedAt,
      asManager: false,
    });

    await run(releasedAt + 15 * MINUTE);
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread', 'managers', 'thread']);
    expect(await world.app.store.episodes.get('ep-1')).toMatchObject({
      escalationLevel: 3,
      escalationStep: 1,
    });
    expect(await cardEscalation('ep-1')).toBe('Escalated (step 1) at 10:55');

    await run(releasedAt + 30 * MINUTE);
    expect(await cardEscalation('ep-1')).toBe('Escalated (step 2) at 11:10');
  });

  it('is step 1 for the first step after the claimer’s reminder, after the claim ladder’s steps', async () => {
    // Support FR resolves within 2h (12:00); without `reminders` its own ladder follows the reminder.
    const missedAt = paris('2026-11-19T10:00');
    await openEpisode(world.app, { id: 'ep-2', missedAt });
    await run(missedAt + 15 * MINUTE);
    await run(missedAt + 30 * MINUTE);
    clock.set(missedAt + 35 * MINUTE);
    await runCommand(world.app.commands, 'ep-2', { type: 'claim', actor: ana, at: clock.now() });

    await run(paris('2026-11-19T12:00'));
    await run(paris('2026-11-19T12:15'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual([
      'thread',
      'managers',
      'dm',
      'thread',
    ]);
    expect(await cardEscalation('ep-2')).toBe('Escalated (step 1) at 12:15');
  });
});
