/** The 'generic.event' job: a queued generic webhook body, normalized and ingested. */
import type { IngestDeps } from '../../app/ingest.js';
import type { TypedJobHandler } from '../../jobs/registry.js';
import { ingestCounted } from '../ingestJob.js';
import type { UnsafeLinkSink } from '../links.js';
import type { IngestMetrics } from '../metrics.js';
import { normalizeGenericCall } from './normalize.js';
import type { genericJobSchema } from './schema.js';

export function genericEventHandler(
  deps: IngestDeps,
  metrics: IngestMetrics,
  onUnsafeLink?: UnsafeLinkSink,
): TypedJobHandler<typeof genericJobSchema> {
  return async ({ call, receivedAt }) => {
    const event = normalizeGenericCall(call, receivedAt, deps.routing, onUnsafeLink);
    if (call.callbackNumber && !event.callback?.number) {
      deps.logger.warn(
        { provider: event.provider, callId: event.providerCallId },
        'generic webhook: callbackNumber is not a valid phone number; the caller’s own number is used',
      );
    }
    await ingestCounted(deps, metrics, event);
  };
}
