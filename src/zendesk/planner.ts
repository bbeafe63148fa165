/**
 * Which Zendesk jobs an episode change needs. Runs inside the command's transaction, so the jobs exist
 * exactly when the change does. Handlers read the episode's state when they run, so a job planned for an
 * older state still writes the current one.
 */
import type { EffectPlanner } from '../app/effects.js';
import type { NewJob } from '../store/jobs.js';
import { JOBS } from './keys.js';

export interface ZendeskPlannerOptions {
  closeSideConversationOnResolve: boolean;
}

export function zendeskPlanner(options: ZendeskPlannerOptions): EffectPlanner {
  return ({ episode, events }) => {
    const jobs: NewJob[] = [];
    const id = episode.id;
    for (const event of events) {
      switch (event.type) {
        case 'opened':
          jobs.push({
            kind: JOBS.ensureTicket,
            payload: { episodeId: id },
            dedupeKey: `${JOBS.ensureTicket}:${id}`,
          });
          break;
        case 'call_joined':
          jobs.push({
            kind: JOBS.callNote,
            payload: { episodeId: id, providerCallKey: event.providerCallKey, at: event.at },
            dedupeKey: `${JOBS.callNote}:${id}:${event.providerCallKey}`,
          });
          break;
        case 'claimed':
        case 'released':
          jobs.push({ kind: JOBS.assign, payload: { episodeId: id }, coalesceKey: `${JOBS.assign}:${id}` });
          break;
        case 'resolved':
        case 'auto_resolved':
          jobs.push({ kind: JOBS.resolve, payload: { episodeId: id }, dedupeKey: `${JOBS.resolve}:${id}` });
          if (options.closeSideConversationOnResolve) {
            jobs.push({
              kind: JOBS.sideClose,
              payload: { episodeId: id },
              dedupeKey: `${JOBS.sideClose}:${id}`,
            });
          }
          break;
        default:
          break;
      }
    }
    return jobs;
  };
}
