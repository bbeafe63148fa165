/**
 * What Teams does for the intents of the reactions table (src/app/reactions.ts), as jobs written in the
 * same transaction as the change: post the card in the line's Teams channel, re-render every posted copy
 * for everyone, and put what people did as a reply in the card's reply chain. Notices and outside thread
 * text (Zendesk replies) become jobs too. Pure: no I/O here.
 */
import { zoneOf } from '../../app/act.js';
import type { IntentTranslator } from '../../app/intents.js';
import type { NoticePlanner } from '../../app/notices.js';
import type { ExternalTextPlanner } from '../../app/threads.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import { escapeMarkdown } from './card.js';
import { postCardJob, TEAMS_JOBS, updateCardJob } from './jobKinds.js';
import { summaryCard } from './summaryCard.js';
import { timelineText } from './timeline.js';

/** The Teams channel the routing file names for a line, if any. */
export function teamsChannelFor(routing: RoutingConfig, line: string): string | null {
  return routing.lines.find((l) => l.name === line)?.teams?.channel ?? null;
}

/** Does any line post to Teams? Without one, card and thread effects have nothing to do. */
export function routesToTeams(routing: RoutingConfig): boolean {
  return routing.lines.some((l) => l.teams);
}

export function createTeamsTranslator(routing: RoutingConfig): IntentTranslator {
  return (intent, { episode }) => {
    const channel = teamsChannelFor(routing, episode.line);
    if (!channel) return [];
    switch (intent.kind) {
      case 'card.post':
        return [postCardJob(episode.id, channel)];
      case 'card.refresh':
        return [updateCardJob(episode.id)];
      case 'thread.timeline': {
        const text = timelineText(intent.events, episode, zoneOf(routing, episode.line));
        if (!text) return [];
        return [
          {
            kind: TEAMS_JOBS.threadPost,
            payload: { episodeId: episode.id, text },
            dedupeKey: `teams.line:${episode.id}:v${episode.version}`,
          },
        ];
      }
      default:
        return [];
    }
  };
}

/** Text from outside the chat (a Zendesk-side reply) into the reply chain of every Teams copy. */
export function createExternalTextPlanner(routing: RoutingConfig): ExternalTextPlanner {
  if (!routesToTeams(routing)) return () => [];
  return (outside) => [
    {
      kind: TEAMS_JOBS.threadPost,
      payload: {
        episodeId: outside.episodeId,
        text: `**${escapeMarkdown(outside.authorLabel)}:** ${escapeMarkdown(outside.text)}`,
      },
      dedupeKey: `teams.external:${outside.source}:${outside.sourceRef}`,
    },
  ];
}

/** Managers Teams could reach: Entra ids or e-mails of `managers.teams`, and `managers.emails`. */
function hasTeamsManagers(routing: RoutingConfig): boolean {
  return routing.managers.teams.length + routing.managers.emails.length > 0;
}

/** Who a direct message goes to, as Teams knows them: Entra object ids, Teams ids or e-mails. */
export function teamsRecipients(people: Actor[]): string[] {
  const keys: string[] = [];
  for (const person of people) {
    if (person.surface === 'teams') keys.push(person.id.replace(/^teams:/, ''));
    // Slack people hear it in Slack; people known only by e-mail are looked up among Teams users.
    else if (person.surface !== 'slack' && person.email) keys.push(person.email.toLowerCase());
  }
  return [...new Set(keys)];
}

/** Escalation pings, manager posts, direct messages and scheduled summaries, said in Teams. */
export function createNoticePlanner(routing: RoutingConfig, clock: Clock): NoticePlanner {
  const anyTeams = routesToTeams(routing);
  return (notice) => {
    switch (notice.kind) {
      case 'thread':
        if (!anyTeams) return [];
        return [
          {
            kind: TEAMS_JOBS.threadPost,
            payload: {
              episodeId: notice.episodeId,
              text: escapeMarkdown(notice.text),
              mention: notice.mention,
            },
          },
        ];
      case 'managers': {
        const channel = routing.managers.teamsChannel;
        if (!channel && !hasTeamsManagers(routing)) return [];
        return [
          {
            kind: TEAMS_JOBS.message,
            // Without a managers' channel the managers still hear it, privately.
            payload: {
              to: channel ? { kind: 'channel', channel } : { kind: 'managers' },
              text: escapeMarkdown(notice.text),
              mention: notice.mention,
            },
          },
        ];
      }
      case 'dm': {
        if (notice.to === 'managers') {
          if (!hasTeamsManagers(routing)) return [];
          return [
            {
              kind: TEAMS_JOBS.message,
              payload: { to: { kind: 'managers' }, text: escapeMarkdown(notice.text) },
            },
          ];
        }
        const people = teamsRecipients(notice.to);
        if (people.length === 0) return [];
        return [
          {
            kind: TEAMS_JOBS.message,
            payload: { to: { kind: 'people', people }, text: escapeMarkdown(notice.text) },
          },
        ];
      }
      case 'summary': {
        if (notice.surface !== 'teams') return [];
        return [
          {
            kind: TEAMS_JOBS.message,
            payload: {
              to: { kind: 'channel', channel: notice.channel },
              text: escapeMarkdown(notice.title),
              card: summaryCard(notice.summary, {
                timezone: notice.timezone,
                title: notice.title,
                now: clock.now(),
              }),
            },
          },
        ];
      }
    }
  };
}
