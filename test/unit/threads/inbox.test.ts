import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryInbox, InboxReader, inboxPathFor } from '../../../src/threads/inbox.js';

describe('the deliveries inbox (answering thread writes, jobs thread reads)', () => {
  let dir: string;
  let path: string;
  let inbox: DeliveryInbox;
  let reader: InboxReader;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringback-inbox-'));
    path = inboxPathFor(join(dir, 'ringback.db'));
    inbox = new DeliveryInbox(path);
    reader = new InboxReader(path);
  });
  afterEach(() => {
    reader.close();
    inbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const job = (key?: string) => ({
    kind: 'aircall.event',
    payload: { key: key ?? null },
    ...(key ? { dedupeKey: key } : {}),
  });

  it('leaves no caller data in the file once moved rows are pruned', () => {
    const payload = { number: '+33 6 12 34 56 78', name: 'Marie Dupontissime' };
    for (let i = 0; i < 20; i++) {
      inbox.add([{ job: { kind: 'aircall.event', payload, dedupeKey: `k${i}` }, now: 1 }]);
    }
    reader.checkpoint();
    expect(readFileSync(path).includes('Dupontissime')).toBe(true);
    expect(inbox.prune(1_000, 10_000)).toBe(20);
    reader.checkpoint();
    expect(readFileSync(path).includes('Dupontissime')).toBe(false);
    reader.close();
    inbox.close();
    const left = [path, `${path}-wal`].filter((file) => existsSync(file));
    expect(left.filter((file) => readFileSync(file).includes('Dupontissime'))).toEqual([]);
    inbox = new DeliveryInbox(path);
    reader = new InboxReader(path);
  });

  it('lives next to the database file', () => {
    expect(inboxPathFor('data/ringback.db')).toBe('data/ringback.db.inbox');
  });

  it('says which deliveries are new, in one commit, and recognises a repeated dedupe key', () => {
    expect(
      inbox.add([
        { job: job('a'), now: 1 },
        { job: job('b'), now: 1 },
        { job: job('a'), now: 1 },
      ]),
    ).toEqual([true, true, false]);
    expect(inbox.add([{ job: job('b'), now: 2 }])).toEqual([false]);
    // Without a key, every delivery is new.
    expect(
      inbox.add([
        { job: job(), now: 2 },
        { job: job(), now: 2 },
      ]),
    ).toEqual([true, true]);
  });

  it('hands the reader the rows after an id, oldest first, as the jobs that were added', () => {
    inbox.add([
      { job: job('a'), now: 1 },
      { job: job('b'), now: 1 },
      { job: job('c'), now: 1 },
    ]);
    const all = reader.rowsAfter(0, 10);
    expect(all.map((row) => row.job.dedupeKey)).toEqual(['a', 'b', 'c']);
    expect(all[0]?.job).toEqual(job('a'));
    const first = all[0]?.id ?? 0;
    expect(reader.rowsAfter(first, 1).map((row) => row.job.dedupeKey)).toEqual(['b']);
  });

  it('prunes only rows that were moved and are older than the time kept', () => {
    inbox.add([
      { job: job('old'), now: 1_000 },
      { job: job('recent'), now: 9_000 },
      { job: job('unmoved'), now: 1_000 },
    ]);
    const [oldRow, recentRow] = reader.rowsAfter(0, 10);
    expect(inbox.prune(recentRow?.id ?? 0, 5_000)).toBe(1);
    expect(reader.rowsAfter(0, 10).map((row) => row.job.dedupeKey)).toEqual(['recent', 'unmoved']);
    expect(oldRow).toBeDefined();
    // A pruned key is new again to the inbox (the jobs table, which keeps every key, drops it when moved).
    expect(inbox.add([{ job: job('old'), now: 10_000 }])).toEqual([true]);
  });

  it('keeps taking deliveries while the reader holds a read and checkpoints', () => {
    for (let i = 0; i < 50; i++) inbox.add([{ job: job(`k${i}`), now: i }]);
    const seen = reader.rowsAfter(0, 1_000).length;
    reader.checkpoint();
    expect(inbox.add([{ job: job('after'), now: 99 }])).toEqual([true]);
    expect(seen).toBe(50);
    expect(reader.rowsAfter(0, 1_000)).toHaveLength(51);
  });
});
