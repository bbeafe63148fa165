/**
 * Adapters turn the intents of the reactions table (src/app/reactions.ts) into their own jobs. A translator
 * answers only the intents it serves and returns [] for the rest; it never looks at domain events, so what a
 * change causes is decided in one place and how each vendor does it stays in its adapter.
 */
import type { RoutingConfig } from '../config/routing.js';
import type { NewJob } from '../store/jobs.js';
import type { EffectContext, EffectPlanner } from './effects.js';
import { type Intent, react } from './reactions.js';

/** One adapter's jobs for one intent of a change (the change gives the episode as it now is). */
export type IntentTranslator = (intent: Intent, change: EffectContext) => NewJob[];

/** The jobs of a change: the reactions table's intents, each translated by every adapter that serves it. */
export function planFromReactions(
  routing: RoutingConfig,
  translators: () => IntentTranslator[],
): EffectPlanner {
  return (change) => {
    const intents = react(change, routing);
    if (intents.length === 0) return [];
    const current = translators();
    return intents.flatMap((intent) => current.flatMap((translate) => translate(intent, change)));
  };
}
