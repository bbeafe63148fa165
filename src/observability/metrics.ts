/** Prometheus metrics on a registry of our own (tests build as many as they like). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  /** Inbound webhook requests by route and outcome (accepted, duplicate, ignored, unauthorized, invalid …). */
  readonly webhooks = new Counter({
    name: 'ringback_webhook_requests_total',
    help: 'Inbound webhook requests by route and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'ringback_http_request_duration_seconds',
    help: 'HTTP request duration by route and status class',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'ringback_jobs_total',
    help: 'Jobs run by kind and result (done, retry, dead)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'ringback_job_duration_seconds',
    help: 'Job handler duration by kind',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  /** Set at scrape time from the jobs table (every replica reports the shared figure). */
  readonly jobsByStatus = new Gauge({
    name: 'ringback_jobs',
    help: 'Jobs in the jobs table by status (pending, running, done, dead)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly episodes = new Counter({
    name: 'ringback_episode_events_total',
    help: 'Episode transitions by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'ringback_' });
  }
}
