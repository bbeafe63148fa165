/**
 * Claim next at the use-case level, on the real store: a double click gives the clicker the same call, not
 * two; a call whose card the surface refused for good is not handed out ("its card follows" would be false).
 */
import { describe, expect, it } from 'vitest';
import { claimNext } from '../../../src/app/claimNext.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { newEpisode } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { ChannelCalls } from '../../../src/store/channelCalls.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { ana, T0 } from '../../helpers/episodes.js';

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

  function deps(listed?: Episode[]) {
    const channelCalls = new ChannelCalls(store().db);
    return {
      commands: { store: store(), clock: new ManualClock(T0), planEffects: () => [] },
      directory: { checkAgent: async () => ({ ok: true as const }) },
      // `listed`: what both clicks of a double click read before either claimed.
      calls: listed ? { unclaimed: async () => listed } : channelCalls,
    };
  }

  it('answers a double click with the same call', async () => {
    const oldest = await queued('oldest', 10);
    const next = await queued('next-one', 5);
    const input = { surface: 'slack', channel: CHANNEL, actor: ana };
    const first = await claimNext(deps([oldest, next]), input);
    const second = await claimNext(deps([oldest, next]), input);
    expect(first).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect(second).toMatchObject({ status: 'claimed', episode: { id: 'oldest' } });
    expect((await store().episodes.get('next-one'))?.state).toBe('open');
  });

  it('does not hand out a call whose card was refused for good', async () => {
    await queued('refused', 10);
    await store().cardQueue.fail(
      { episodeId: 'refused', surface: 'slack', channel: CHANNEL },
      'msg_too_long',
      T0,
    );
    await queued('postable', 5);
    const claimed = await claimNext(deps(), { surface: 'slack', channel: CHANNEL, actor: ana });
    expect(claimed).toMatchObject({ status: 'claimed', episode: { id: 'postable' } });
    expect((await store().episodes.get('refused'))?.state).toBe('open');
  });
});
