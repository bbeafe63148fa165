/**
 * The answer to `/ringback …` (Slack) and `@Ringback …` (Teams), once for every surface: who may ask, what
 * the store says, as a neutral result. Each surface renders the result in its own words and markup
 * (ChatSurface.renderAnswer) and sends it its own way (Slack's response_url, Teams' turn reply).
 */
import { checkCommandAllowed, type RingbackCommand } from '../app/commandText.js';
import type { AgentDirectory } from '../app/directory.js';
import { lineNamed, lineTyped, timezoneOf, zoneNoteOf } from '../app/routing.js';
import { buildSummary } from '../app/summary.js';
import type { RoutingConfig } from '../config/routing.js';
import { clockOrDay, displayNumber } from '../domain/cardModel.js';
import type { Clock } from '../domain/clock.js';
import { sameActor } from '../domain/episode.js';
import type { LegTotals } from '../domain/legReport.js';
import { workListOrder } from '../domain/listOrder.js';
import type { AgentFigures, Summary } from '../domain/summary.js';
import { stateWords } from '../domain/timeline.js';
import type { Actor, Episode } from '../domain/types.js';
import { exportScope } from '../reports/exportCalls.js';
import type { Post } from '../store/posts.js';
import type { Store } from '../store/store.js';
import { wantsCharts } from './reportJobs.js';

/** At most this many calls in one list: a chat message is not a report (the read API is). */
export const MAX_LISTED_CALLS = 25;

export interface AnswerDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  directory: Pick<AgentDirectory, 'checkAgent' | 'isManager'>;
}

/** One call of a list, in plain words (each surface escapes them). */
export interface ListedCall {
  episodeId: string;
  /** "09:40" today, "Mon 16 Nov 09:40" another day, in the line's zone. */
  when: string;
  /** The caller's name, number, or "withheld number". */
  who: string;
  line: string;
  state: string;
  /** Where the call's card is, on every surface. */
  posts: Post[];
  /** What the asker can do with it from a list: claim an open call, or work one they hold. */
  action?: 'claim' | 'work' | null;
  /** There is a number to call back (the caller's, or one they left): else no Call back, fewer outcomes. */
  callable?: boolean;
  /** "call back by 14:00" when the call is snoozed or scheduled; null otherwise. */
  due?: string | null;
}

/** A period whose summary comes with charts (sent after the answer: drawing and uploading take seconds). */
export interface ChartRequest {
  period: string;
  line: string | null;
  timezone: string;
  /** When it was asked: the job that draws the charts reads the period as of then. */
  asOf: number;
}

export type CommandResult =
  | { kind: 'help' }
  | { kind: 'unknown'; text: string }
  /** The asker failed the agent check (a command that shows callers); `message` says why in plain words. */
  | { kind: 'not_agent'; command: RingbackCommand['kind']; message: string }
  | { kind: 'no_such_line'; line: string }
  | { kind: 'calls'; heading: string; total: number; calls: ListedCall[] }
  | { kind: 'managers_only' }
  | { kind: 'summary_error'; error: string }
  | { kind: 'export_error'; error: string }
  | {
      kind: 'summary';
      summary: Summary;
      timezone: string;
      title: string;
      lineCountry?: string;
      /** When the summary was made (its "as of"). */
      now: number;
      public: boolean;
      /** Set for a week or longer: each surface sends the period's charts after the answer. */
      charts?: ChartRequest;
    }
  /**
   * `summary <period> agents`: per agent, the legs they were offered (a *missed leg* is one agent not
   * taking a call that rang them) apart from the calls (a *missed call* is a call nobody answered).
   */
  | {
      kind: 'agent_report';
      title: string;
      timezone: string;
      periodLabel: string;
      agents: AgentFigures[];
      legs: LegTotals | null;
      missedCalls: number;
      public: boolean;
    }
  /** `export <period> [line]`: the CSV is on its way to the manager, privately; each surface sends it. */
  | {
      kind: 'export';
      period: string;
      line: string | null;
      filename: string;
      periodLabel: string;
      /** The period as dates, for a link that gives this very file whenever it is followed. */
      dates: string;
      /** When it was asked: the job that builds the file reads the period as of then. */
      asOf: number;
    };

function listAction(episode: Episode, asker: Actor | null): ListedCall['action'] {
  if (episode.state === 'open') return 'claim';
  if (asker && episode.claimedBy && sameActor(episode.claimedBy, asker) && episode.state !== 'resolved')
    return 'work';
  return null;
}

/** The calls claimed by `actor`, for `mine` and the Slack App Home. */
export async function claimedBy(store: Store, actor: Actor): Promise<Episode[]> {
  const held = await store.episodes.heldBy(actor);
  return held.filter((e) => e.claimedBy && sameActor(e.claimedBy, actor));
}

export async function listCalls(
  deps: Pick<AnswerDeps, 'store' | 'clock' | 'routing'>,
  episodes: Episode[],
  heading: string,
  asker: Actor | null = null,
  /** How many there are when `episodes` is only the first of them. */
  total = episodes.length,
): Promise<Extract<CommandResult, { kind: 'calls' }>> {
  const now = deps.clock.now();
  const shown = [...episodes].sort(workListOrder).slice(0, MAX_LISTED_CALLS);
  const posts = await deps.store.posts.listForEpisodes(shown.map((e) => e.id));
  const calls = shown.map((episode) => {
    const line = lineNamed(deps.routing, episode.line);
    return {
      episodeId: episode.id,
      when: `${clockOrDay(episode.missedAt, now, timezoneOf(deps.routing, episode.line))}${zoneNoteOf(deps.routing, episode.line)}`,
      who: episode.caller.name ?? displayNumber(episode.caller.number, line?.country) ?? 'withheld number',
      line: episode.line,
      state: stateWords(episode),
      posts: posts.filter((p) => p.episodeId === episode.id),
      action: listAction(episode, asker),
      callable: (episode.callbackNumber ?? episode.caller.number) !== null,
      due:
        episode.dueAt !== null && episode.state !== 'resolved'
          ? `call back by ${clockOrDay(episode.dueAt, now, timezoneOf(deps.routing, episode.line))}${zoneNoteOf(deps.routing, episode.line)}`
          : null,
    };
  });
  return { kind: 'calls', heading, total, calls };
}

export async function answerRingbackCommand(
  deps: AnswerDeps,
  command: RingbackCommand,
  actor: Actor,
): Promise<CommandResult> {
  const allowed = await checkCommandAllowed(deps.directory, command, actor);
  if (!allowed.ok) return { kind: 'not_agent', command: command.kind, message: allowed.message };
  switch (command.kind) {
    case 'help':
      return { kind: 'help' };
    case 'unknown':
      return { kind: 'unknown', text: command.text };
    case 'open': {
      const line = command.line ? lineTyped(deps.routing, command.line) : null;
      if (command.line && !line) return { kind: 'no_such_line', line: command.line };
      const open = await deps.store.episodes.workList(
        { states: ['open', 'claimed', 'calling'], ...(line ? { lines: [line.name] } : {}) },
        MAX_LISTED_CALLS,
      );
      return listCalls(
        deps,
        open.episodes,
        line ? `Open calls on ${line.name}` : 'Open calls',
        actor,
        open.total,
      );
    }
    case 'mine':
      return listCalls(deps, await claimedBy(deps.store, actor), 'Your claimed calls', actor);
    case 'export': {
      if (!(await deps.directory.isManager(actor))) return { kind: 'managers_only' };
      const asOf = deps.clock.now();
      const scope = exportScope(deps, {
        period: command.period,
        ...(command.line ? { line: command.line } : {}),
        asOf,
      });
      if ('error' in scope) return { kind: 'export_error', error: scope.error };
      return {
        kind: 'export',
        period: command.period,
        line: scope.line ?? null,
        filename: scope.filename,
        periodLabel: scope.window.label,
        dates: scope.dates,
        asOf,
      };
    }
    case 'summary': {
      if (!(await deps.directory.isManager(actor))) return { kind: 'managers_only' };
      const asOf = deps.clock.now();
      const answer = await buildSummary(deps, {
        period: command.period,
        ...(command.line ? { line: command.line } : {}),
        asOf,
      });
      if (!answer.ok) return { kind: 'summary_error', error: answer.error };
      const line = command.line ? lineTyped(deps.routing, command.line) : null;
      const scope = line ? ` · ${line.name}` : '';
      if (command.agents) {
        return {
          kind: 'agent_report',
          title: `Agents, ${answer.summary.window.label}${scope}`,
          timezone: answer.timezone,
          periodLabel: answer.summary.window.label,
          agents: answer.summary.agents,
          legs: answer.summary.legs ?? null,
          missedCalls: answer.summary.totals.missedCalls,
          public: command.public,
        };
      }
      return {
        kind: 'summary',
        summary: answer.summary,
        timezone: answer.timezone,
        title: `Missed calls, ${answer.summary.window.label}${line ? ` · ${line.name}` : ''}`,
        ...(line?.country ? { lineCountry: line.country } : {}),
        now: deps.clock.now(),
        public: command.public,
        ...(wantsCharts(command.period)
          ? {
              charts: {
                period: command.period,
                line: line?.name ?? null,
                timezone: answer.timezone,
                asOf,
              },
            }
          : {}),
      };
    }
  }
}
