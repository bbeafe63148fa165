/**
 * The order of every work list (`open`, `mine`, the App Home, the storm queue message): the calls that most
 * need a person first. High priority before normal, then callers who asked to be called back (they were
 * promised a call), then the oldest: within a rank, whoever has waited longest goes first.
 */
import type { Episode } from './types.js';

type Ranked = Pick<Episode, 'id' | 'priority' | 'callbackRequested' | 'missedAt' | 'state'>;

function rank(episode: Ranked): number {
  if (episode.state === 'resolved') return 3;
  if (episode.priority === 'high') return 0;
  return episode.callbackRequested ? 1 : 2;
}

export function workListOrder(a: Ranked, b: Ranked): number {
  return rank(a) - rank(b) || a.missedAt - b.missedAt || a.id.localeCompare(b.id);
}
