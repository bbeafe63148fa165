/**
 * What Slack does for the intents of the reactions table (src/app/reactions.ts), as jobs written in the
 * same transaction as the change: post the card in the line's channels, re-render every posted copy, and
 * put what people did as a line in the card's thread. Notices and outside thread text (Zendesk replies)
 * become jobs too. Pure: no I/O here.
 */

import { zoneOf } from '../../app/act.js';
import type { IntentTranslator } from '../../app/intents.js';
import type { NoticePlanner } from '../../app/notices.js';
import type { ExternalTextPlanner } from '../../app/threads.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { NewJob } from '../../store/jobs.js';
import { slackUserIdOf } from './identity.js';
import { laneJob, postCardJob, SLACK_JOBS, updateCardJob } from './jobKinds.js';
import { escapeMrkdwn, slackMention } from './mrkdwn.js';
import { summaryMessage } from './summaryBlocks.js';
import { timelineText } from './timeline.js';

/** The Slack channels the routing file names for a line. */
export function slackChannelsFor(routing: RoutingConfig, line: string): string[] {
  const config = routing.lines.find((l) => l.name === line);
  return config?.slack ? [config.slack.channel] : [];
}

export interface SlackTranslatorOptions {
  /** How long after queueing a card its post job checks that the lane posted it (a safety net). */
  postCheckMs: number;
}

export function createSlackTranslator(
  routing: RoutingConfig,
  clock: Clock,
  options: SlackTranslatorOptions = { postCheckMs: 60_000 },
): IntentTranslator {
  return (intent, { episode }) => {
    const channels = slackChannelsFor(routing, episode.line);
    if (channels.length === 0) return [];
    switch (intent.kind) {
      case 'card.post': {
        const checkAt = clock.now() + options.postCheckMs;
        return channels.flatMap((channel) => [postCardJob(episode.id, channel, checkAt), laneJob(channel)]);
      }
      case 'card.refresh':
        return [updateCardJob(episode.id)];
      case 'thread.timeline': {
        const text = timelineText(intent.events, episode, zoneOf(routing, episode.line));
        if (!text) return [];
        return channels.map((channel) => ({
          kind: SLACK_JOBS.threadPost,
          payload: { episodeId: episode.id, channel, text },
          dedupeKey: `slack.line:${episode.id}:${channel}:v${episode.version}`,
        }));
      }
      default:
        return [];
    }
  };
}

/** Text from outside the chat (a Zendesk-side reply) into every Slack thread of the episode. */
export function createExternalTextPlanner(): ExternalTextPlanner {
  return (outside) => [
    {
      kind: SLACK_JOBS.threadPost,
      payload: {
        episodeId: outside.episodeId,
        text: `*${escapeMrkdwn(outside.authorLabel)}:*\n${escapeMrkdwn(outside.text)}`,
      },
      dedupeKey: `slack.external:${outside.source}:${outside.sourceRef}`,
    },
  ];
}

function withMention(text: string, mention: string | null): string {
  const slack = slackMention(mention);
  return slack ? `${slack} ${escapeMrkdwn(text)}` : escapeMrkdwn(text);
}

function dmJobs(userIds: string[], text: string, episodeId: string | null): NewJob[] {
  return [...new Set(userIds)].map((user) => ({
    kind: SLACK_JOBS.message,
    payload: { channel: user, text: escapeMrkdwn(text), episodeId },
  }));
}

/** Escalation pings, manager posts, direct messages and scheduled summaries, said in Slack. */
export function createNoticePlanner(routing: RoutingConfig, clock: Clock): NoticePlanner {
  return (notice) => {
    switch (notice.kind) {
      case 'thread':
        return [
          {
            kind: SLACK_JOBS.threadPost,
            payload: { episodeId: notice.episodeId, text: withMention(notice.text, notice.mention) },
          },
        ];
      case 'managers': {
        const channel = routing.managers.slackChannel;
        // Without a managers' channel the managers still hear it, privately.
        if (!channel) return dmJobs(routing.managers.slack, notice.text, notice.episodeId);
        return [
          {
            kind: SLACK_JOBS.message,
            payload: { channel, text: withMention(notice.text, notice.mention), episodeId: notice.episodeId },
          },
        ];
      }
      case 'dm': {
        const users =
          notice.to === 'managers'
            ? routing.managers.slack
            : notice.to.map(slackUserIdOf).filter((id): id is string => id !== null);
        return dmJobs(users, notice.text, notice.episodeId);
      }
      case 'summary': {
        if (notice.surface !== 'slack') return [];
        const message = summaryMessage(notice.summary, {
          timezone: notice.timezone,
          title: notice.title,
          now: clock.now(),
        });
        return [
          {
            kind: SLACK_JOBS.message,
            payload: { channel: notice.channel, text: message.text, blocks: message.blocks },
          },
        ];
      }
    }
  };
}
