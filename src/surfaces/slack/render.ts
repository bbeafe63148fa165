/** From a stored episode to the Slack message of its card, with the line's zone, country and SLA. */
import { cardModelFor, type RenderDeps } from '../../app/card.js';
import { lineNamed, timezoneOf } from '../../app/routing.js';
import { displayNumber, formatClock } from '../../domain/cardModel.js';
import type { EpisodeDetails } from '../../domain/details.js';
import type { Episode } from '../../domain/types.js';
import { cardMessage, type SlackMessage } from './blocks.js';
import { escapeMrkdwn, link } from './mrkdwn.js';

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

/** One call in the storm digest: time, caller, number (a tel: link), line. */
export function digestLine(deps: RenderDeps, episode: Episode): string {
  const line = lineNamed(deps.routing, episode.line);
  const zone = timezoneOf(deps.routing, episode.line);
  const number = displayNumber(episode.caller.number, line?.country);
  const parts = [formatClock(episode.missedAt, zone)];
  if (episode.caller.name) parts.push(escapeMrkdwn(episode.caller.name));
  parts.push(
    number && episode.caller.number ? link(`tel:${episode.caller.number}`, number) : 'withheld number',
  );
  parts.push(escapeMrkdwn(episode.line));
  if (episode.callCount > 1) parts.push(`${episode.callCount} calls`);
  return `• ${parts.join(' · ')}`;
}

/** The digest message while calls are waiting for their cards. */
export function digestHeadText(waiting: number, recent: string[]): string {
  const head =
    waiting === 1
      ? '*Missed calls are coming in faster than Slack lets Ringback post cards: 1 call is waiting for its card.*'
      : `*Missed calls are coming in faster than Slack lets Ringback post cards: ${waiting} calls are waiting for their cards.*`;
  const body =
    'Slack takes one new message per second in a channel, so each waiting call is listed in this thread as it comes in, and the cards follow in order.';
  const latest = recent.length > 0 ? `\n*Latest:*\n${recent.join('\n')}` : '';
  return `${head}\n${body}${latest}`;
}

/** The digest message once every call of the burst has its card. */
export function digestClosedText(listed: number, startedAt: number, now: number, zone: string): string {
  return `*Burst of missed calls from ${formatClock(startedAt, zone)} to ${formatClock(now, zone)} is over:* each of the ${listed} ${listed === 1 ? 'call' : 'calls'} listed in this thread now has its own card in the channel.`;
}

/** A digest thread reply listing calls. */
export function digestListText(lines: string[]): string {
  return `${lines.length === 1 ? '1 more missed call' : `${lines.length} more missed calls`} (cards follow):\n${lines.join('\n')}`;
}

export { cardModelFor, type RenderDeps } from '../../app/card.js';
export { zendeskBaseUrl } from '../../config/env.js';
