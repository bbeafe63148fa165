/**
 * The effects of an accepted change are jobs, written in the same transaction as the change (transactional
 * outbox). What a change causes is decided by the reactions table (src/app/reactions.ts); each adapter turns
 * those intents into its own jobs (src/app/intents.ts).
 */
import type { DomainEvent } from '../domain/episode.js';
import type { Episode } from '../domain/types.js';
import type { NewJob } from '../store/jobs.js';

export interface EffectContext {
  episode: Episode;
  /** The episode before the change; null when it was just created. */
  previous: Episode | null;
  events: DomainEvent[];
  /**
   * The episode's latest release, read from the audit only for a change that turns it high priority (a
   * rule's own ladder counts from it, as the line's does); absent otherwise.
   */
  lastReleaseAt?: number | null;
}

export type EffectPlanner = (context: EffectContext) => NewJob[];
