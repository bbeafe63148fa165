/** The 'aircall.event' job: a queued Aircall delivery, normalized and ingested. */
import type { IngestDeps, IngestResult } from '../../app/ingest.js';
import { PermanentFailure } from '../../jobs/errors.js';
import type { TypedJobHandler } from '../../jobs/registry.js';
import { ingestCounted } from '../ingestJob.js';
import type { UnsafeLinkSink } from '../links.js';
import type { IngestMetrics } from '../metrics.js';
import { normalizeAircallCall, normalizeAircallInsight } from './normalize.js';
import { type AircallJob, type aircallJobSchema, parseAircallData } from './schema.js';

export async function ingestAircallDelivery(
  deps: IngestDeps,
  metrics: IngestMetrics,
  delivery: AircallJob,
  onUnsafeLink?: UnsafeLinkSink,
): Promise<IngestResult> {
  const { event, timestamp, data } = delivery;
  const resource = parseAircallData(event, data);
  if (resource.kind === 'error')
    throw new PermanentFailure(`Aircall ${event}: ${resource.error.issues[0]?.message}`);
  const normalized =
    resource.kind === 'call'
      ? normalizeAircallCall(event, timestamp, resource.call, deps.routing, onUnsafeLink)
      : normalizeAircallInsight(event, timestamp, resource.insight);
  if (!normalized) {
    metrics.ingested.inc({ provider: 'aircall', outcome: 'ignored' });
    return { outcome: 'ignored', reason: `${event} without text` };
  }
  return ingestCounted(deps, metrics, normalized);
}

export function aircallEventHandler(
  deps: IngestDeps,
  metrics: IngestMetrics,
  onUnsafeLink?: UnsafeLinkSink,
): TypedJobHandler<typeof aircallJobSchema> {
  return async (delivery) => {
    await ingestAircallDelivery(deps, metrics, delivery, onUnsafeLink);
  };
}
