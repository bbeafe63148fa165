/** The job kinds of the Zendesk adapter: each name (src/zendesk/keys.ts JOBS) with the payload it carries. */
import { z } from 'zod';
import { defineJob } from '../jobs/registry.js';
import { JOBS } from './keys.js';

const episodePayload = z.object({ episodeId: z.string().min(1) });

const callNotePayload = episodePayload.extend({ providerCallKey: z.string().min(1), at: z.number() });

/** A human message of the card's thread (src/app/threads.ts ThreadMessage). */
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

/** What a verified webhook delivery names: Ringback re-reads the rest from the API. */
const webhookPayload = z.object({
  ticketId: z.number().int().positive(),
  sideConversationId: z.string().nullable(),
});

export const ensureTicketJob = defineJob(JOBS.ensureTicket, episodePayload);
export const callNoteJob = defineJob(JOBS.callNote, callNotePayload);
export const assignJob = defineJob(JOBS.assign, episodePayload);
export const resolveJob = defineJob(JOBS.resolve, episodePayload);
export const sideMessageJob = defineJob(JOBS.sideMessage, threadMessagePayload);
export const sideCloseJob = defineJob(JOBS.sideClose, episodePayload);
export const webhookJob = defineJob(JOBS.webhook, webhookPayload);
