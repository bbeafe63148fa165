/** From a stored episode to the Slack message of its card, with the line's zone, country and SLA. */
import { cardModelFor, type RenderDeps } from '../../app/card.js';
import { timezoneOf } from '../../app/routing.js';
import type { EpisodeDetails } from '../../domain/details.js';
import type { Episode } from '../../domain/types.js';
import { cardMessage, type SlackMessage } from './blocks.js';

export function renderCard(
  deps: RenderDeps,
  episode: Episode,
  details: EpisodeDetails,
  now: number,
): SlackMessage {
  return cardMessage(cardModelFor(deps, episode, details, now), {
    timezone: timezoneOf(deps.routing, episode.line),
  });
}

export { cardModelFor, type RenderDeps } from '../../app/card.js';
export { zendeskBaseUrl } from '../../config/env.js';
