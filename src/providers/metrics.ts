/** Provider-side metrics, on the process registry. */
import { Counter } from 'prom-client';
import { boundLabels, LABELS } from '../observability/labels.js';
import type { Metrics } from '../observability/metrics.js';

const AIRCALL_API_RESULTS = new Set(['ok', 'rate_limited', 'error', 'timeout', 'circuit_open']);

export interface IngestMetrics {
  ingested: Counter<'provider' | 'outcome'>;
  /** The process-wide episode transition counter, for the transitions ingest makes. */
  episodes: Metrics['episodes'];
  aircallApi: Counter<'operation' | 'result'>;
}

export function createIngestMetrics(metrics: Metrics): IngestMetrics {
  return {
    episodes: metrics.episodes,
    ingested: boundLabels(
      new Counter({
        name: 'ringback_ingest_events_total',
        help: 'Call events ingested by provider and outcome (opened, joined, updated, auto_resolved, recorded, ignored)',
        labelNames: ['provider', 'outcome'] as const,
        registers: [metrics.registry],
      }),
      { provider: LABELS.providers, outcome: LABELS.ingestOutcomes },
    ),
    aircallApi: boundLabels(
      new Counter({
        name: 'ringback_aircall_api_requests_total',
        help: 'Aircall API requests by operation and result (ok, rate_limited, error)',
        labelNames: ['operation', 'result'] as const,
        registers: [metrics.registry],
      }),
      { result: AIRCALL_API_RESULTS },
    ),
  };
}
