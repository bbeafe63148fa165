/**
 * Notices are messages that are not a card: escalation pings in a card's thread, posts to the managers'
 * channel, direct messages to managers or a claimer, and scheduled summaries. The ladder and schedules
 * decide what to say; each surface plans the jobs that say it. Planners only return jobs (outbox).
 */
import type { Summary } from '../domain/summary.js';
import type { Actor } from '../domain/types.js';
import type { NewJob } from '../store/jobs.js';

export type Notice =
  /** A line in the card's thread on every surface the card is on; `mention` is the routing file's `notify`. */
  | { kind: 'thread'; episodeId: string; text: string; mention: string | null }
  /** A post in the managers' channel (routing `managers.slackChannel`, Teams equivalent when set). */
  | { kind: 'managers'; text: string; mention: string | null; episodeId: string | null }
  /** A private message to people: the managers of the routing file, or given actors (e.g. the claimer). */
  | { kind: 'dm'; to: 'managers' | Actor[]; text: string; episodeId: string | null }
  /** A scheduled summary for a channel of one surface. */
  | {
      kind: 'summary';
      surface: 'slack' | 'teams';
      channel: string;
      summary: Summary;
      timezone: string;
      title: string;
    };

export type NoticePlanner = (notice: Notice) => NewJob[];

export class NoticeHub {
  private readonly planners: NoticePlanner[] = [];

  addSurface(planner: NoticePlanner): void {
    this.planners.push(planner);
  }

  plan(notice: Notice): NewJob[] {
    return this.planners.flatMap((planner) => planner(notice));
  }
}
