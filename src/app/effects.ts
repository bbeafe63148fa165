/**
 * Effect planners turn accepted domain events into jobs, written in the same transaction as the state
 * change (transactional outbox). Each adapter (Slack, Teams, Zendesk, Aircall) contributes a planner.
 */
import type { DomainEvent } from '../domain/episode.js';
import type { Episode } from '../domain/types.js';
import type { NewJob } from '../store/jobs.js';

export interface EffectContext {
  episode: Episode;
  /** The episode before the change; null when it was just created. */
  previous: Episode | null;
  events: DomainEvent[];
}

export type EffectPlanner = (context: EffectContext) => NewJob[];

export function combinePlanners(planners: EffectPlanner[]): EffectPlanner {
  return (context) => planners.flatMap((plan) => plan(context));
}

export const noEffects: EffectPlanner = () => [];
