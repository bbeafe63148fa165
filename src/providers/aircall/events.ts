/** The 'aircall.event' job: a queued Aircall delivery, normalized and ingested. */
import type { IngestDeps, IngestResult } from '../../app/ingest.js';
import type { JobHandler } from '../../jobs/runner.js';
import { PermanentFailure } from '../../jobs/runner.js';
import { ingestCounted } from '../ingestJob.js';
import type { UnsafeLinkSink } from '../links.js';
import type { IngestMetrics } from '../metrics.js';
import { normalizeAircallCall, normalizeAircallInsight } from './normalize.js';
import { aircallJobSchema, parseAircallData } from './schema.js';

export async function ingestAircallDelivery(
  deps: IngestDeps,
  metrics: IngestMetrics,
  payload: unknown,
  onUnsafeLink?: UnsafeLinkSink,
): Promise<IngestResult> {
  const job = aircallJobSchema.safeParse(payload);
  if (!job.success) throw new PermanentFailure(`not an Aircall delivery: ${job.error.issues[0]?.message}`);
  const { event, timestamp, data } = job.data;
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

export function aircallEventJob(
  deps: IngestDeps,
  metrics: IngestMetrics,
  onUnsafeLink?: UnsafeLinkSink,
): JobHandler {
  return async (payload) => {
    await ingestAircallDelivery(deps, metrics, payload, onUnsafeLink);
  };
}
