/**
 * Where an episode's card belongs on one chat surface: the line's channels, and, while the call is high,
 * its priority rule's channel on that surface as well (domain/priority.ts channelsFor: "as well, not
 * instead"). Pure: the card outbox and the planner ask it; the surface only knows the line's channels.
 */

import type { RoutingConfig } from '../config/routing.js';
import type { DomainEvent } from '../domain/episode.js';
import { ruleOf } from '../domain/priority.js';
import type { Episode } from '../domain/types.js';
import type { ChatSurface } from './surface.js';

type SurfaceChannels = Pick<ChatSurface, 'name' | 'channelsFor'>;
type RuleRouting = Pick<RoutingConfig, 'priority'>;

/** The channel a priority rule names for a surface (`slack: { channel }`, `teams: { channel }`). */
function ruleChannelOn(surface: string, rule: RoutingConfig['priority'][number]): string | null {
  const place = (rule as Record<string, unknown>)[surface];
  if (!place || typeof place !== 'object') return null;
  const channel = (place as { channel?: unknown }).channel;
  return typeof channel === 'string' && channel !== '' ? channel : null;
}

/** The channels the episode's high priority adds on this surface, beyond the line's own. */
export function priorityChannelsFor(
  surface: SurfaceChannels,
  routing: RuleRouting,
  episode: Episode,
): string[] {
  if (episode.priority !== 'high') return [];
  const rule = ruleOf(routing, episode);
  const channel = rule ? ruleChannelOn(surface.name, rule) : null;
  if (!channel || surface.channelsFor(episode.line).includes(channel)) return [];
  return [channel];
}

/**
 * Every channel of this surface where the episode's card may be: the line's, and every priority rule's on
 * this surface. A copy posted while the call was high stays after it drops back to normal (its updates go
 * to every stored post), so its thread must keep getting the call's lines; where no card was ever posted
 * the line is dropped at once (the outbox waits for a card only while one is queued or posted).
 */
export function threadChannelsFor(
  surface: SurfaceChannels,
  routing: RuleRouting,
  episode: Episode,
): string[] {
  const channels = new Set(cardChannelsFor(surface, routing, episode));
  for (const rule of routing.priority) {
    const channel = ruleChannelOn(surface.name, rule);
    if (channel) channels.add(channel);
  }
  return [...channels];
}

/** Does a priority rule name this channel on this surface? */
export function isRuleChannel(surface: string, routing: RuleRouting, channel: string): boolean {
  return routing.priority.some((rule) => ruleChannelOn(surface, rule) === channel);
}

/** Every channel of this surface where the episode's card belongs now. */
export function cardChannelsFor(surface: SurfaceChannels, routing: RuleRouting, episode: Episode): string[] {
  return [...surface.channelsFor(episode.line), ...priorityChannelsFor(surface, routing, episode)];
}

/**
 * The channels a `card.post` of this change posts in. A change that opens the episode (or releases its
 * held card) posts everywhere the card belongs; any other change (a call turning high) only adds the
 * priority rule's copy, since the line's copy is posted or queued already and asking again would only
 * leave a stale queue row behind.
 */
export function cardPostChannels(
  surface: SurfaceChannels,
  routing: RuleRouting,
  episode: Episode,
  events: readonly DomainEvent[],
): string[] {
  const first = events.some((event) => event.type === 'opened' || event.type === 'card_released');
  return first ? cardChannelsFor(surface, routing, episode) : priorityChannelsFor(surface, routing, episode);
}

/** Does any line or priority rule put cards on this surface? */
export function surfaceHasCards(surface: SurfaceChannels, routing: RoutingConfig): boolean {
  return (
    routing.lines.some((line) => surface.channelsFor(line.name).length > 0) ||
    routing.priority.some((rule) => ruleChannelOn(surface.name, rule) !== null)
  );
}
