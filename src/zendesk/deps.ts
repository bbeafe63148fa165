/** What every part of the Zendesk adapter works with. */
import type { EffectPlanner } from '../app/effects.js';
import type { ThreadHub } from '../app/threads.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import type { ZendeskAgents } from './agents.js';
import type { ZendeskClient } from './client.js';
import type { Requesters } from './requester.js';

export interface ZendeskDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  client: ZendeskClient;
  routing: RoutingConfig;
  /** The reactions table through every adapter: a ticket link or details change re-renders every card. */
  planEffects: EffectPlanner;
  threads: ThreadHub;
  agents: ZendeskAgents;
  requesters: Requesters;
  /**
   * How long after a Zendesk Talk call Ringback waits for the ticket Talk makes before creating its own
   * (Talk creates tickets for abandoned calls only when the line is set to).
   */
  talkTicketGraceMs: number;
}
