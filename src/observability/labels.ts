/**
 * Metric label values come from closed lists. Every distinct label value is a time series kept in memory
 * until the process ends and scraped forever after, so a value taken from a request (an event name, a
 * provider, an activity type) would let any sender grow /metrics without bound. Anything not on its list
 * is counted as `other`.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';

export const OTHER_LABEL = 'other';

/** A closed list: a Set, or anything that answers `has` (such as the live set of registered job kinds). */
export interface LabelSet {
  has(value: string): boolean;
}

export function labelFrom(allowed: LabelSet, value: unknown): string {
  return typeof value === 'string' && allowed.has(value) ? value : OTHER_LABEL;
}

/** HTTP status codes a vendor may answer, by their text; any other code is `other`. */
export const HTTP_STATUS_LABELS: LabelSet = new Set(
  [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 410, 413, 415, 422, 423, 429]
    .concat([500, 501, 502, 503, 504])
    .map(String),
);

export function httpStatusLabel(status: unknown): string {
  return labelFrom(HTTP_STATUS_LABELS, String(status));
}

/** The closed lists of the process-wide metrics (src/observability/metrics.ts). */
export const LABELS = {
  /** Every route Ringback serves, as Express names it (`unmatched` for a 404). */
  routes: new Set([
    '/healthz',
    '/readyz',
    '/metrics',
    '/slack/events',
    '/api/messages',
    '/webhooks/aircall',
    '/webhooks/zendesk',
    '/webhooks/calls',
    '/api/calls',
    '/api/calls/:id',
    '/api/summary',
    '/api/export.csv',
    'unmatched',
  ]),
  statusClasses: new Set(['1xx', '2xx', '3xx', '4xx', '5xx']),
  /** What an inbound webhook request came to (src/providers/webhook.ts, src/surfaces/slack/http.ts, src/zendesk/webhook.ts). */
  webhookOutcomes: new Set([
    'accepted',
    'duplicate',
    'ignored',
    'unauthorized',
    'unauthorized_missing',
    'unauthorized_stale',
    'unauthorized_mismatch',
    'replayed',
    'invalid_json',
    'invalid_schema',
    'invalid_payload',
    'too_large',
    'unsupported_encoding',
    'unavailable',
    'aborted',
  ]),
  jobResults: new Set(['done', 'retry', 'retry_after', 'dead']),
  // A finished job is deleted at once (no `done` row), so a job row is only ever waiting, running or dead.
  jobStatuses: new Set(['pending', 'running', 'dead']),
  episodeTypes: new Set([
    'opened',
    'call_joined',
    'auto_resolved',
    'claimed',
    'released',
    'resolved',
    'escalated',
  ]),
  /** Telephony providers; the generic webhook's own provider names all count as `generic`. */
  providers: new Set(['aircall', 'zendesk', 'generic']),
  ingestOutcomes: new Set(['opened', 'joined', 'updated', 'auto_resolved', 'recorded', 'ignored']),
} as const;

type AnyMetric<T extends string> = Counter<T> | Gauge<T> | Histogram<T>;

/**
 * Makes `metric` map each listed label through its closed list on every inc/set/observe (and timers, which
 * observe), so no call site can add a series by passing an unexpected value. Returns the same metric.
 */
export function boundLabels<T extends string, M extends AnyMetric<T>>(
  metric: M,
  allowed: Partial<Record<T, LabelSet>>,
): M {
  const lists = Object.entries(allowed) as [string, LabelSet][];
  const clean = (labels: unknown): unknown => {
    if (labels === null || typeof labels !== 'object') return labels;
    const out: Record<string, unknown> = { ...(labels as Record<string, unknown>) };
    for (const [name, list] of lists) if (name in out) out[name] = labelFrom(list, out[name]);
    return out;
  };
  // prom-client assigns inc/set/observe per instance; startTimer and labels() go through them.
  const target = metric as unknown as Record<string, unknown>;
  for (const method of ['inc', 'dec', 'set', 'observe']) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = (first: unknown, ...rest: unknown[]) => original.call(metric, clean(first), ...rest);
  }
  return metric;
}
