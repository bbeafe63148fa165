/** The card's reply-chain timeline in Teams markdown (the words live in src/domain/timeline.ts). */
import type { DomainEvent } from '../../domain/episode.js';
import { timelineText as timelineWords } from '../../domain/timeline.js';
import type { Episode } from '../../domain/types.js';
import { escapeMarkdown } from './card.js';

// Teams shows a line break only between paragraphs.
const TEAMS_STYLE = { who: (name: string) => `**${escapeMarkdown(name)}**`, separator: '\n\n' };

export function timelineText(events: DomainEvent[], episode: Episode, timezone: string): string | null {
  return timelineWords(events, episode, timezone, TEAMS_STYLE);
}
