/**
 * What every chat surface does for the intents of the reactions table (src/app/reactions.ts), for notices
 * (src/app/notices.ts) and for text from outside the chat (src/app/threads.ts), written once over the
 * registered surfaces. Each surface only says which channels a line routes to, who it can reach, and how
 * its markup words things. Pure: jobs only, queued in the caller's transaction (transactional outbox).
 */
import type { IntentTranslator } from '../app/intents.js';
import type { Notice, NoticePlanner } from '../app/notices.js';
import { timezoneOf } from '../app/routing.js';
import type { ExternalTextPlanner } from '../app/threads.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import { timelineText } from '../domain/timeline.js';
import { jobOf } from '../jobs/registry.js';
import type { CardQueueingJob } from '../store/cardQueue.js';
import type { NewJob } from '../store/jobs.js';
import { cardChannelsFor, cardPostChannels, surfaceHasCards, threadChannelsFor } from './cardChannels.js';
import { chatJobKinds } from './jobs.js';
import type { Audience, ChatSurface } from './surface.js';

/** The jobs that post an episode's card in one channel, with the card's queued state. */
function postCardJobs(surface: ChatSurface, episodeId: string, channel: string): NewJob[] {
  const spot = { queuesCard: { episodeId, surface: surface.name, channel } };
  if (surface.cardLane) return [{ ...surface.cardLane.wake(channel), ...spot } satisfies CardQueueingJob];
  const kinds = chatJobKinds(surface.name);
  const job = jobOf(
    kinds.postCard,
    { episodeId, channel },
    { dedupeKey: `${surface.name}.post:${episodeId}:${channel}` },
  );
  return [{ ...job, ...spot } satisfies CardQueueingJob];
}

/** Re-render every posted copy; bursts of changes fold into one update while it waits. */
export function updateCardJob(surface: string, episodeId: string): NewJob {
  return jobOf(
    chatJobKinds(surface).updateCard,
    { episodeId },
    { coalesceKey: `${surface}.update:${episodeId}`, foldedUnderLock: true },
  );
}

/** card.post, card.refresh and thread.timeline on one surface; other intents are not a surface's. */
export function chatTranslator(surface: ChatSurface, routing: RoutingConfig): IntentTranslator {
  const kinds = chatJobKinds(surface.name);
  return (intent, { episode, events }) => {
    // A high call's rule may add a channel of its own, on this surface too.
    const channels = cardChannelsFor(surface, routing, episode);
    if (channels.length === 0) return [];
    switch (intent.kind) {
      case 'card.post':
        return cardPostChannels(surface, routing, episode, events).flatMap((channel) =>
          postCardJobs(surface, episode.id, channel),
        );
      case 'card.refresh':
        return [updateCardJob(surface.name, episode.id)];
      case 'thread.timeline': {
        const text = timelineText(intent.events, episode, timezoneOf(routing, episode.line), {
          who: surface.markup.who,
          separator: surface.markup.lineBreak,
          escape: surface.markup.escape,
        });
        if (!text) return [];
        return threadChannelsFor(surface, routing, episode).map((channel) =>
          jobOf(
            kinds.threadLine,
            { episodeId: episode.id, channel, text },
            { dedupeKey: `${surface.name}.line:${episode.id}:${channel}:v${episode.version}` },
          ),
        );
      }
      default:
        return [];
    }
  };
}

/** Does any line (or priority rule) route to this surface? Without one, thread lines have nowhere to go. */
function routesTo(surface: ChatSurface, routing: RoutingConfig): boolean {
  return surfaceHasCards(surface, routing);
}

/** Text from outside the chat (a Zendesk-side reply) into every thread of the episode on one surface. */
export function chatExternalTextPlanner(surface: ChatSurface, routing: RoutingConfig): ExternalTextPlanner {
  const kinds = chatJobKinds(surface.name);
  return (outside) =>
    routesTo(surface, routing)
      ? [
          jobOf(
            kinds.threadLine,
            { episodeId: outside.episodeId, text: surface.markup.quote(outside.authorLabel, outside.text) },
            { dedupeKey: `${surface.name}.external:${outside.source}:${outside.sourceRef}` },
          ),
        ]
      : [];
}

function audienceOf(notice: Exclude<Notice, { kind: 'thread' | 'summary' }>): Audience {
  if (notice.kind === 'managers') return { kind: 'managers_channel' };
  return notice.to === 'managers' ? { kind: 'managers' } : { kind: 'people', people: notice.to };
}

/** Escalation pings, manager posts, direct messages and scheduled summaries, said on one surface. */
export function chatNoticePlanner(surface: ChatSurface, routing: RoutingConfig, clock: Clock): NoticePlanner {
  const kinds = chatJobKinds(surface.name);
  return (notice) => {
    const { markup } = surface;
    switch (notice.kind) {
      case 'thread':
        if (!routesTo(surface, routing)) return [];
        return [
          jobOf(kinds.threadLine, {
            episodeId: notice.episodeId,
            text: markup.escape(notice.text),
            mention: notice.mention,
          }),
        ];
      case 'managers':
      case 'dm':
        return surface.addressesFor(audienceOf(notice)).map((to) =>
          jobOf(kinds.message, {
            to,
            text: markup.escape(notice.text),
            // Mentions only mean something where several people read.
            mention: to.kind === 'channel' && notice.kind === 'managers' ? notice.mention : null,
            episodeId: notice.episodeId,
          }),
        );
      case 'summary': {
        if (notice.surface !== surface.name) return [];
        const message = surface.renderSummary(notice.summary, {
          timezone: notice.timezone,
          title: notice.title,
          now: clock.now(),
        });
        return [
          jobOf(kinds.message, {
            to: { kind: 'channel', channel: notice.channel },
            text: message.text,
            ...(message.rich !== undefined ? { rich: message.rich } : {}),
          }),
        ];
      }
    }
  };
}
