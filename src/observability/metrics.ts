/**
 * Prometheus metrics on a registry of our own (tests build as many as they like). Every label goes
 * through a closed list (src/observability/labels.ts): a value not on it is counted as `other`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { boundLabels, LABELS } from './labels.js';

export class Metrics {
  readonly registry = new Registry();

  /** The job kinds the runner has handlers for: the closed list of the `kind` label. */
  readonly jobKinds = new Set<string>();

  /** Inbound webhook requests by route and outcome (accepted, duplicate, ignored, unauthorized, invalid …). */
  readonly webhooks = boundLabels(
    new Counter({
      name: 'ringback_webhook_requests_total',
      help: 'Inbound webhook requests by route and outcome',
      labelNames: ['route', 'outcome'] as const,
      registers: [this.registry],
    }),
    { route: LABELS.routes, outcome: LABELS.webhookOutcomes },
  );

  readonly httpDuration = boundLabels(
    new Histogram({
      name: 'ringback_http_request_duration_seconds',
      help: 'HTTP request duration by route and status class',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    }),
    { route: LABELS.routes, status: LABELS.statusClasses },
  );

  readonly jobs = boundLabels(
    new Counter({
      name: 'ringback_jobs_total',
      help: 'Jobs run by kind and result (done, retry, dead)',
      labelNames: ['kind', 'result'] as const,
      registers: [this.registry],
    }),
    { kind: this.jobKinds, result: LABELS.jobResults },
  );

  readonly jobDuration = boundLabels(
    new Histogram({
      name: 'ringback_job_duration_seconds',
      help: 'Job handler duration by kind',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [this.registry],
    }),
    { kind: this.jobKinds },
  );

  /** Set at scrape time from the jobs table (every replica reports the shared figure). */
  readonly jobsByStatus = boundLabels(
    new Gauge({
      name: 'ringback_jobs',
      help: 'Jobs in the jobs table by status (pending, running, dead; a finished job is deleted)',
      labelNames: ['status'] as const,
      registers: [this.registry],
    }),
    { status: LABELS.jobStatuses },
  );

  readonly episodes = boundLabels(
    new Counter({
      name: 'ringback_episode_events_total',
      help: 'Episode transitions by type',
      labelNames: ['type'] as const,
      registers: [this.registry],
    }),
    { type: LABELS.episodeTypes },
  );

  /** Rows deleted or erased by the retention schedule; `what` is a fixed set (src/app/retention.ts). */
  readonly purged = new Counter({
    name: 'ringback_purged_total',
    help: 'Rows deleted or erased past their retention, by what (jobs_done, episodes, …)',
    labelNames: ['what'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'ringback_' });
  }
}
