/** The job handlers of the Zendesk adapter: do the work, say what a failure means to the runner. */
import type { z } from 'zod';
import type { JobKind, TypedJobHandler } from '../jobs/registry.js';
import type { JobRunner } from '../jobs/runner.js';
import type { ZendeskClient } from './client.js';
import { forJobRunner, isZendeskStatus } from './errors.js';
import {
  assignJob,
  callNoteJob,
  ensureTicketJob,
  resolveJob,
  sideCloseJob,
  sideMessageJob,
  webhookJob,
} from './jobKinds.js';
import type { SideConversations } from './sideConversations.js';
import { isVoiceTicket } from './talk/normalize.js';
import type { TalkIngest } from './talk/talk.js';
import type { ZendeskTickets } from './tickets.js';

/** Registers `work` for `kind`, turning Zendesk's errors into what the runner understands (429s, 4xx). */
function handleZendesk<S extends z.ZodType>(
  runner: JobRunner,
  kind: JobKind<S>,
  work: TypedJobHandler<S>,
): void {
  runner.handle(kind, async (payload, job) => {
    try {
      await work(payload, job);
    } catch (error) {
      throw forJobRunner(error);
    }
  });
}

export interface ZendeskJobDeps {
  client: ZendeskClient;
  tickets: ZendeskTickets;
  /** Null when routing has no zendesk.sideConversation: queued thread jobs then do nothing. */
  sideConversations: SideConversations | null;
  /** Null when voice tickets are not read (never in practice; kept for tests of the ticket side). */
  talk: TalkIngest | null;
}

export function registerZendeskJobs(runner: JobRunner, deps: ZendeskJobDeps): void {
  const { tickets, sideConversations, talk, client } = deps;
  handleZendesk(runner, ensureTicketJob, async ({ episodeId }) => {
    await tickets.ensure(episodeId);
  });
  handleZendesk(runner, callNoteJob, ({ episodeId, providerCallKey, at }) =>
    tickets.noteCall(episodeId, { providerCallKey, at }),
  );
  handleZendesk(runner, assignJob, ({ episodeId }) => tickets.syncAssignee(episodeId));
  handleZendesk(runner, resolveJob, ({ episodeId }) => tickets.resolve(episodeId));
  handleZendesk(runner, sideMessageJob, async (message, job) => {
    await sideConversations?.post(message, job.attempts > 1);
  });
  handleZendesk(runner, sideCloseJob, async ({ episodeId }) => {
    await sideConversations?.close(episodeId);
  });
  handleZendesk(runner, webhookJob, async ({ ticketId, sideConversationId }) => {
    if (sideConversationId) {
      await sideConversations?.sync(ticketId, sideConversationId);
      return;
    }
    // Only a ticket id: it may be a voice ticket (Talk) or a reply in one of our side conversations.
    for (const id of (await sideConversations?.idsOnTicket(ticketId)) ?? []) {
      await sideConversations?.sync(ticketId, id);
    }
    if (!talk) return;
    let ticket: Awaited<ReturnType<ZendeskClient['showTicket']>>;
    try {
      ticket = await client.showTicket(ticketId);
    } catch (error) {
      // Deleted (or not ours to see) since the trigger fired: nothing to learn from it.
      if (isZendeskStatus(error, 403, 404)) return;
      throw error;
    }
    if (isVoiceTicket(ticket)) await talk.acceptVoiceTicket(ticket);
  });
}
