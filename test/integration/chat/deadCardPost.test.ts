/**
 * A card whose post job dies (its last attempt failed with an error worth retrying, such as a Teams channel
 * Ringback no longer knows) is stored as failed: left waiting, it kept the channel's storm queue message
 * open for good. On the in-memory surface, which posts through the same outbox as Teams.
 */

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newEpisode } from '../../../src/domain/episode.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { MemoryChatSurface } from '../../support/memorySurface/surface.js';

const CHANNEL = 'mem-gone';
let database: TestDatabase | null = null;
let ringback: StartedRingback | null = null;

afterEach(async () => {
  await ringback?.stop();
  await database?.drop();
  ringback = null;
  database = null;
});

/** A Ringback with the in-memory surface and one call whose card waits in CHANNEL's queue. */
async function ringbackWithQueuedCard(options: { breakChannel: boolean; manualJobs: boolean }) {
  database = sqliteDatabase();
  const surface = new MemoryChatSurface({ channels: { 'Support FR': [CHANNEL] } });
  if (options.breakChannel) surface.breakChannel(CHANNEL);
  const config = testConfig({
    database,
    routingYaml: 'timezone: Europe/Paris\nlines:\n  - name: Support FR\n    match: "*"\n    country: FR\n',
  });
  const log = memoryLogger(config.secrets);
  ringback = await startRingback(config, {
    logger: log.logger,
    adapters: [surface.adapter()],
    manualJobs: options.manualJobs,
    runner: { pollIntervalMs: 20, baseBackoffMs: 10, maxBackoffMs: 20 },
  });
  const rb = ringback;
  const queuedAt = rb.clock.now() - 60_000;
  const episode = newEpisode({
    id: randomUUID(),
    line: 'Support FR',
    caller: { number: '+33612345678', name: 'Marie Dupont' },
    missedAt: queuedAt,
  });
  await rb.store.transaction(async (repos) => {
    await repos.episodes.insert(episode, {}, queuedAt);
    await repos.enqueue(
      rb.commands.planEffects({
        episode,
        previous: null,
        events: [{ type: 'opened', at: episode.missedAt, providerCallKey: 'generic:test:1' }],
      }),
      queuedAt,
    );
  });
  const spot = { episodeId: episode.id, surface: 'memory', channel: CHANNEL };
  return { rb, log, spot, queuedAt };
}

describe('a card post that runs out of attempts', () => {
  it('leaves the card failed, with the reason, instead of waiting for ever', async () => {
    const { rb, log, spot } = await ringbackWithQueuedCard({ breakChannel: true, manualJobs: false });
    await vi.waitFor(
      async () => {
        expect((await rb.store.cardQueue.get(spot))?.failure).toMatch(
          /memory channel mem-gone is not known \(after \d+ attempts\)/,
        );
      },
      { timeout: 20_000, interval: 50 },
    );
    const dead = await rb.store.jobs.list({ kind: 'memory.post_card', status: 'dead' });
    expect(dead).toHaveLength(1);
    expect(await rb.store.cardQueue.waiting('memory', CHANNEL)).toEqual([]);
    expect(log.lines()).toContainEqual(expect.stringContaining('memory: card not posted after'));
  });

  it('leaves the card failed when its process died on every attempt (the job is buried)', async () => {
    const { rb, spot, queuedAt } = await ringbackWithQueuedCard({ breakChannel: false, manualJobs: true });
    // Workers that took the post job and died before finishing, until no attempt is left.
    let takenAt = queuedAt;
    for (;;) {
      takenAt += 100;
      const taken = await rb.store.jobs.take(`dying-${takenAt}`, 20, 10, takenAt);
      const post = taken.find((job) => job.kind === 'memory.post_card');
      if (!post || post.attempts >= post.maxAttempts) break;
    }
    expect(await rb.store.cardQueue.waiting('memory', CHANNEL)).toHaveLength(1);
    await rb.runner.drain(5);
    const [buried] = await rb.store.jobs.list({ kind: 'memory.post_card', status: 'dead' });
    expect(buried?.lastError).toMatch(/lease expired/);
    expect((await rb.store.cardQueue.get(spot))?.failure).toBe(
      'the post job died with its process on every attempt',
    );
    expect(await rb.store.cardQueue.waiting('memory', CHANNEL)).toEqual([]);
  });
});
