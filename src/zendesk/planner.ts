/**
 * What Zendesk does for the intents of the reactions table (src/app/reactions.ts), as jobs. Runs inside
 * the command's transaction, so the jobs exist exactly when the change does. Handlers read the episode's
 * state when they run, so a job planned for an older state still writes the current one.
 */
import type { IntentTranslator } from '../app/intents.js';
import { jobOf } from '../jobs/registry.js';
import { assignJob, callNoteJob, ensureTicketJob, resolveJob, sideCloseJob } from './jobKinds.js';
import { JOBS } from './keys.js';

export const zendeskTranslator: IntentTranslator = (intent, { episode }) => {
  const id = episode.id;
  switch (intent.kind) {
    case 'ticket.ensure':
      return [jobOf(ensureTicketJob, { episodeId: id }, { dedupeKey: `${JOBS.ensureTicket}:${id}` })];
    case 'ticket.callNote':
      return [
        jobOf(
          callNoteJob,
          { episodeId: id, providerCallKey: intent.providerCallKey, at: intent.at },
          { dedupeKey: `${JOBS.callNote}:${id}:${intent.providerCallKey}` },
        ),
      ];
    case 'ticket.assign':
      // Claims and releases in a row fold into one pending assignee sync.
      return [
        jobOf(assignJob, { episodeId: id }, { coalesceKey: `${JOBS.assign}:${id}`, foldedUnderLock: true }),
      ];
    case 'ticket.resolve':
      return [jobOf(resolveJob, { episodeId: id }, { dedupeKey: `${JOBS.resolve}:${id}` })];
    case 'ticket.closeSideConversation':
      return [jobOf(sideCloseJob, { episodeId: id }, { dedupeKey: `${JOBS.sideClose}:${id}` })];
    default:
      return [];
  }
};
