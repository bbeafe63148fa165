/** The 'generic.event' job: a queued generic webhook body, normalized and ingested. */
import type { IngestDeps } from '../../app/ingest.js';
import type { TypedJobHandler } from '../../jobs/registry.js';
import { ingestCounted } from '../ingestJob.js';
import type { UnsafeLinkSink } from '../links.js';
import type { IngestMetrics } from '../metrics.js';
import { normalizeGenericCall } from './normalize.js';
import type { genericJobSchema } from './schema.js';

/** `7 min`, `3 h`, `27 d`: how far ahead a sender's clock is, for a log line. */
function aheadText(ms: number): string {
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export function genericEventHandler(
  deps: IngestDeps,
  metrics: IngestMetrics,
  onUnsafeLink?: UnsafeLinkSink,
): TypedJobHandler<typeof genericJobSchema> {
  return async ({ call, receivedAt }, job) => {
    const event = normalizeGenericCall(call, receivedAt, deps.routing, onUnsafeLink, (aheadMs) =>
      deps.logger.warn(
        {
          provider: `generic:${call.provider}`,
          callId: call.callId,
          jobId: job.id,
          receivedAt: new Date(receivedAt).toISOString(),
          aheadMs,
        },
        `generic webhook: delivery ${job.id} (${call.provider} call ${call.callId}) is dated ${aheadText(aheadMs)} after it was received; its times are taken as when it was received (is the sender's clock right?)`,
      ),
    );
    if (call.callbackNumber && !event.callback?.number) {
      deps.logger.warn(
        { provider: event.provider, callId: event.providerCallId },
        'generic webhook: callbackNumber is not a valid phone number; the caller’s own number is used',
      );
    }
    await ingestCounted(deps, metrics, event);
  };
}
