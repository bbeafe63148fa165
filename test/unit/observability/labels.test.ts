import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { boundLabels, httpStatusLabel, labelFrom } from '../../../src/observability/labels.js';
import { Metrics } from '../../../src/observability/metrics.js';

const seriesCount = async (registry: Registry, name: string) =>
  (await registry.metrics()).split('\n').filter((line) => line.startsWith(name)).length;

describe('labelFrom', () => {
  it('keeps a value on the list and turns anything else into other', () => {
    const list = new Set(['aircall', 'zendesk']);
    expect(labelFrom(list, 'aircall')).toBe('aircall');
    expect(labelFrom(list, 'Aircall')).toBe('other');
    expect(labelFrom(list, '')).toBe('other');
    expect(labelFrom(list, undefined)).toBe('other');
    expect(labelFrom(list, 42)).toBe('other');
  });

  it('labels HTTP statuses from a fixed list', () => {
    expect(httpStatusLabel(429)).toBe('429');
    expect(httpStatusLabel('503')).toBe('503');
    expect(httpStatusLabel(799)).toBe('other');
  });
});

describe('boundLabels', () => {
  it('maps every inc, set, observe and timer through the closed lists', async () => {
    const registry = new Registry();
    const kinds = new Set(['slack.post']);
    const counter = boundLabels(
      new Counter({
        name: 'c_total',
        help: 'c',
        labelNames: ['kind', 'result'] as const,
        registers: [registry],
      }),
      { kind: kinds },
    );
    const histogram = boundLabels(
      new Histogram({
        name: 'h_seconds',
        help: 'h',
        labelNames: ['kind'] as const,
        buckets: [1],
        registers: [registry],
      }),
      { kind: kinds },
    );
    const gauge = boundLabels(
      new Gauge({ name: 'g', help: 'g', labelNames: ['status'] as const, registers: [registry] }),
      { status: new Set(['pending']) },
    );
    for (let i = 0; i < 1_000; i++) {
      counter.inc({ kind: `kind-${i}`, result: 'done' });
      histogram.observe({ kind: `kind-${i}` }, 0.1);
      histogram.startTimer({ kind: `kind-${i}` })();
      histogram.startTimer()({ kind: `kind-${i}` });
      gauge.set({ status: `status-${i}` }, i);
    }
    counter.inc({ kind: 'slack.post', result: 'done' }, 2);
    const text = await registry.metrics();
    expect(text).toContain('c_total{kind="other",result="done"} 1000');
    expect(text).toContain('c_total{kind="slack.post",result="done"} 2');
    expect(text).toContain('h_seconds_count{kind="other"} 3000');
    expect(text).toContain('g{status="other"} 999');
    expect(await seriesCount(registry, 'c_total{')).toBe(2);
    expect(text).not.toContain('kind-');
  });

  it('bounds the job kinds of the process metrics to the kinds the runner registered', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.jobKinds.add('zendesk.webhook');
    metrics.jobs.inc({ kind: 'zendesk.webhook', result: 'done' });
    metrics.jobs.inc({ kind: 'from.another.version', result: 'dead' });
    metrics.jobs.inc({ kind: 'zendesk.webhook', result: 'exploded' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('ringback_jobs_total{kind="zendesk.webhook",result="done"} 1');
    expect(text).toContain('ringback_jobs_total{kind="other",result="dead"} 1');
    expect(text).toContain('ringback_jobs_total{kind="zendesk.webhook",result="other"} 1');
  });

  it('bounds webhook routes and outcomes', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.webhooks.inc({ route: '/webhooks/../../etc', outcome: 'whatever the body said' });
    metrics.webhooks.inc({ route: '/slack/events', outcome: 'replayed' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('ringback_webhook_requests_total{route="other",outcome="other"} 1');
    expect(text).toContain('ringback_webhook_requests_total{route="/slack/events",outcome="replayed"} 1');
  });
});
