/** The Teams job kinds and their payloads (validated when a job runs: the table may hold old shapes). */
import { z } from 'zod';
import type { NewJob } from '../../store/jobs.js';

export const TEAMS_JOBS = {
  /** Post an episode's card as a new conversation in a channel (once ever per episode and channel). */
  postCard: 'teams.post_card',
  /** Re-render every posted Teams copy of an episode's card (coalesced while pending). */
  updateCard: 'teams.update_card',
  /** A message in the reply chain of every Teams copy of the card. */
  threadPost: 'teams.thread_post',
  /** A message in a channel, or to people in their personal chat with the bot (notices, summaries). */
  message: 'teams.message',
} as const;

export const postCardPayload = z.object({ episodeId: z.string().min(1), channel: z.string().min(1) });
export const updateCardPayload = z.object({ episodeId: z.string().min(1) });
export const threadPostPayload = z.object({
  episodeId: z.string().min(1),
  /** Markdown. */
  text: z.string().min(1),
  /** Routing `notify` words to turn into Teams mentions where they name known people. */
  mention: z.string().nullable().optional(),
});

const cardJson = z.record(z.string(), z.unknown());

export const messagePayload = z.object({
  to: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('channel'), channel: z.string().min(1) }),
    /** People by Entra object id, Teams id or e-mail; `managers` is the routing file's Teams managers. */
    z.object({ kind: z.literal('people'), people: z.array(z.string().min(1)) }),
    z.object({ kind: z.literal('managers') }),
  ]),
  /** Markdown; also the notification text when a card is sent. */
  text: z.string().min(1),
  card: cardJson.optional(),
  mention: z.string().nullable().optional(),
});
export type MessagePayload = z.infer<typeof messagePayload>;

export function postCardJob(episodeId: string, channel: string): NewJob {
  return {
    kind: TEAMS_JOBS.postCard,
    payload: { episodeId, channel },
    dedupeKey: `teams.post:${episodeId}:${channel}`,
  };
}

/** Re-render every posted copy of the card; bursts of changes fold into one update while it waits. */
export function updateCardJob(episodeId: string): NewJob {
  return { kind: TEAMS_JOBS.updateCard, payload: { episodeId }, coalesceKey: `teams.update:${episodeId}` };
}
