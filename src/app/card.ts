/** From a stored episode to its surface-neutral card model, with the line's zone, country and SLA. */
import { type Env, zendeskBaseUrl } from '../config/env.js';
import type { RoutingConfig } from '../config/routing.js';
import { buildCardModel, type CardModel } from '../domain/cardModel.js';
import type { EpisodeDetails } from '../domain/details.js';
import type { Episode } from '../domain/types.js';
import { lineNamed, timezoneOf } from './routing.js';
import { claimDueAt } from './sla.js';

export interface RenderDeps {
  routing: RoutingConfig;
  env: Env;
}

export function cardModelFor(
  deps: RenderDeps,
  episode: Episode,
  details: EpisodeDetails,
  now: number,
): CardModel {
  const line = lineNamed(deps.routing, episode.line);
  return buildCardModel({
    episode,
    details,
    timezone: timezoneOf(deps.routing, episode.line),
    now,
    lineCountry: line?.country,
    // Counted in the line's business hours when it has them.
    claimDueAt: claimDueAt(episode, deps.routing),
    zendeskBaseUrl: zendeskBaseUrl(deps.env),
    outcomes: deps.routing.outcomes,
    retryAttempts: line?.retry?.attempts ?? null,
    showTags: deps.routing.zendesk.showTags,
  });
}
