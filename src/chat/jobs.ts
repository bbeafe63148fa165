/**
 * The job kinds every chat surface has, named after the surface (`slack.post_card`, `teams.post_card`…):
 * the runner finds a job's vendor from that prefix (its breaker and its share of the slots), and a kind's
 * name is what the jobs table holds, so these names never change while jobs may be in flight.
 */
import { z } from 'zod';
import { defineJob, type JobKind } from '../jobs/registry.js';

const episodeChannel = z.object({ episodeId: z.string().min(1), channel: z.string().min(1) });
const episodeOnly = z.object({ episodeId: z.string().min(1) });

export const threadLinePayload = z.object({
  episodeId: z.string().min(1),
  /** Absent: every channel of this surface the card is (or will be) in; the job fans out per channel. */
  channel: z.string().min(1).optional(),
  /** In the surface's markup, already escaped. */
  text: z.string().min(1),
  /** The routing file's `notify` words: each surface turns them into its own mentions when it sends. */
  mention: z.string().nullable().optional(),
});

/** Where a message that is not a card goes on a surface. */
export const addressSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('channel'), channel: z.string().min(1) }),
  /** People, as the surface knows them (Slack user ids; Teams Entra ids, Teams ids or e-mails). */
  z.object({ kind: z.literal('people'), people: z.array(z.string().min(1)).min(1) }),
  /** The routing file's managers on the surface (jobs queued before addresses were resolved when planned). */
  z.object({ kind: z.literal('managers') }),
]);
export type Address = z.infer<typeof addressSchema>;

/** Slack message jobs queued by the previous version: `{ channel, text, blocks?, episodeId? }`. */
function fromLegacySlackMessage(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || 'to' in payload || !('channel' in payload))
    return payload;
  const { channel, blocks, ...rest } = payload as { channel: unknown; blocks?: unknown };
  return { ...rest, to: { kind: 'channel', channel }, ...(blocks !== undefined ? { rich: blocks } : {}) };
}

/** Teams message jobs queued by the previous version carried their card as `card`. */
function fromLegacyTeamsMessage(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || !('card' in payload)) return payload;
  const { card, ...rest } = payload as { card: unknown };
  return { ...rest, rich: card };
}

export const messagePayload = z.preprocess(
  (payload) => fromLegacyTeamsMessage(fromLegacySlackMessage(payload)),
  z.object({
    to: addressSchema,
    /** In the surface's markup, already escaped; also the notification text of a rich message. */
    text: z.string().min(1),
    mention: z.string().nullable().optional(),
    /** The surface's own rich content (Slack blocks, a Teams Adaptive Card), rendered when planned. */
    rich: z.unknown().optional(),
    /** The notice is about this call: a surface may link its card. */
    episodeId: z.string().nullable().optional(),
  }),
);
export type MessagePayload = z.infer<typeof messagePayload>;

export interface ChatJobKinds {
  /** Post an episode's card in one channel (once ever per episode and channel). */
  postCard: JobKind<typeof episodeChannel>;
  /** Re-render every posted copy of an episode's card on the surface (coalesced while pending). */
  updateCard: JobKind<typeof episodeOnly>;
  /** A line in the card's thread, in one channel or in every channel of the card. */
  threadLine: JobKind<typeof threadLinePayload>;
  /** A message in a channel or to people (notices, summaries). */
  message: JobKind<typeof messagePayload>;
}

/** The queue key of an episode's card updates on a surface: one at a time across every replica. */
export function cardQueueKey(surface: string, episodeId: string): string {
  return `${surface}.card:${episodeId}`;
}

/** The queue key of a card's thread lines in one channel: one at a time, oldest first, across replicas. */
export function threadQueueKey(surface: string, episodeId: string, channel: string): string {
  return `${surface}.thread:${episodeId}:${channel}`;
}

export function chatJobKinds(surface: string): ChatJobKinds {
  return {
    postCard: defineJob(`${surface}.post_card`, episodeChannel),
    // One at a time per card across every replica (graphile-worker's queue names), so two replicas never
    // render one card over each other.
    updateCard: defineJob(`${surface}.update_card`, episodeOnly, {
      queueKey: ({ episodeId }) => cardQueueKey(surface, episodeId),
    }),
    // A card's thread lines in one channel go out one at a time, in order; the fan-out job (no channel) is free.
    threadLine: defineJob(`${surface}.thread_post`, threadLinePayload, {
      queueKey: ({ episodeId, channel }) => (channel ? threadQueueKey(surface, episodeId, channel) : ''),
    }),
    message: defineJob(`${surface}.message`, messagePayload),
  };
}
