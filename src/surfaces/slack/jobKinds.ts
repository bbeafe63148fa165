/** The Slack job kinds and their payloads (validated when a job runs: the table may hold old shapes). */
import { z } from 'zod';
import type { NewJob } from '../../store/jobs.js';

export const SLACK_JOBS = {
  /** Post an episode's card in one channel (once ever per episode and channel). */
  postCard: 'slack.post_card',
  /** Re-render every posted Slack copy of an episode's card (coalesced while pending). */
  updateCard: 'slack.update_card',
  /** A line in the card's thread: in one channel, or every channel the card is in. */
  threadPost: 'slack.thread_post',
  /** A message in a channel or a DM (manager notices, summaries). */
  message: 'slack.message',
  /** A private message to one person in a channel. */
  ephemeral: 'slack.ephemeral',
  /** The answer to a slash command, through its response_url. */
  respond: 'slack.respond',
  /** One channel's lane: posts its queued cards in order and keeps the storm digest (coalesced). */
  lane: 'slack.lane',
} as const;

export const postCardPayload = z.object({ episodeId: z.string().min(1), channel: z.string().min(1) });
export const updateCardPayload = z.object({ episodeId: z.string().min(1) });
export const threadPostPayload = z.object({
  episodeId: z.string().min(1),
  /** Absent: every Slack channel the episode's card is in. */
  channel: z.string().min(1).optional(),
  text: z.string().min(1),
});
export const messagePayload = z.object({
  channel: z.string().min(1),
  text: z.string().min(1),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Adds a link to this episode's card when it has one. */
  episodeId: z.string().nullable().optional(),
});
export const ephemeralPayload = z.object({
  channel: z.string().min(1),
  user: z.string().min(1),
  text: z.string().min(1),
  threadTs: z.string().optional(),
});
export const respondPayload = z.object({
  responseUrl: z.string().url(),
  text: z.string().min(1),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  public: z.boolean().default(false),
});
export const lanePayload = z.object({ channel: z.string().min(1) });

/** The promise that an episode's card will be posted in a channel (once ever); the lane posts it. */
export function postCardJob(episodeId: string, channel: string, checkAt: number): NewJob {
  return {
    kind: SLACK_JOBS.postCard,
    payload: { episodeId, channel },
    dedupeKey: `slack.post:${episodeId}:${channel}`,
    runAt: checkAt,
  };
}

export function laneJob(channel: string, runAt?: number): NewJob {
  return {
    kind: SLACK_JOBS.lane,
    payload: { channel },
    coalesceKey: `slack.lane:${channel}`,
    ...(runAt !== undefined ? { runAt } : {}),
  };
}

/** Re-render every posted copy of the card; bursts of changes fold into one update while it waits. */
export function updateCardJob(episodeId: string): NewJob {
  return { kind: SLACK_JOBS.updateCard, payload: { episodeId }, coalesceKey: `slack.update:${episodeId}` };
}
