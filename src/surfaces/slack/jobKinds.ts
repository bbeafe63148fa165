/**
 * The job kinds only Slack has (the card, thread and message kinds every surface has are in
 * src/chat/jobs.ts, named `slack.*` there).
 */
import { z } from 'zod';
import { defineJob, jobOf } from '../../jobs/registry.js';
import type { NewJob } from '../../store/jobs.js';

/**
 * One channel's lane: posts its queued cards in order and keeps the storm queue message (coalesced). Its queue
 * key makes one channel's lane run on one replica at a time, so no card is ever posted twice.
 */
export const laneKind = defineJob('slack.lane', z.object({ channel: z.string().min(1) }), {
  queueKey: ({ channel }) => `slack:${channel}`,
});

/** A private message to one person in a channel (chat.postEphemeral). */
export const ephemeralKind = defineJob(
  'slack.ephemeral',
  z.object({
    channel: z.string().min(1),
    user: z.string().min(1),
    text: z.string().min(1),
    threadTs: z.string().optional(),
  }),
);

/** The answer to a slash command, through its response_url. */
export const respondKind = defineJob(
  'slack.respond',
  z.object({
    responseUrl: z.string().url(),
    text: z.string().min(1),
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
    public: z.boolean().default(false),
  }),
);

/**
 * The lane is the only thing that posts its channel's cards, so its job never gives up: a Slack outage
 * only spaces its attempts out (the runner's backoff), and each attempt costs at most one request.
 */
const LANE_MAX_ATTEMPTS = 1_000;

export function laneJob(channel: string, runAt?: number): NewJob {
  return jobOf(
    laneKind,
    { channel },
    {
      coalesceKey: `slack.lane:${channel}`,
      maxAttempts: LANE_MAX_ATTEMPTS,
      ...(runAt !== undefined ? { runAt } : {}),
    },
  );
}
