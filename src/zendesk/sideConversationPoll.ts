/**
 * The fallback for side-conversation replies: the account-wide incremental events export, read from a
 * stored cursor by one replica. Catches replies whose trigger webhook never came (misconfigured trigger,
 * an outage). Needs an admin token; without one it turns itself off after saying so once. A round stops
 * before storing anything once its signal aborts (its deadline passed): the cursor stays where it was.
 */
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import type { ZendeskClient } from './client.js';
import { isZendeskStatus } from './errors.js';
import { KEYS } from './keys.js';
import type { SideConversations } from './sideConversations.js';

const FULL_PAGE = 1000;

export class SideConversationPoll {
  private disabled = false;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      client: ZendeskClient;
      sideConversations: SideConversations;
    },
    private readonly initialLookbackMs = 5 * 60_000,
  ) {}

  async round(signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<boolean> {
    if (this.disabled) return false;
    const { store, clock, client, sideConversations, logger } = this.deps;
    const stored = await store.cursors.get(KEYS.sideConversationCursor);
    const startTime = stored ? Number(stored) : Math.floor((clock.now() - this.initialLookbackMs) / 1000);
    let page: Awaited<ReturnType<ZendeskClient['incrementalSideConversationEvents']>>;
    try {
      page = await client.incrementalSideConversationEvents(startTime);
    } catch (error) {
      if (isZendeskStatus(error, 401, 403, 404)) {
        this.disabled = true;
        logger.warn(
          { status: error.status },
          'zendesk: the side-conversation events export is not available to this token (admins only); replies arrive by webhook only',
        );
        return false;
      }
      throw error;
    }
    signal.throwIfAborted();
    await sideConversations.accept(page.events);
    signal.throwIfAborted();
    await store.cursors.set(KEYS.sideConversationCursor, String(page.endTime ?? startTime), clock.now());
    return page.count >= FULL_PAGE;
  }
}
