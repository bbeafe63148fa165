/**
 * The jobs thread's half of the inbox (src/threads/inbox.ts): moves what the answering thread accepted
 * into the jobs table, many deliveries per transaction, and remembers how far it got in that transaction.
 */
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import { type InboxReader, inboxCursor, movedUpTo } from './inbox.js';

/** The cursor (cursors table) holding the id of the last inbox row moved. */
export const INBOX_CURSOR = 'threads.inbox.moved';
/** Rows per transaction: enough to keep up with bursts, short enough not to hold the write lock long. */
const BATCH = 200;
/** A poke can be lost (the other thread stopped meanwhile): look anyway this often. */
const POLL_MS = 500;
/** After a failed move (the database was locked for seconds): wait before trying again. */
const FAILED_WAIT_MS = 1_000;
/** How often the inbox's WAL is written back (src/threads/inbox.ts says why here). */
const CHECKPOINT_EVERY_MS = 1_000;

export interface InboxMoverDeps {
  reader: InboxReader;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Told the id up to which rows are in the jobs table, after each move. */
  onMoved: (upTo: number) => void;
}

export class InboxMover {
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private poked = false;
  private checkpointedAt = 0;
  /** The highest mark told to onMoved. */
  private reportedUpTo = 0;

  constructor(private readonly deps: InboxMoverDeps) {}

  /** Moves one batch; answers how many rows it moved. */
  async moveOnce(): Promise<number> {
    const { reader, store, clock } = this.deps;
    let upTo = 0;
    const moved = await store.transaction(async (repos) => {
      const cursor = (await repos.cursors.get(INBOX_CURSOR)) ?? null;
      const { upTo: mark, fresh } = movedUpTo(cursor, reader.inboxId, reader.lastAssignedId());
      if (fresh) {
        // Another file's cursor: this one's ids start again at 1, and its rows are all unmoved.
        this.deps.logger.warn(
          { cursor, inbox: reader.inboxId, lastInInbox: reader.lastAssignedId() },
          'inbox: the inbox file is new since the last move; moving it from its start',
        );
      }
      const rows = reader.rowsAfter(mark, BATCH);
      const last = rows.at(-1);
      if (!last) {
        upTo = mark;
        // This file's cursor from now on, so the warning above is said once, not at every poll until a row.
        if (fresh) await repos.cursors.set(INBOX_CURSOR, inboxCursor(reader.inboxId, 0), clock.now());
        return 0;
      }
      const now = clock.now();
      await repos.enqueue(
        rows.map((row) => row.job),
        now,
      );
      await repos.cursors.set(INBOX_CURSOR, inboxCursor(reader.inboxId, last.id), now);
      upTo = last.id;
      return rows.length;
    });
    // Said also when nothing moved but the mark is new to the other thread (after a start): it deletes moved
    // rows only up to what it was told, and rows moved before a restart would otherwise stay for good.
    if (upTo > this.reportedUpTo) {
      this.reportedUpTo = upTo;
      this.deps.onMoved(upTo);
    }
    return moved;
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Rows were just added. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    // What was answered 200 up to now goes into the jobs table before the process ends: a restart on one
    // thread (RINGBACK_THREADS=1) reads no inbox otherwise.
    await this.moveAll();
  }

  /** Moves every row waiting in the inbox (at start on one thread, and at stop); never throws. */
  async moveAll(): Promise<number> {
    let total = 0;
    try {
      for (let moved = await this.moveOnce(); moved > 0; moved = await this.moveOnce()) total += moved;
    } catch (error) {
      this.deps.logger.error(
        { err: error },
        'inbox: could not move the last deliveries; the next start moves them',
      );
    }
    return total;
  }

  private checkpointNowAndThen(): void {
    const now = this.deps.clock.now();
    if (now - this.checkpointedAt < CHECKPOINT_EVERY_MS) return;
    this.checkpointedAt = now;
    this.deps.reader.checkpoint();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.poked = false;
      let moved = 0;
      let failed = false;
      try {
        moved = await this.moveOnce();
        this.checkpointNowAndThen();
      } catch (error) {
        failed = true;
        this.deps.logger.error(
          { err: error },
          'inbox: could not move deliveries into the jobs table; trying again',
        );
      }
      if (this.stopped || (moved > 0 && !failed)) continue;
      if (this.poked && !failed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, failed ? FAILED_WAIT_MS : POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
