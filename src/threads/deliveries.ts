/**
 * Wires the inbox (src/threads/inbox.ts) into the two halves of a split process on SQLite: the answering
 * thread sends webhook deliveries there, the jobs thread moves them into the jobs table.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import { sendDeliveriesTo } from '../providers/webhook.js';
import type { Store } from '../store/store.js';
import { DeliveryInbox, InboxReader, inboxPathFor, movedUpTo } from './inbox.js';
import { INBOX_CURSOR, InboxMover } from './inboxMover.js';
import type { ThreadLink } from './link.js';

/** Moved rows stay this long, so a sender's quick repeat is still answered "duplicate" at once. */
export const INBOX_KEEP_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 10_000;

export interface InboxHalf {
  start(): void;
  stop(): Promise<void>;
}

interface Deps {
  databasePath: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  link: ThreadLink;
}

/** The answering thread: deliveries go to the inbox, which it prunes behind the jobs thread. */
export function answeringInbox({ databasePath, store, clock, logger, link }: Deps): InboxHalf {
  const inbox = new DeliveryInbox(inboxPathFor(databasePath));
  sendDeliveriesTo(store, async (items) => {
    const added = inbox.add(items);
    if (added.some(Boolean)) link.send('inbox.filled', null);
    // New to the inbox, which forgets moved rows after a while, is not new to the jobs table: a repeat of a
    // delivery moved long ago is answered "duplicate", as on one thread (and dropped when moved).
    const keys = items.flatMap(({ job }, index) => (added[index] && job.dedupeKey ? [job.dedupeKey] : []));
    const known = await store.finishedJobs.knownKeys(keys);
    return added.map((isNew, index) => isNew && !known.has(items[index]?.job.dedupeKey ?? ''));
  });
  let movedUpTo = 0;
  link.on('inbox.moved', ({ upTo }) => {
    movedUpTo = Math.max(movedUpTo, upTo);
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      timer = setInterval(() => {
        try {
          inbox.prune(movedUpTo, clock.now() - INBOX_KEEP_MS);
        } catch (error) {
          logger.warn({ err: error }, 'inbox: could not delete moved deliveries; trying again later');
        }
      }, PRUNE_EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      inbox.close();
    },
  };
}

/** The jobs thread: moves what the answering thread accepted into the jobs table. */
export function jobsInbox({ databasePath, store, clock, logger, link }: Deps): InboxHalf {
  const reader = new InboxReader(inboxPathFor(databasePath));
  const mover = new InboxMover({
    reader,
    store,
    clock,
    logger,
    onMoved: (upTo) => link.send('inbox.moved', { upTo }),
  });
  link.on('inbox.filled', () => mover.poke());
  return {
    start: () => mover.start(),
    async stop() {
      await mover.stop();
      reader.close();
    },
  };
}

/**
 * One thread on SQLite: deliveries a split process (RINGBACK_THREADS=2) answered and had not moved when it
 * stopped (a kill -9) are moved now, before the runner starts. Then the inbox file goes: nothing writes it
 * on one thread, and it holds whole webhook bodies (callers' numbers, names, transcripts) that no one
 * would ever delete. No inbox file, nothing to do.
 */
export async function moveLeftoverInbox(deps: Omit<Deps, 'link'>): Promise<number> {
  const path = inboxPathFor(deps.databasePath);
  if (!existsSync(path)) return 0;
  const reader = new InboxReader(path);
  let allMoved = false;
  let moved = 0;
  try {
    const mover = new InboxMover({ ...deps, reader, onMoved: () => undefined });
    moved = await mover.moveAll();
    if (moved > 0) deps.logger.info({ moved }, `inbox: moved ${moved} deliveries left by a split process`);
    const cursor = (await deps.store.cursors.get(INBOX_CURSOR)) ?? null;
    const mark = movedUpTo(cursor, reader.inboxId, reader.lastAssignedId());
    allMoved = reader.rowsAfter(mark.upTo, 1).length === 0;
  } finally {
    reader.close();
  }
  if (allMoved) {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
    deps.logger.info(
      'inbox: every delivery of the split process is in the jobs table; its inbox file is deleted',
    );
  }
  return moved;
}
