/**
 * `@Ringback summary [period] [line]`, `open [line]`, `mine`, `channels`, `help`, in a channel or a personal
 * chat. Same grammar, figures and permissions as Slack's `/ringback`: the parser and the answerer are shared
 * (src/app/commandText.ts, src/chat/commands.ts); this file words the answer in Teams markdown or an
 * Adaptive Card, and answers `channels` (Teams only). The caller sends the answer.
 */

import { parseRingbackCommand, type RingbackCommand } from '../../app/commandText.js';
import type { AgentDirectory } from '../../app/directory.js';
import { LEGS_EXPLAINED } from '../../chat/agentReport.js';
import { answerRingbackCommand, type CommandResult } from '../../chat/commands.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import { exportApiPath } from '../../reports/exportCalls.js';
import { chartsForPeriod } from '../../reports/periodCharts.js';
import type { Store } from '../../store/store.js';
import type { TeamsChannel } from '../../store/teams.js';
import { agentsCard } from './agentsCard.js';
import { type AdaptiveCardJson, escapeMarkdown } from './card.js';
import { chartElements } from './chartsCard.js';
import { callsCard } from './listCards.js';
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
  '- `@Ringback summary [today|yesterday|week|month|YYYY-MM-DD[..YYYY-MM-DD]] [line]`: missed vs returned calls, times to claim and call back, SLA breaches, per line and per agent (managers only; a week or a month comes with charts)',
  '- `@Ringback summary <period> agents [line]`: per agent, legs offered, answered, rang out and declined, apart from the missed calls they claimed, called back and reached (managers only)',
  '- `@Ringback export <period> [line]`: how to get every call of the period as a CSV file (managers only)',
  '- `@Ringback channels`: the channel ids to put under `teams: { channel: … }` in the routing file',
  '',
  `_Missed leg or missed call?_ ${LEGS_EXPLAINED}`,
  '',
  'In a personal chat with Ringback, `mine` and `open` list the calls with buttons to claim, call back and resolve. In a channel or a group chat, where everyone reads the answer, they only say how many, and a summary names no caller.',
].join('\n');

/**
 * Why Teams gets no file: a bot can send a file only through the file-consent flow (OneDrive, `supportsFiles`),
 * and a card cannot carry a `data:` download. The CSV comes from the read API with its token instead.
 */
export function exportInTeams(result: Extract<CommandResult, { kind: 'export' }>): string {
  return [
    `**Export of ${escapeMarkdown(result.periodLabel)}${result.line ? ` · ${escapeMarkdown(result.line)}` : ''}**`,
    '',
    'Teams does not let Ringback send you the file. Download it from the read API with the API token (`RINGBACK_API_TOKEN`):',
    '',
    `\`GET ${exportApiPath(result).replace(/`/g, '')}\` with the header \`Authorization: Bearer <token>\` (file \`${result.filename.replace(/`/g, '')}\`)`,
    '',
    'In Slack, `/ringback export` sends the file to you in a direct message.',
  ].join('\n');
}

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

function callsText(result: Extract<CommandResult, { kind: 'calls' }>): string {
  const heading = escapeMarkdown(result.heading);
  if (result.total === 0) return `${heading}: none.`;
  const rows = result.calls.map(
    (call) =>
      `- ${call.when} · ${escapeMarkdown(call.who)} · ${escapeMarkdown(call.line)} · ${escapeMarkdown(call.state)}`,
  );
  const more =
    result.total > result.calls.length ? `\n- …and ${result.total - result.calls.length} more` : '';
  return `**${heading}: ${result.total}**\n\n${rows.join('\n')}${more}`;
}

/** A command's answer in Teams' words: markdown, and an Adaptive Card for a summary. */
export function teamsAnswer(result: CommandResult): TeamsAnswer {
  switch (result.kind) {
    case 'help':
      return { text: HELP_TEXT };
    case 'unknown':
      return { text: `I don't know "${escapeMarkdown(result.text)}".\n\n${HELP_TEXT}` };
    case 'not_agent':
      return { text: result.command === 'summary' ? escapeMarkdown(result.message) : CALLS_ARE_FOR_AGENTS };
    case 'no_such_line':
      return { text: `There is no line named "${escapeMarkdown(result.line)}".` };
    case 'calls':
      return { text: callsText(result) };
    case 'managers_only':
      return {
        text: 'Summaries are for managers (exports too): ask an admin to add your e-mail to `managers.emails` (or your Entra object id to `managers.teams`) in the routing file.',
      };
    case 'summary_error':
      return { text: `Cannot make that summary: ${escapeMarkdown(result.error)}` };
    case 'export_error':
      return { text: `Cannot make that export: ${escapeMarkdown(result.error)}` };
    case 'agent_report':
      return { text: escapeMarkdown(result.title), card: agentsCard(result) };
    case 'export':
      return { text: exportInTeams(result) };
    case 'summary':
      return {
        text: escapeMarkdown(result.title),
        card: summaryCard(result.summary, {
          timezone: result.timezone,
          title: result.title,
          now: result.now,
          ...(result.lineCountry ? { lineCountry: result.lineCountry } : {}),
          withoutCallers: result.public,
        }),
      };
  }
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

/** A summary of a week or more shows its charts under the figures (drawn now: Teams waits for the reply). */
async function withCharts(
  deps: TeamsCommandDeps,
  result: Extract<CommandResult, { kind: 'summary' }>,
  answer: TeamsAnswer,
): Promise<TeamsAnswer> {
  if (!result.charts || !answer.card) return answer;
  const drawn = await chartsForPeriod(deps, {
    period: result.charts.period,
    timezone: result.charts.timezone,
    asOf: result.charts.asOf,
    ...(result.charts.line ? { line: result.charts.line } : {}),
  });
  if (!drawn.ok) return answer;
  const body = (answer.card.body as Record<string, unknown>[] | undefined) ?? [];
  return { ...answer, card: { ...answer.card, body: [...body, ...chartElements(drawn.charts)] } };
}

/**
 * `open` or `mine` asked where others read the answer: Teams has no message only the asker sees (Slack's
 * ephemeral), so the list, with callers' names and numbers, stays in the personal chat and this says how many.
 */
export function callsCountOnly(result: Extract<CommandResult, { kind: 'calls' }>): string {
  const heading = escapeMarkdown(result.heading);
  const count = result.total === 0 ? `${heading}: none.` : `**${heading}: ${result.total}**`;
  return `${count}\n\nThe list names callers and their numbers, so it is not shown here: ask me in a personal chat with Ringback (\`mine\` or \`open\`) for it.`;
}

export async function answerTeamsCommand(
  deps: TeamsCommandDeps,
  command: TeamsCommand,
  actor: Actor,
  context: { channelId: string | null; conversationType?: string },
): Promise<TeamsAnswer> {
  if (command.kind === 'channels') return channelsAnswer(deps, actor, context.channelId);
  const personal = (context.conversationType ?? (context.channelId ? 'channel' : 'personal')) === 'personal';
  const asked = await answerRingbackCommand(deps, command, actor);
  // Everyone in a channel or group chat reads the answer: a summary there is the `public` one (no numbers).
  const result = asked.kind === 'summary' && !personal ? { ...asked, public: true } : asked;
  const answer = teamsAnswer(result);
  if (result.kind === 'summary') return withCharts(deps, result, answer);
  if (result.kind === 'calls')
    return personal ? { ...answer, card: callsCard(result) } : { text: callsCountOnly(result) };
  return answer;
}
