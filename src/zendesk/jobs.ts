/** The job handlers of the Zendesk adapter: parse the payload, do the work, say what a failure means. */
import { z } from 'zod';
import type { ThreadMessage } from '../app/threads.js';
import { type JobHandler, PermanentFailure } from '../jobs/runner.js';
import type { Job } from '../store/jobs.js';
import type { ZendeskClient } from './client.js';
import { forJobRunner, isZendeskStatus } from './errors.js';
import { JOBS } from './keys.js';
import type { SideConversations } from './sideConversations.js';
import { isVoiceTicket } from './talk/normalize.js';
import type { TalkIngest } from './talk/talk.js';
import type { ZendeskTickets } from './tickets.js';
import { webhookJobSchema } from './webhook.js';

const episodePayload = z.object({ episodeId: z.string().min(1) });
const callNotePayload = episodePayload.extend({ providerCallKey: z.string().min(1), at: z.number() });
const threadMessagePayload = z.object({
  episodeId: z.string().min(1),
  author: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    surface: z.enum(['slack', 'teams', 'api', 'aircall', 'zendesk', 'system']),
  }),
  text: z.string(),
  messageRef: z.string(),
  at: z.number(),
});

function handler<T>(schema: z.ZodType<T>, work: (payload: T, job: Job) => Promise<void>): JobHandler {
  return async (raw, job) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new PermanentFailure(`bad payload: ${parsed.error.message}`);
    try {
      await work(parsed.data, job);
    } catch (error) {
      throw forJobRunner(error);
    }
  };
}

export interface ZendeskJobDeps {
  client: ZendeskClient;
  tickets: ZendeskTickets;
  /** Null when routing has no zendesk.sideConversation: queued thread jobs then do nothing. */
  sideConversations: SideConversations | null;
  /** Null when voice tickets are not read (never in practice; kept for tests of the ticket side). */
  talk: TalkIngest | null;
}

export function zendeskJobHandlers(deps: ZendeskJobDeps): Record<string, JobHandler> {
  const { tickets, sideConversations, talk, client } = deps;
  return {
    [JOBS.ensureTicket]: handler(episodePayload, async ({ episodeId }) => {
      await tickets.ensure(episodeId);
    }),
    [JOBS.callNote]: handler(callNotePayload, ({ episodeId, providerCallKey, at }) =>
      tickets.noteCall(episodeId, { providerCallKey, at }),
    ),
    [JOBS.assign]: handler(episodePayload, ({ episodeId }) => tickets.syncAssignee(episodeId)),
    [JOBS.resolve]: handler(episodePayload, ({ episodeId }) => tickets.resolve(episodeId)),
    [JOBS.sideMessage]: handler(threadMessagePayload, async (message: ThreadMessage, job) => {
      await sideConversations?.post(message, job.attempts > 1);
    }),
    [JOBS.sideClose]: handler(episodePayload, async ({ episodeId }) => {
      await sideConversations?.close(episodeId);
    }),
    [JOBS.webhook]: handler(webhookJobSchema, async ({ ticketId, sideConversationId }) => {
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
    }),
  };
}
