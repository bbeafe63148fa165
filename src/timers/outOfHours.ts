/**
 * Out-of-hours calls on lines with `outOfHours: { mode: hold }`: a call missed while the line is closed
 * gets no card until the line opens. At the opening one job posts a digest of what came in while closed
 * (a 'summary' notice in each of the line's channels) and then releases the held cards (the `release_card`
 * command, whose `card_released` event posts them: src/app/reactions.ts).
 * Lines in `post` mode (the default) never hold anything; a `hold` line without business hours holds only on
 * its holidays.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { applyCommandIn, type CommandDeps } from '../app/commands.js';
import type { IntentTranslator } from '../app/intents.js';
import type { Notice, NoticeHub } from '../app/notices.js';
import { lineNamed, timezoneOf } from '../app/routing.js';
import { businessElapsed, lineCalendar } from '../app/sla.js';
import type { RoutingConfig } from '../config/routing.js';
import { summarize } from '../domain/summary.js';
import type { Episode } from '../domain/types.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import type { Repositories } from '../store/store.js';

export const HOLD_DIGEST_JOB = 'outOfHours.digest';
export const HOLD_RELEASE_JOB = 'outOfHours.release';

/** Stragglers (a call the digest missed) are released this long after the opening. */
const RELEASE_GRACE_MS = 60_000;
/** How far back a digest looks when the line has never been open before (a new schedule). */
const DIGEST_LOOKBACK_MS = 7 * 86_400_000;
const MAX_HELD = 10_000;
const DIGEST_MARK = 'ringback.hold-digest';
const RELEASE_MARK = 'ringback.hold-release';

/**
 * When the card of an episode opened at `openedAt` may be posted, or null to post it now: the next
 * opening of a `hold` line for a call missed while it was closed (and not yet open by `openedAt`).
 */
export function cardHeldUntil(routing: RoutingConfig, episode: Episode, openedAt: number): number | null {
  const line = lineNamed(routing, episode.line);
  if (line?.outOfHours?.mode !== 'hold') return null;
  const calendar = lineCalendar(routing, episode.line);
  if (calendar.alwaysOpen || calendar.isOpenAt(episode.missedAt)) return null;
  const opening = calendar.nextOpening(episode.missedAt);
  // A line that never opens again would hold forever: post at once instead.
  if (opening === null || opening <= openedAt) return null;
  return opening;
}

const digestPayload = z.object({ line: z.string().min(1), opening: z.number() });
const releasePayload = z.object({ episodeId: z.string().min(1), opening: z.number() });

export const holdDigestJob = defineJob(HOLD_DIGEST_JOB, digestPayload);
export const holdReleaseJob = defineJob(HOLD_RELEASE_JOB, releasePayload);

/** A held card: the line's digest at the opening, and a per-card safety release after it. */
export const outOfHoursTranslator: IntentTranslator = (intent, { episode }) => {
  if (intent.kind !== 'timer.holdUntilOpening') return [];
  const { opening } = intent;
  return [
    jobOf(
      holdDigestJob,
      { line: episode.line, opening },
      { runAt: opening, dedupeKey: `hold-digest:${episode.line}:${opening}` },
    ),
    jobOf(
      holdReleaseJob,
      { episodeId: episode.id, opening },
      { runAt: opening + RELEASE_GRACE_MS, dedupeKey: `hold-release:${episode.id}` },
    ),
  ];
};

export interface OutOfHoursDeps {
  routing: RoutingConfig;
  commands: CommandDeps;
  notices: NoticeHub;
  report?: (kind: 'digest' | 'release', result: string) => void;
}

/** Releases a held card, once: the digest and the safety release share one mark. True when it did. */
async function releaseCard(
  repos: Repositories,
  commands: CommandDeps,
  episode: Episode,
  now: number,
): Promise<boolean> {
  if (episode.state === 'resolved') return false;
  if (!(await repos.deliveries.recordOnce(RELEASE_MARK, episode.id, now))) return false;
  const result = await applyCommandIn(repos, commands, episode.id, { type: 'release_card', at: now });
  return result.status === 'accepted';
}

function digestTitle(lineName: string, count: number, since: number, zone: string): string {
  const from = DateTime.fromMillis(since, { zone }).toFormat('ccc HH:mm');
  return `${lineName}: ${count} missed call${count === 1 ? '' : 's'} while closed (since ${from})`;
}

/** At an opening: the digest of the calls held while closed, then their cards, in that order. */
export function holdDigestHandler(deps: OutOfHoursDeps): TypedJobHandler<typeof digestPayload> {
  const { routing, commands, notices } = deps;
  return async ({ line: lineName, opening }) => {
    const result = await commands.store.transaction(async (repos) => {
      const line = lineNamed(routing, lineName);
      if (!line) return 'unconfigured';
      const now = commands.clock.now();
      if (!(await repos.deliveries.recordOnce(DIGEST_MARK, `${lineName}:${opening}`, now)))
        return 'already_said';
      const calendar = lineCalendar(routing, lineName);
      const since = calendar.previousClosing(opening) ?? opening - DIGEST_LOOKBACK_MS;
      const listed = await repos.episodes.list({ line: lineName, since, until: opening, limit: MAX_HELD });
      const held = listed
        .filter((episode) => cardHeldUntil(routing, episode, episode.missedAt) === opening)
        .sort((a, b) => a.missedAt - b.missedAt || a.id.localeCompare(b.id));
      if (held.length === 0) return 'nothing_held';
      const timezone = timezoneOf(routing, lineName);
      const summary = summarize({
        episodes: held,
        openNow: held,
        window: { start: since, end: opening, label: 'while closed' },
        now,
        slaFor: () => line.sla,
        businessElapsed: businessElapsed(routing),
      });
      const title = digestTitle(lineName, summary.totals.missedCalls, since, timezone);
      const digests: Notice[] = [];
      if (line.slack)
        digests.push({
          kind: 'summary',
          surface: 'slack',
          channel: line.slack.channel,
          summary,
          timezone,
          title,
        });
      if (line.teams)
        digests.push({
          kind: 'summary',
          surface: 'teams',
          channel: line.teams.channel,
          summary,
          timezone,
          title,
        });
      // Queued before the cards so the digest leads them in the channel.
      await repos.enqueue(
        digests.flatMap((notice) => notices.plan(notice)),
        now,
      );
      for (const episode of held) await releaseCard(repos, commands, episode, now);
      return 'posted';
    });
    deps.report?.('digest', result);
  };
}

/** A minute after the opening: posts a held card the digest did not (a call that arrived late). */
export function holdReleaseHandler(deps: OutOfHoursDeps): TypedJobHandler<typeof releasePayload> {
  const { commands } = deps;
  return async ({ episodeId }) => {
    const result = await commands.store.transaction(async (repos) => {
      const episode = await repos.episodes.get(episodeId);
      if (!episode) return 'gone';
      const released = await releaseCard(repos, commands, episode, commands.clock.now());
      return released ? 'released' : 'nothing_to_do';
    });
    deps.report?.('release', result);
  };
}
