/**
 * A change whose card update folds into one already waiting (same coalesce key) must not be lost to a replica
 * that takes the waiting job before the change commits: that job would draw the state before the change, and
 * nothing would be left to draw it. On PostgreSQL, where replicas take jobs while another one's transaction is
 * open; SQLite's single writer cannot interleave them.
 */
import { describe, expect, it } from 'vitest';
import { updateCardJob } from '../../../src/chat/planner.js';
import { decide, newEpisode } from '../../../src/domain/episode.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { ana } from '../../helpers/episodes.js';

const kinds = await databaseKinds();

describe.each(kinds)('a card update folded into a waiting one, on $name', (kind) => {
  const { store } = useStore(kind);

  it('is not taken by another replica until the change it carries has committed', async () => {
    const db = store();
    const now = Date.now();
    const episode = newEpisode({
      id: 'ep-race',
      line: 'Support FR',
      caller: { number: '+33612345678', name: null },
      missedAt: now,
    });
    await db.episodes.insert(episode, {}, now);
    // An earlier change's card update, not taken yet.
    await db.enqueue([updateCardJob('slack', episode.id)], now);

    let holdOpen = () => {};
    const held = new Promise<void>((resolve) => {
      holdOpen = resolve;
    });
    let claimQueued = () => {};
    const queued = new Promise<void>((resolve) => {
      claimQueued = resolve;
    });
    // One replica claims the call (as applyCommandIn does) and has not committed yet.
    const claim = db.transaction(async (repos) => {
      const current = await repos.episodes.get(episode.id);
      if (!current) throw new Error('no episode');
      const decision = decide(current, { type: 'claim', actor: ana, at: now + 1 });
      if (!decision.ok) throw new Error('claim refused');
      await repos.episodes.updateIfVersion(decision.episode, current.version, now + 1);
      expect(await repos.enqueue([updateCardJob('slack', episode.id)], now + 1)).toBe(0);
      claimQueued();
      await held;
    });
    await queued;
    // Another replica's runner looks for work meanwhile.
    const takenMeanwhile =
      kind.name === 'postgres' ? await db.jobs.take('replica-b', 10, 5_000, now + 2) : [];
    holdOpen();
    await claim;

    expect(takenMeanwhile.map((job) => job.kind)).not.toContain('slack.update_card');
    const [update] = await db.jobs.take('replica-b', 10, 5_000, now + 3);
    expect(update?.kind).toBe('slack.update_card');
    // What the update job draws when it runs now: the claim.
    expect((await db.episodes.get(episode.id))?.state).toBe('claimed');
  });
});
