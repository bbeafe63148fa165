/**
 * `@Ringback summary [period] [line]`, `open [line]`, `mine`, `channels`, `help`, in a channel or a personal
 * chat. Same grammar, figures and permissions as Slack's `/ringback` (the parser is shared); the answers are
 * Teams markdown or an Adaptive Card. Answering reads the store; the caller sends the answer.
 */

import { formatMoment, zoneOf } from '../../app/act.js';
import { parseRingbackCommand, type RingbackCommand } from '../../app/commandText.js';
import type { AgentDirectory } from '../../app/directory.js';
import { buildSummary } from '../../app/summary.js';
import type { RoutingConfig } from '../../config/routing.js';
import { displayNumber } from '../../domain/cardModel.js';
import type { Clock } from '../../domain/clock.js';
import { sameActor } from '../../domain/episode.js';
import { stateWords } from '../../domain/timeline.js';
import type { Actor, Episode } from '../../domain/types.js';
import type { Store } from '../../store/store.js';
import type { TeamsChannel } from '../../store/teams.js';
import { type AdaptiveCardJson, escapeMarkdown } from './card.js';
import { summaryCard } from './summaryCard.js';

export type TeamsCommand = RingbackCommand | { kind: 'channels' };

export function parseTeamsCommand(text: string): TeamsCommand {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase();
  if (first === 'channels') return { kind: 'channels' };
  return parseRingbackCommand(text);
}

export const HELP_TEXT = [
  '**Ringback** turns missed calls into cards: **Claim** one, **Call back**, then choose the outcome and **Resolve** it.',
  '',
  '- `@Ringback open [line]`: calls still waiting for a callback',
  '- `@Ringback mine`: the calls you have claimed',
  '- `@Ringback summary [today|yesterday|week|month|YYYY-MM-DD[..YYYY-MM-DD]] [line]`: missed vs returned calls, times to claim and call back, SLA breaches, per line and per agent (managers only)',
  '- `@Ringback channels`: the channel ids to put under `teams: { channel: … }` in the routing file',
].join('\n');

export interface TeamsCommandDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  directory: AgentDirectory;
  listChannels: () => Promise<TeamsChannel[]>;
}

export type TeamsAnswer = { text: string; card?: AdaptiveCardJson };

/** The polite no to `open` and `mine` for someone the agent check refuses: no caller in it. */
export const CALLS_ARE_FOR_AGENTS =
  'Lists of calls show callers’ numbers and names, so they are for agents only: ask an admin to add your e-mail to the connected help desk or phone system. (If you are an agent, Ringback may not have been able to check just now: try again in a minute.)';

/** A Teams id inside an inline code span: a backtick in it would end the span. */
function codeSpan(id: string): string {
  return `\`${id.replace(/[`\r\n]/g, '')}\``;
}

const MAX_ROWS = 25;

function listCalls(deps: TeamsCommandDeps, episodes: Episode[], heading: string): TeamsAnswer {
  if (episodes.length === 0) return { text: `${escapeMarkdown(heading)}: none.` };
  const now = deps.clock.now();
  const shown = [...episodes].sort((a, b) => a.missedAt - b.missedAt).slice(0, MAX_ROWS);
  const rows = shown.map((episode) => {
    const line = deps.routing.lines.find((l) => l.name === episode.line);
    const who =
      episode.caller.name ?? displayNumber(episode.caller.number, line?.country) ?? 'withheld number';
    return `- ${formatMoment(episode.missedAt, now, zoneOf(deps.routing, episode.line))} · ${escapeMarkdown(who)} · ${escapeMarkdown(episode.line)} · ${escapeMarkdown(stateWords(episode))}`;
  });
  const more = episodes.length > shown.length ? `\n- …and ${episodes.length - shown.length} more` : '';
  return { text: `**${escapeMarkdown(heading)}: ${episodes.length}**\n\n${rows.join('\n')}${more}` };
}

function hasManagers(routing: RoutingConfig): boolean {
  const m = routing.managers;
  return m.slack.length + m.teams.length + m.emails.length + m.zendeskRoles.length > 0;
}

async function channelsAnswer(
  deps: TeamsCommandDeps,
  actor: Actor,
  here: string | null,
): Promise<TeamsAnswer> {
  const lines: string[] = [];
  if (here) lines.push(`This channel: ${codeSpan(here)}`);
  // Before any manager is configured the admin setting Ringback up must see them all.
  if (hasManagers(deps.routing) && !(await deps.directory.isManager(actor))) {
    lines.push('', 'The full list is for managers (routing file `managers.teams` or `managers.emails`).');
    return { text: lines.join('\n') };
  }
  const channels = await deps.listChannels();
  if (channels.length === 0) {
    lines.push('', 'Ringback does not know any team yet: add the app to a team, then ask again.');
    return { text: lines.join('\n') };
  }
  const routed = new Map(
    deps.routing.lines.filter((l) => l.teams).map((l) => [l.teams?.channel as string, l.name] as const),
  );
  lines.push(
    '',
    '**Channels Ringback can post to** (put the id under `teams: { channel: … }` of a line):',
    '',
  );
  for (const c of channels) {
    const line = routed.get(c.channelId);
    lines.push(
      `- ${escapeMarkdown(c.teamName ?? 'Team')} › ${escapeMarkdown(c.channelName ?? 'General')}: ${codeSpan(c.channelId)}${line ? ` (line ${escapeMarkdown(line)})` : ''}`,
    );
  }
  return { text: lines.join('\n') };
}

export async function answerTeamsCommand(
  deps: TeamsCommandDeps,
  command: TeamsCommand,
  actor: Actor,
  context: { channelId: string | null },
): Promise<TeamsAnswer> {
  switch (command.kind) {
    case 'help':
      return { text: HELP_TEXT };
    case 'unknown':
      return { text: `I don't know "${escapeMarkdown(command.text)}".\n\n${HELP_TEXT}` };
    case 'channels':
      return channelsAnswer(deps, actor, context.channelId);
    case 'open': {
      if (!(await deps.directory.mayAct(actor))) return { text: CALLS_ARE_FOR_AGENTS };
      const lineName = command.line
        ? deps.routing.lines.find((l) => l.name.toLowerCase() === command.line?.toLowerCase())?.name
        : undefined;
      if (command.line && !lineName)
        return { text: `There is no line named "${escapeMarkdown(command.line)}".` };
      const open = await deps.store.episodes.list({
        states: ['open', 'claimed', 'calling'],
        ...(lineName ? { line: lineName } : {}),
        limit: 500,
      });
      return listCalls(deps, open, lineName ? `Open calls on ${lineName}` : 'Open calls');
    }
    case 'mine': {
      if (!(await deps.directory.mayAct(actor))) return { text: CALLS_ARE_FOR_AGENTS };
      const claimed = await deps.store.episodes.list({ states: ['claimed', 'calling'], limit: 2000 });
      const mine = claimed.filter((e) => e.claimedBy && sameActor(e.claimedBy, actor));
      return listCalls(deps, mine, 'Your claimed calls');
    }
    case 'summary': {
      if (!(await deps.directory.isManager(actor))) {
        return {
          text: 'Summaries are for managers: ask an admin to add your e-mail to `managers.emails` (or your Entra object id to `managers.teams`) in the routing file.',
        };
      }
      const answer = await buildSummary(deps, {
        period: command.period,
        ...(command.line ? { line: command.line } : {}),
      });
      if (!answer.ok) return { text: `Cannot make that summary: ${escapeMarkdown(answer.error)}` };
      const line = command.line
        ? deps.routing.lines.find((l) => l.name.toLowerCase() === command.line?.toLowerCase())
        : undefined;
      const title = `Missed calls, ${answer.summary.window.label}${line ? ` · ${line.name}` : ''}`;
      const card = summaryCard(answer.summary, {
        timezone: answer.timezone,
        title,
        now: deps.clock.now(),
        ...(line?.country ? { lineCountry: line.country } : {}),
      });
      return { text: escapeMarkdown(title), card };
    }
  }
}
