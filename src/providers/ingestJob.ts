/** The job side of every provider: a normalized CallEvent goes through ingest, and the outcome is counted. */
import type { AdapterContext } from '../adapters/context.js';
import { type IngestDeps, type IngestResult, ingestCallEvent } from '../app/ingest.js';
import type { CallEvent } from '../domain/callEvent.js';
import type { IngestMetrics } from './metrics.js';

export function ingestDepsOf(ctx: AdapterContext): IngestDeps {
  return {
    store: ctx.store,
    clock: ctx.clock,
    planEffects: ctx.commands.planEffects,
    routing: ctx.config.routing,
    logger: ctx.logger,
  };
}

export async function ingestCounted(
  deps: IngestDeps,
  metrics: IngestMetrics,
  event: CallEvent,
): Promise<IngestResult> {
  const result = await ingestCallEvent(deps, event);
  // `generic:twilio` counts as `generic`: the part after the colon is the sender's own word.
  metrics.ingested.inc({ provider: event.provider.split(':')[0], outcome: result.outcome });
  if (result.outcome === 'opened') metrics.episodes.inc({ type: 'opened' });
  if (result.outcome === 'joined') metrics.episodes.inc({ type: 'call_joined' });
  if (result.outcome === 'auto_resolved')
    metrics.episodes.inc({ type: 'auto_resolved' }, result.episodeIds.length);
  return result;
}
