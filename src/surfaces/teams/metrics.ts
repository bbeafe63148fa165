/** Teams metrics, on the process registry. */
import type { Counter, Registry } from 'prom-client';
import { counterOnce } from '../../chat/metrics.js';

/** Activity types Teams sends; anything else is counted as `other`, so a body cannot mint label values. */
const ACTIVITY_TYPES = new Set([
  'message',
  'invoke',
  'conversationUpdate',
  'installationUpdate',
  'messageReaction',
  'messageUpdate',
  'messageDelete',
  'event',
  'typing',
  'invalid',
]);

export function activityTypeLabel(type: string): string {
  return ACTIVITY_TYPES.has(type) ? type : 'other';
}

export class TeamsMetrics {
  /** Inbound Bot Framework activities by type and result (handled, unauthorized, refused, rejected, failed). */
  readonly activities: Counter<'type' | 'result'>;

  constructor(registry: Registry) {
    this.activities = counterOnce(
      registry,
      'ringback_teams_activities_total',
      'Inbound Microsoft Teams activities by type and result',
      ['type', 'result'],
    );
  }
}
