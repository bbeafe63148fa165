/**
 * The Zendesk Talk export poller: Talk has no call webhooks, so missed calls are learnt from the calls and
 * legs incremental exports (10 requests a minute). One replica polls (a lease); the cursors live in the
 * store, so a restart continues where the last round stopped. A page interrupted by pacing is finished
 * from memory, not fetched again, so the scarce export budget is not spent twice. A round stops between
 * items once its signal aborts (its deadline passed); the next round resumes the page where it stopped.
 */
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure } from '../../jobs/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import type { TalkExportPage, ZendeskClient } from '../client.js';
import { forJobRunner } from '../errors.js';
import type { TalkIngest } from './talk.js';

/** A full page means more is waiting: ask again at once (within the budget). */
const FULL_PAGE = 1000;

export const TALK_CURSOR = (kind: 'calls' | 'legs') => `zendesk.talk.${kind}`;

const cursorSchema = z.object({ startTime: z.number().int(), nextPage: z.string().nullable() });
export type TalkCursor = z.infer<typeof cursorSchema>;

export interface TalkPollerOptions {
  store: Store;
  clock: Clock;
  client: ZendeskClient;
  talk: TalkIngest;
  logger: Logger;
  /** On the very first start, how far back to read (default 15 minutes). */
  initialLookbackMs?: number;
  /** A round's deadline when the caller gives it no signal (default 30 s). */
  roundDeadlineMs?: number;
}

interface PendingPage {
  page: TalkExportPage;
  next: number;
  /** The stored cursor the page was fetched from: another replica may have moved on from it meanwhile. */
  from: string;
}

export class TalkPoller {
  private readonly pending: Partial<Record<'calls' | 'legs', PendingPage>> = {};

  constructor(private readonly options: TalkPollerOptions) {}

  async cursor(kind: 'calls' | 'legs'): Promise<TalkCursor> {
    return this.cursorOf(await this.options.store.cursors.get(TALK_CURSOR(kind)));
  }

  private cursorOf(text: string | null | undefined): TalkCursor {
    const { clock } = this.options;
    const parsed = text ? cursorSchema.safeParse(JSON.parse(text)) : null;
    if (parsed?.success) return parsed.data;
    const lookback = this.options.initialLookbackMs ?? 15 * 60_000;
    return { startTime: Math.floor((clock.now() - lookback) / 1000), nextPage: null };
  }

  /** One round: legs first (so new calls carry them), then calls. True when a page came back full. */
  async round(signal?: AbortSignal): Promise<boolean> {
    const deadline = signal ?? AbortSignal.timeout(this.options.roundDeadlineMs ?? 30_000);
    const legsFull = await this.drain('legs', (item) => this.options.talk.acceptLeg(item), deadline);
    const callsFull = await this.drain('calls', (item) => this.options.talk.acceptCall(item), deadline);
    return legsFull || callsFull;
  }

  private async drain(
    kind: 'calls' | 'legs',
    accept: (item: unknown) => Promise<void>,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { client, store, clock } = this.options;
    signal.throwIfAborted();
    const from = (await store.cursors.get(TALK_CURSOR(kind))) ?? '';
    const cursor = this.cursorOf(from || null);
    let pending = this.pending[kind];
    // Held by another replica while this one waited (a long Retry-After, a lost lease): its cursor moved past
    // this page, and finishing the page would write an older cursor back and read calls twice.
    if (pending && pending.from !== from) pending = undefined;
    if (!pending) {
      pending = { page: await client.talkExport(kind, cursor), next: 0, from };
      this.pending[kind] = pending;
    }
    // A RetryAfter or the deadline here leaves `next` where it was: the next round resumes this page.
    while (pending.next < pending.page.items.length) {
      signal.throwIfAborted();
      const item = pending.page.items[pending.next];
      try {
        await accept(item);
      } catch (error) {
        // An outage or pacing: the next round tries this item again. A refusal no retry can change (a 4xx
        // from Zendesk about this call) would stop the export here for good, every round: skipped, said.
        if (!(forJobRunner(error) instanceof PermanentFailure)) throw error;
        this.options.logger.error(
          { err: error, kind, id: (item as { id?: unknown } | null)?.id ?? null },
          `zendesk talk: skipped an export ${kind === 'calls' ? 'call' : 'leg'} Zendesk refused to complete: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      }
      pending.next++;
    }
    const next: TalkCursor = {
      startTime: pending.page.endTime ?? cursor.startTime,
      nextPage: pending.page.nextPage,
    };
    await store.cursors.set(TALK_CURSOR(kind), JSON.stringify(next), clock.now());
    delete this.pending[kind];
    return pending.page.count >= FULL_PAGE;
  }
}
