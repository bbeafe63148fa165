/**
 * When escalation steps and reminders go out on a line with business hours: never while it is closed,
 * never at the closing instant, and not all at once after the process was down.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { databaseKinds } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';
import { noticesOf, openEpisode, paris, replicaPerTest } from './harness.js';

const kinds = await databaseKinds();

describe.each(kinds)('escalation timing on $name', (kind) => {
  const world = replicaPerTest(kind);
  const { clock, run } = world;

  it('a step whose count ends at the closing goes out at the next opening, not as everyone leaves', async () => {
    const missedAt = paris('2026-11-19T17:45');
    clock.set(missedAt);
    await openEpisode(world.app, { id: 'ep-1', missedAt });

    await run(paris('2026-11-19T18:00'));
    expect(await noticesOf(world.app.store)).toEqual([]);

    await run(paris('2026-11-20T09:00'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread']);
    expect(await world.app.store.episodes.get('ep-1')).toMatchObject({
      escalationLevel: 1,
      escalatedAt: paris('2026-11-20T09:00'),
    });
  });

  it('a reminder whose deadline is the closing reaches the claimer at the next opening', async () => {
    const missedAt = paris('2026-11-19T16:00');
    clock.set(missedAt);
    await openEpisode(world.app, { id: 'ep-2', missedAt });
    clock.set(missedAt + 5 * 60_000);
    await runCommand(world.app.commands, 'ep-2', { type: 'claim', actor: ana, at: clock.now() });

    await run(paris('2026-11-19T18:00'));
    expect(await noticesOf(world.app.store)).toEqual([]);

    await run(paris('2026-11-20T09:00'));
    const notices = await noticesOf(world.app.store);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'dm', to: [ana] });
  });

  it('steps overdue after downtime wait for the opening, then go out a gap apart, not all at once', async () => {
    const missedAt = paris('2026-11-19T17:30');
    clock.set(missedAt);
    await openEpisode(world.app, { id: 'ep-3', missedAt });

    // The process was down from 17:40 to 21:00: step 1 (due 17:45) and step 2 (due 18:00) are overdue.
    await run(paris('2026-11-19T21:00'));
    expect(await noticesOf(world.app.store)).toEqual([]);
    expect((await world.app.store.episodes.get('ep-3'))?.escalationLevel).toBe(0);

    await run(paris('2026-11-20T09:00'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread']);
    await run(paris('2026-11-20T09:14'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread']);
    await run(paris('2026-11-20T09:15'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread', 'managers']);
    await run(paris('2026-11-20T09:30'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['thread', 'managers', 'dm']);
  });

  it('a reminder overdue after downtime reaches the claimer at the opening, its first step a full step later', async () => {
    const missedAt = paris('2026-11-19T15:00');
    clock.set(missedAt);
    await openEpisode(world.app, { id: 'ep-4', missedAt });
    clock.set(missedAt + 60_000);
    await runCommand(world.app.commands, 'ep-4', { type: 'claim', actor: ana, at: clock.now() });

    // Due at 17:00; the process was down from 16:30 to 20:00.
    await run(paris('2026-11-19T20:00'));
    expect(await noticesOf(world.app.store)).toEqual([]);

    await run(paris('2026-11-20T09:00'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['dm']);
    // Support FR has no `reminders`: its own ladder follows, 15 minutes after the reminder.
    await run(paris('2026-11-20T09:14'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['dm']);
    await run(paris('2026-11-20T09:15'));
    expect((await noticesOf(world.app.store)).map((n) => n.kind)).toEqual(['dm', 'thread']);
  });
});
