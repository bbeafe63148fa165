/** The card's thread timeline in Slack mrkdwn (the words live in src/domain/timeline.ts). */
import type { DomainEvent } from '../../domain/episode.js';
import { timelineLine as lineWords, timelineText as timelineWords } from '../../domain/timeline.js';
import type { Episode } from '../../domain/types.js';
import { escapeMrkdwn } from './mrkdwn.js';

const SLACK_STYLE = { who: (name: string) => `*${escapeMrkdwn(name)}*`, separator: '\n' };

export function timelineText(events: DomainEvent[], episode: Episode, timezone: string): string | null {
  return timelineWords(events, episode, timezone, SLACK_STYLE);
}

export function timelineLine(event: DomainEvent, episode: Episode, timezone: string): string | null {
  return lineWords(event, episode, timezone, SLACK_STYLE.who);
}
