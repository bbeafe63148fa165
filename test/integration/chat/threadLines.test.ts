import { describe, expect, it } from 'vitest';
import { ChatOutbox } from '../../../src/chat/outbox.js';
import type { ChatSurface } from '../../../src/chat/surface.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Episode } from '../../../src/domain/types.js';
import type { JobRunner } from '../../../src/jobs/runner.js';
import type { Job } from '../../../src/store/jobs.js';
import type { Store } from '../../../src/store/store.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { queuedCard, T0 } from '../../helpers/episodes.js';
import { memoryLogger } from '../../helpers/ringback.js';

const CHANNEL = 'C1';
type Handler = (payload: unknown, job: Job) => Promise<void>;

/** An outbox on a surface that posts every card as `card:<episode>` and records each thread reply. */
function outboxOn(store: Store, clock: ManualClock) {
  const replies: { ref: string; text: string }[] = [];
  const surface = {
    name: 'mem',
    pacing: { windows: [] },
    channelsFor: () => [CHANNEL],
    postCard: async (episode: Episode) => ({ ref: `card:${episode.id}`, threadRef: `card:${episode.id}` }),
    updateCard: async () => undefined,
    replyInThread: async (post: { ref: string }, text: string) => {
      replies.push({ ref: post.ref, text });
    },
  } as unknown as ChatSurface;
  const outbox = new ChatOutbox({ surface, store, clock, logger: memoryLogger().logger, maxInlineWaitMs: 0 });
  const handlers = new Map<string, Handler>();
  outbox.register({
    handle: (kind: { name: string }, handler: Handler) => handlers.set(kind.name, handler),
  } as unknown as JobRunner);
  const job: Job = {
    id: 1,
    kind: outbox.kinds.threadLine.name,
    payload: null,
    attempts: 1,
    maxAttempts: 12,
    runAt: clock.now(),
    createdAt: clock.now(),
    queueKey: null,
  };
  const threadLine = (episodeId: string, text: string) =>
    handlers.get(outbox.kinds.threadLine.name)?.({ episodeId, channel: CHANNEL, text }, job);
  return { outbox, replies, threadLine };
}

describe.each(await databaseKinds())('a thread line waiting for its card on $name', (kind) => {
  const { store: storeOf } = useStore(kind);

  it('is said under the card when the card is stored between the line’s two reads', async () => {
    const store = storeOf();
    const clock = new ManualClock(T0);
    const { outbox, replies, threadLine } = outboxOn(store, clock);
    const episode = await queuedCard(store, CHANNEL);
    // Another job (the lane) stores the card just after the line found no post: the queued row goes with it.
    const realGet = store.posts.get.bind(store.posts);
    let raced = false;
    store.posts.get = async (...args: Parameters<typeof realGet>) => {
      const found = await realGet(...args);
      if (!raced) {
        raced = true;
        await outbox.deliverQueuedCard(episode.id, CHANNEL, outbox.pacing.forJob(2));
      }
      return found;
    };

    await threadLine(episode.id, 'Claimed by Alice');

    expect(raced).toBe(true);
    expect(replies).toEqual([{ ref: `card:${episode.id}`, text: 'Claimed by Alice' }]);
  });
});
