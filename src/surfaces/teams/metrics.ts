/** Teams metrics, on the process registry. */
import { Counter, type Registry } from 'prom-client';

export class TeamsMetrics {
  /** Inbound Bot Framework activities by type and result (handled, unauthorized, rejected, failed). */
  readonly activities: Counter<'type' | 'result'>;

  constructor(registry: Registry) {
    const existing = registry.getSingleMetric('ringback_teams_activities_total');
    this.activities =
      (existing as Counter<'type' | 'result'> | undefined) ??
      new Counter({
        name: 'ringback_teams_activities_total',
        help: 'Inbound Microsoft Teams activities by type and result',
        labelNames: ['type', 'result'] as const,
        registers: [registry],
      });
  }
}
