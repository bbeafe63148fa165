import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import type { Store } from '../../../src/store/store.js';
import type { TalkExportPage, ZendeskClient } from '../../../src/zendesk/client.js';
import { ZendeskApiError } from '../../../src/zendesk/errors.js';
import { TALK_CURSOR, type TalkCursor, TalkPoller } from '../../../src/zendesk/talk/poller.js';
import type { TalkIngest } from '../../../src/zendesk/talk/talk.js';
import { memoryLogger } from '../../helpers/ringback.js';

/** The cursors table both replicas share, and an export that answers one page per start time. */
function world(pages: Record<number, TalkExportPage>) {
  const cursors = new Map<string, string>();
  const store = {
    cursors: {
      get: async (name: string) => cursors.get(name) ?? null,
      set: async (name: string, value: string) => {
        cursors.set(name, value);
      },
    },
  } as unknown as Store;
  const asked: number[] = [];
  const client = {
    talkExport: async (kind: string, cursor: TalkCursor) => {
      if (kind === 'legs') return { items: [], count: 0, endTime: cursor.startTime, nextPage: null };
      asked.push(cursor.startTime);
      const page = pages[cursor.startTime];
      if (!page) throw new Error(`no page at ${cursor.startTime}`);
      return page;
    },
  } as unknown as ZendeskClient;
  const calls = () => JSON.parse(cursors.get(TALK_CURSOR('calls')) ?? 'null') as TalkCursor | null;
  const setCalls = (cursor: TalkCursor) => cursors.set(TALK_CURSOR('calls'), JSON.stringify(cursor));
  return { store, client, asked, calls, setCalls };
}

function poller(
  w: ReturnType<typeof world>,
  acceptCall: (item: unknown) => Promise<void>,
  logger = memoryLogger().logger,
) {
  const talk = { acceptLeg: async () => undefined, acceptCall } as unknown as TalkIngest;
  return new TalkPoller({
    store: w.store,
    clock: new ManualClock(Date.parse('2026-12-07T09:00:00Z')),
    client: w.client,
    talk,
    logger,
  });
}

const page = (items: string[], endTime: number): TalkExportPage => ({
  items,
  count: items.length,
  endTime,
  nextPage: null,
});

/** A poller whose first round stops at item "b" (paced for `retryMs`); it takes "b" the next time. */
async function interruptedAtB(w: ReturnType<typeof world>, retryMs: number) {
  const seen: unknown[] = [];
  let refuseOnce = true;
  const one = poller(w, async (item) => {
    if (item === 'b' && refuseOnce) {
      refuseOnce = false;
      throw new RetryAfter(retryMs, 'paced');
    }
    seen.push(item);
  });
  await expect(one.round()).rejects.toBeInstanceOf(RetryAfter);
  return { one, seen };
}

describe('the Talk export poller', () => {
  it('finishes an interrupted page from memory, without asking Zendesk for it again', async () => {
    const w = world({ 100: page(['a', 'b', 'c'], 200) });
    w.setCalls({ startTime: 100, nextPage: null });
    const { one, seen } = await interruptedAtB(w, 1_000);
    await one.round();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(w.asked).toEqual([100]);
    expect(w.calls()).toEqual({ startTime: 200, nextPage: null });
  });

  it('skips, and logs, a call Zendesk refuses with a 4xx no retry can change, instead of stopping there each round', async () => {
    const w = world({ 100: page(['a', 'b', 'c'], 200) });
    w.setCalls({ startTime: 100, nextPage: null });
    const log = memoryLogger();
    const seen: unknown[] = [];
    const one = poller(
      w,
      async (item) => {
        if (item === 'b') throw new ZendeskApiError(400, 'GET', '/api/v2/tickets/9.json', null);
        seen.push(item);
      },
      log.logger,
    );
    await one.round();
    expect(seen).toEqual(['a', 'c']);
    expect(w.calls()).toEqual({ startTime: 200, nextPage: null });
    expect(log.lines()).toContainEqual(expect.stringContaining('skipped an export call Zendesk refused'));
  });

  it('keeps a call that failed with an outage for the next round (nothing skipped)', async () => {
    const w = world({ 100: page(['a', 'b', 'c'], 200) });
    w.setCalls({ startTime: 100, nextPage: null });
    const seen: unknown[] = [];
    let outage = true;
    const one = poller(w, async (item) => {
      if (item === 'b' && outage) throw new ZendeskApiError(503, 'GET', '/api/v2/tickets/9.json', null);
      seen.push(item);
    });
    await expect(one.round()).rejects.toBeInstanceOf(ZendeskApiError);
    expect(w.calls()).toEqual({ startTime: 100, nextPage: null });
    outage = false;
    await one.round();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('drops its interrupted page when another replica moved the cursor on meanwhile, and never moves it back', async () => {
    const w = world({ 100: page(['a', 'b', 'c'], 200), 300: page(['d'], 400) });
    w.setCalls({ startTime: 100, nextPage: null });
    // A Retry-After longer than the lease: the other replica takes over meanwhile.
    const { one, seen: seenByOne } = await interruptedAtB(w, 600_000);

    // The other replica held the lease meanwhile and read on to 300.
    w.setCalls({ startTime: 300, nextPage: null });
    await one.round();
    expect(seenByOne).toEqual(['a', 'd']);
    expect(w.asked).toEqual([100, 300]);
    expect(w.calls()).toEqual({ startTime: 400, nextPage: null });
  });
});
