/**
 * `/ringback summary [period] [line] [public]`, `/ringback open [line]`, `/ringback mine`, `/ringback help`.
 * Parsing is pure; answering reads the store and returns a message (the caller sends it).
 */

import { formatMoment } from '../../app/act.js';
import {
  checkCommandAllowed,
  parseRingbackCommand as parseSharedCommand,
  type RingbackCommand,
} from '../../app/commandText.js';
import type { AgentDirectory } from '../../app/directory.js';
import { buildSummary } from '../../app/summary.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { DoctorHandle } from '../../doctor/readyz.js';
import { answerDoctorCommand, type DoctorCommand, parseDoctorCommand } from '../../doctor/slackCommand.js';
import { displayNumber } from '../../domain/cardModel.js';
import type { Clock } from '../../domain/clock.js';
import { sameActor } from '../../domain/episode.js';
import { stateWords } from '../../domain/timeline.js';
import type { Actor, Episode } from '../../domain/types.js';
import type { Post } from '../../store/posts.js';
import type { Store } from '../../store/store.js';
import type { SlackMessage } from './blocks.js';
import { escapeMrkdwn, link, truncate } from './mrkdwn.js';
import { summaryMessage } from './summaryBlocks.js';

// Re-exported for the Slack listeners and tests that read it from here.
export type { RingbackCommand };
export type SlackCommand = RingbackCommand | DoctorCommand;

/** The shared grammar, plus `doctor` (Slack only). */
export function parseRingbackCommand(text: string): SlackCommand {
  return parseDoctorCommand(text) ?? parseSharedCommand(text);
}

export const HELP_TEXT = [
  '*Ringback* turns missed calls into cards: *Claim* one, *Call back*, then pick the outcome to resolve it.',
  '`/ringback open [line]`: calls still waiting for a callback',
  '`/ringback mine`: the calls you have claimed',
  '`/ringback doctor`: checks every integration (Slack, Teams, Zendesk, Aircall) and says what to fix (managers only)',
  '`/ringback summary [today|yesterday|week|month|YYYY-MM-DD[..YYYY-MM-DD]] [line] [public]`: missed vs returned calls, times to claim and call back, SLA breaches, per line and per agent (managers only; add `public` to post it in the channel)',
].join('\n');

export interface CommandDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  directory: AgentDirectory;
  /** Backs `/ringback doctor`. */
  doctor?: DoctorHandle;
}

export interface CommandAnswer {
  message: SlackMessage;
  /** Posted in the channel for everyone instead of privately. */
  public: boolean;
}

function privately(text: string): CommandAnswer {
  return { message: { text: truncate(text, 3000), blocks: [] }, public: false };
}

/** A link to a message in Slack, from the workspace's domain. */
export function messageLink(teamDomain: string | null, post: Post): string | null {
  if (!teamDomain || !/^[a-z0-9-]+$/i.test(teamDomain)) return null;
  return `https://${teamDomain}.slack.com/archives/${post.channel}/p${post.ref.replace('.', '')}`;
}

async function listCalls(
  deps: CommandDeps,
  episodes: Episode[],
  teamDomain: string | null,
  heading: string,
): Promise<CommandAnswer> {
  if (episodes.length === 0) return privately(`${heading}: none.`);
  const now = deps.clock.now();
  const shown = [...episodes].sort((a, b) => a.missedAt - b.missedAt).slice(0, 25);
  const posts = await deps.store.posts.listForEpisodes(shown.map((e) => e.id));
  const rows = shown.map((episode) => {
    const line = deps.routing.lines.find((l) => l.name === episode.line);
    const zone = line?.timezone ?? deps.routing.timezone;
    const who =
      episode.caller.name ?? displayNumber(episode.caller.number, line?.country) ?? 'withheld number';
    const post = posts.find((p) => p.episodeId === episode.id && p.surface === 'slack');
    const url = post ? messageLink(teamDomain, post) : null;
    const card = url ? ` · ${link(url, 'card')}` : '';
    return `• ${formatMoment(episode.missedAt, now, zone)} · ${escapeMrkdwn(who)} · ${escapeMrkdwn(episode.line)} · ${escapeMrkdwn(stateWords(episode))}${card}`;
  });
  const more = episodes.length > shown.length ? `\n…and ${episodes.length - shown.length} more` : '';
  return privately(`*${heading}: ${episodes.length}*\n${rows.join('\n')}${more}`);
}

export async function answerCommand(
  deps: CommandDeps,
  command: SlackCommand,
  actor: Actor,
  teamDomain: string | null,
): Promise<CommandAnswer> {
  if (command.kind === 'doctor') return privately(await answerDoctorCommand(deps, actor));
  const allowed = await checkCommandAllowed(deps.directory, command, actor);
  if (!allowed.ok) return privately(escapeMrkdwn(allowed.message));
  switch (command.kind) {
    case 'help':
      return privately(HELP_TEXT);
    case 'unknown':
      return privately(`I don't know "${escapeMrkdwn(command.text)}".\n${HELP_TEXT}`);
    case 'open': {
      const lineName = command.line
        ? deps.routing.lines.find((l) => l.name.toLowerCase() === command.line?.toLowerCase())?.name
        : undefined;
      if (command.line && !lineName)
        return privately(`There is no line named "${escapeMrkdwn(command.line)}".`);
      const open = await deps.store.episodes.list({
        states: ['open', 'claimed', 'calling'],
        ...(lineName ? { line: lineName } : {}),
        limit: 500,
      });
      return listCalls(deps, open, teamDomain, lineName ? `Open calls on ${lineName}` : 'Open calls');
    }
    case 'mine': {
      const claimed = await deps.store.episodes.list({ states: ['claimed', 'calling'], limit: 2000 });
      const mine = claimed.filter((e) => e.claimedBy && sameActor(e.claimedBy, actor));
      return listCalls(deps, mine, teamDomain, 'Your claimed calls');
    }
    case 'summary': {
      if (!(await deps.directory.isManager(actor))) {
        return privately(
          'Summaries are for managers: ask an admin to add your Slack id to `managers.slack` in the routing file.',
        );
      }
      const answer = await buildSummary(deps, {
        period: command.period,
        ...(command.line ? { line: command.line } : {}),
      });
      if (!answer.ok) return privately(`Cannot make that summary: ${escapeMrkdwn(answer.error)}`);
      const line = command.line
        ? deps.routing.lines.find((l) => l.name.toLowerCase() === command.line?.toLowerCase())
        : undefined;
      const title = `Missed calls, ${answer.summary.window.label}${line ? ` · ${line.name}` : ''}`;
      const message = summaryMessage(answer.summary, {
        timezone: answer.timezone,
        title,
        now: deps.clock.now(),
        ...(line?.country ? { lineCountry: line.country } : {}),
      });
      return { message, public: command.public };
    }
  }
}
