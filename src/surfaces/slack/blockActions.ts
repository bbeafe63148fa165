/**
 * The parts of a Slack `block_actions` payload Ringback reads, parsed once for every listener (card
 * buttons, the snooze select and the other-number button, the reassign picker). Only what we use is named;
 * everything else passes through unread.
 */
import { z } from 'zod';

/** One element that was used: a button's value, a select's option, a users_select's user. */
export const blockActionElement = z.object({
  action_id: z.string(),
  block_id: z.string().optional(),
  value: z.string().optional(),
  selected_option: z.object({ value: z.string() }).optional(),
  selected_user: z.string().optional(),
});

/** Who clicked where: the message (channel and ts) or the view the click came from. */
export const blockActionsPayload = z.object({
  type: z.literal('block_actions'),
  /** Present on clicks that may open a modal (expires after 3 s). */
  trigger_id: z.string().optional(),
  user: z.object({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional() }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z
    .object({
      channel_id: z.string().optional(),
      message_ts: z.string().optional(),
      thread_ts: z.string().optional(),
    })
    .passthrough()
    .optional(),
  message: z.object({ ts: z.string().optional() }).passthrough().optional(),
  actions: z.array(blockActionElement).min(1),
});
export type BlockActionsPayload = z.infer<typeof blockActionsPayload>;
