/**
 * Deliveries on their way from the answering thread to the jobs table, on SQLite.
 *
 * SQLite has one write lock per database file. When the answering thread inserted deliveries into the main
 * database, every acknowledgement that met a job's transaction waited in SQLite's busy handler, which sleeps
 * 1, 2, 5, 10 … ms between tries (measured: half the acks 1 ms slower, one in a hundred 18 ms). So the
 * answering thread writes deliveries into a file of its own that nothing else writes, and answers once that
 * commit is done; the jobs thread reads the file (a WAL reader never waits for the writer) and moves the
 * rows into the jobs table, recording how far it got in the same transaction, so each row is moved exactly
 * once whatever stops when. The answering thread deletes moved rows after a while; a repeat is answered
 * "duplicate" from the inbox until then, and afterwards from the jobs table's dedupe keys (job_keys, read
 * without a lock), and dropped when moved.
 */
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import type { NewJob } from '../store/jobs.js';

/** Next to the database: `data/ringback.db` → `data/ringback.db.inbox`. */
export function inboxPathFor(databasePath: string): string {
  return `${databasePath}.inbox`;
}

export interface InboxRow {
  id: number;
  job: NewJob;
}

function open(path: string): SQLite.Database {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Rows hold whole webhook bodies (caller numbers and names): a pruned row is overwritten with zeros, not
  // left in free pages. ON rather than the main database's FAST, which leaves deleted cells of pages that
  // were not otherwise rewritten. Old WAL frames are reused from the start after each checkpoint, and the
  // file goes when the last connection closes.
  db.pragma('secure_delete = ON');
  db.exec(`create table if not exists deliveries (
    id integer primary key autoincrement,
    dedupe_key text unique,
    job text not null,
    received_at integer not null
  )`);
  // Which file this is: ids start again at 1 in a new file (deleted, or a database restored without it),
  // and a cursor of the old file must not skip the new file's first rows.
  db.exec('create table if not exists meta (key text primary key, value text not null)');
  db.prepare("insert or ignore into meta (key, value) values ('inbox_id', ?)").run(randomUUID());
  return db;
}

/** How far the jobs thread moved, as kept in the cursors table: `<inbox id>:<last row id moved>`. */
export function inboxCursor(inboxId: string, movedUpTo: number): string {
  return `${inboxId}:${movedUpTo}`;
}

/**
 * The last row of this inbox file that was moved, from the stored cursor; `fresh` when the cursor belongs
 * to another file (or to none), so every row of this one is still to move.
 */
export function movedUpTo(
  cursor: string | null,
  inboxId: string,
  lastAssignedId: number,
): { upTo: number; fresh: boolean } {
  if (cursor === null) return { upTo: 0, fresh: false };
  const at = cursor.lastIndexOf(':');
  if (at >= 0) {
    const upTo = Number(cursor.slice(at + 1));
    if (cursor.slice(0, at) !== inboxId || !Number.isSafeInteger(upTo)) return { upTo: 0, fresh: true };
    return { upTo, fresh: false };
  }
  // Written before files had an id: only a cursor past the file's last id shows a new file.
  const upTo = Number(cursor);
  if (!Number.isSafeInteger(upTo) || upTo > lastAssignedId) return { upTo: 0, fresh: true };
  return { upTo, fresh: false };
}

/** The answering thread's side: the only writer. */
export class DeliveryInbox {
  private readonly db: SQLite.Database;
  private readonly insert: SQLite.Statement<[string | null, string, number]>;
  private readonly deleteMoved: SQLite.Statement<[number, number]>;
  private readonly addAll: (items: { job: NewJob; now: number }[]) => boolean[];

  constructor(readonly path: string) {
    this.db = open(path);
    // A checkpoint writes the WAL back into the file and syncs it: 5 to 40 ms, on whichever connection's
    // commit crosses the threshold. The reader (the jobs thread) checkpoints instead (checkpoint()).
    this.db.pragma('wal_autocheckpoint = 0');
    this.insert = this.db.prepare(
      'insert into deliveries (dedupe_key, job, received_at) values (?, ?, ?) on conflict (dedupe_key) do nothing',
    );
    this.deleteMoved = this.db.prepare('delete from deliveries where id <= ? and received_at < ?');
    this.addAll = this.db.transaction((items: { job: NewJob; now: number }[]) =>
      items.map(
        ({ job, now }) => this.insert.run(job.dedupeKey ?? null, JSON.stringify(job), now).changes === 1,
      ),
    );
  }

  /** Stores the deliveries in one commit; for each, true when it was new (its dedupe key not seen). */
  add(items: { job: NewJob; now: number }[]): boolean[] {
    return this.addAll(items);
  }

  /** Deletes rows the jobs thread has moved (`id ≤ movedUpTo`) that arrived before `keepSince`. */
  prune(movedUpTo: number, keepSince: number): number {
    return this.deleteMoved.run(movedUpTo, keepSince).changes;
  }

  close(): void {
    this.db.close();
  }
}

/** The jobs thread's side: reads only. */
export class InboxReader {
  private readonly db: SQLite.Database;
  private readonly after: SQLite.Statement<[number, number], { id: number; job: string }>;

  private readonly lastAssigned: SQLite.Statement<[], { seq: number }>;
  /** This file's identity (meta.inbox_id). */
  readonly inboxId: string;

  constructor(path: string) {
    this.db = open(path);
    this.after = this.db.prepare('select id, job from deliveries where id > ? order by id limit ?');
    this.lastAssigned = this.db.prepare("select seq from sqlite_sequence where name = 'deliveries'");
    const row = this.db.prepare("select value from meta where key = 'inbox_id'").get() as
      | { value: string }
      | undefined;
    if (!row) throw new Error(`inbox ${path} has no id`);
    this.inboxId = row.value;
  }

  /**
   * The last id this inbox file ever gave a row (pruned rows included); 0 for a file that never had one.
   * Lower than the jobs thread's cursor only when the file was made anew (deleted, or a restored database).
   */
  lastAssignedId(): number {
    return this.lastAssigned.get()?.seq ?? 0;
  }

  /** The oldest `limit` rows after `id`. */
  rowsAfter(id: number, limit: number): InboxRow[] {
    return this.after.all(id, limit).map((row) => ({ id: row.id, job: JSON.parse(row.job) as NewJob }));
  }

  /**
   * Copies the writer's WAL back into the file, here rather than on the answering thread (a PASSIVE
   * checkpoint never waits for the writer, so the writer never waits for it either).
   */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    this.db.close();
  }
}
