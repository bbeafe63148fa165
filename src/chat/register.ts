/**
 * Plugs a chat surface into a Ringback process: its card outbox's job handlers, and the shared translator,
 * notice planner and outside-text planner over it. Slack, Teams and any other surface call this from their
 * adapter; nothing else needs to know the surface exists.
 */
import { type AdapterContext, runsJobs } from '../adapters/context.js';
import { ChatOutbox } from './outbox.js';
import { chatExternalTextPlanner, chatNoticePlanner, chatTranslator } from './planner.js';
import type { ChatSurface } from './surface.js';

export interface ChatSurfaceOptions {
  /** Longest a send waits in its handler for a pacing slot before going back to the jobs table. */
  maxInlineWaitMs?: number;
}

export const DEFAULT_MAX_INLINE_WAIT_MS = 1_500;

export function registerChatSurface(
  ctx: AdapterContext,
  surface: ChatSurface,
  options: ChatSurfaceOptions = {},
): ChatOutbox {
  const { routing } = ctx.config;
  const outbox = new ChatOutbox({
    surface,
    store: ctx.store,
    clock: ctx.clock,
    logger: ctx.logger.child({ surface: surface.name }),
    maxInlineWaitMs: options.maxInlineWaitMs ?? DEFAULT_MAX_INLINE_WAIT_MS,
    routing,
    ...(ctx.budgets.clusterWide ? { clusterBudgets: ctx.budgets } : {}),
  });
  outbox.register(ctx.runner);
  // A lane surface learns these with its lanes' sweep (it may be another replica that met the refusal).
  if (runsJobs(ctx.role) && !surface.cardLane) ctx.onStart(() => outbox.learnRefusedChannels());
  ctx.addIntentTranslator(chatTranslator(surface, routing));
  ctx.notices.addSurface(chatNoticePlanner(surface, routing, ctx.clock));
  ctx.threads.addSurface(chatExternalTextPlanner(surface, routing));
  return outbox;
}
