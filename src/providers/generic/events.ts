/** The 'generic.event' job: a queued generic webhook body, normalized and ingested. */
import type { IngestDeps, IngestResult } from '../../app/ingest.js';
import { type JobHandler, PermanentFailure } from '../../jobs/runner.js';
import { ingestCounted } from '../ingestJob.js';
import type { UnsafeLinkSink } from '../links.js';
import type { IngestMetrics } from '../metrics.js';
import { normalizeGenericCall } from './normalize.js';
import { genericJobSchema } from './schema.js';

export async function ingestGenericDelivery(
  deps: IngestDeps,
  metrics: IngestMetrics,
  payload: unknown,
  onUnsafeLink?: UnsafeLinkSink,
): Promise<IngestResult> {
  const job = genericJobSchema.safeParse(payload);
  if (!job.success)
    throw new PermanentFailure(`not a generic call delivery: ${job.error.issues[0]?.message}`);
  return ingestCounted(
    deps,
    metrics,
    normalizeGenericCall(job.data.call, job.data.receivedAt, deps.routing, onUnsafeLink),
  );
}

export function genericEventJob(
  deps: IngestDeps,
  metrics: IngestMetrics,
  onUnsafeLink?: UnsafeLinkSink,
): JobHandler {
  return async (payload) => {
    await ingestGenericDelivery(deps, metrics, payload, onUnsafeLink);
  };
}
