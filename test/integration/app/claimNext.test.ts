/**
 * Claim next at the use-case level, on the real store: a double click gives the clicker the same call, not
 * two, whether or not its first claim is saved when the second click reads; a click past the double-click
 * window, or another agent's, gets the next call; a call whose card the surface refused for good is not
 * handed out ("its card follows" would be false).
 */
import { describe, expect, it } from 'vitest';
import { claimNext, DOUBLE_CLICK_MS } from '../../../src/app/claimNext.js';
import { runCommand } from '../../../src/app/commands.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { ChannelCalls } from '../../../src/store/channelCalls.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { ana, ben, T0 } from '../../helpers/episodes.js';

const CHANNEL = 'C-STORM';

describe.each(await databaseKinds())('Claim next on $name', (kind) => {
  const { store } = useStore(kind);

  async function queued(id: string, minutesAgo: number): Promise<Episode> {
    const episode = newEpisode({
      id,
      line: 'Support FR',
      caller: { number: `+3361234560${id.length}`, name: id },
      missedAt: T0 - minutesAgo * 60_000,
    });
    await store().episodes.insert(episode, {}, T0);
    await store().cardQueue.queue([{ episodeId: id, surface: 'slack', channel: CHANNEL }], T0);
    return episode;
  }

  function deps(listed?: Episode[], clock = new ManualClock(T0)) {
    const channelCalls = new ChannelCalls(store().db);
    return {
      commands: { store: store(), clock, planEffects: () => [] },
      directory: { checkAgent: async () => ({ ok: true as const }) },
      // `listed`: what both clicks of a double click read before either claimed.
      calls: listed ? { unclaimed: async () => listed } : channelCalls,
    };
  }

  const input = { surface: 'slack', channel: CHANNEL, actor: ana };

  it('answers a double click whose clicks both read before either claim was saved with the same call', async () => {
    const oldest = await queued('oldest', 10);
    const next = await queued('next-one', 5);
    const first = await claimNext(deps([oldest, next]), input);
    const second = await claimNext(deps([oldest, next]), input);
    expect(first).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect(second).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect((await store().episodes.get('next-one'))?.state).toBe('open');
  });

  it('answers a double click whose first claim is saved already with the same call', async () => {
    await queued('oldest', 10);
    await queued('next-one', 5);
    const clock = new ManualClock(T0);
    const first = await claimNext(deps(undefined, clock), input);
    clock.advance(300);
    const second = await claimNext(deps(undefined, clock), input);
    expect(first).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect(second).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect((await store().episodes.get('next-one'))?.state).toBe('open');
  });

  it('gives the clicker the next call once the double-click window has passed', async () => {
    await queued('oldest', 10);
    await queued('next-one', 5);
    const clock = new ManualClock(T0);
    await claimNext(deps(undefined, clock), input);
    clock.advance(DOUBLE_CLICK_MS + 1);
    const second = await claimNext(deps(undefined, clock), input);
    expect(second).toMatchObject({ status: 'claimed', episode: { id: 'next-one' } });
    expect((await store().episodes.get('oldest'))?.claimedBy?.id).toBe(ana.id);
  });

  it('gives the next call to an agent who has just claimed one from its card: only its own answers are double clicks', async () => {
    await queued('oldest', 10);
    await queued('next-one', 5);
    const clock = new ManualClock(T0);
    const { commands } = deps(undefined, clock);
    expect(await runCommand(commands, 'oldest', { type: 'claim', actor: ana, at: T0 })).toMatchObject({
      status: 'accepted',
    });
    clock.advance(300);
    const next = await claimNext(deps(undefined, clock), input);
    expect(next).toMatchObject({ status: 'claimed', episode: { id: 'next-one', claimedBy: { id: ana.id } } });
  });

  it("gives another agent the next call right after someone's claim", async () => {
    await queued('oldest', 10);
    await queued('next-one', 5);
    const clock = new ManualClock(T0);
    await claimNext(deps(undefined, clock), input);
    clock.advance(300);
    const bens = await claimNext(deps(undefined, clock), { ...input, actor: ben });
    expect(bens).toMatchObject({ status: 'claimed', episode: { id: 'next-one', claimedBy: { id: ben.id } } });
  });

  it('does not hand out a call whose card was refused for good', async () => {
    await queued('refused', 10);
    await store().cardQueue.fail(
      { episodeId: 'refused', surface: 'slack', channel: CHANNEL },
      'msg_too_long',
      T0,
    );
    await queued('postable', 5);
    const claimed = await claimNext(deps(), input);
    expect(claimed).toMatchObject({ status: 'claimed', episode: { id: 'postable' } });
    expect((await store().episodes.get('refused'))?.state).toBe('open');
  });
});
