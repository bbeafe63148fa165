/**
 * `/ringback summary [period] [line] [public]`, `/ringback open [line]`, `/ringback mine`, `/ringback help`
 * and `/ringback doctor` (Slack only). The answer comes from the shared answerer (src/chat/commands.ts);
 * this file words it in Slack mrkdwn and Block Kit. The caller sends it (through the response_url).
 */

import { parseRingbackCommand as parseSharedCommand, type RingbackCommand } from '../../app/commandText.js';
import type { AgentDirectory } from '../../app/directory.js';
import { LEGS_EXPLAINED } from '../../chat/agentReport.js';
import { answerRingbackCommand, type CommandResult } from '../../chat/commands.js';
import type { RenderedMessage } from '../../chat/surface.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { DoctorHandle } from '../../doctor/readyz.js';
import { answerDoctorCommand, type DoctorCommand, parseDoctorCommand } from '../../doctor/slackCommand.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import { jobOf } from '../../jobs/registry.js';
import type { NewJob } from '../../store/jobs.js';
import type { Post } from '../../store/posts.js';
import type { Store } from '../../store/store.js';
import { agentsMessage } from './agentsBlocks.js';
import { type Block, LIMITS, type SlackMessage } from './blocks.js';
import { slackUserIdOf } from './identity.js';
import { escapeMrkdwn, link, truncate } from './mrkdwn.js';
import { slackReportKinds } from './reports.js';
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
  '`/ringback summary [today|yesterday|week|month|YYYY-MM-DD[..YYYY-MM-DD]] [line] [public]`: missed vs returned calls, times to claim and call back, SLA breaches, per line and per agent (managers only; add `public` to post it in the channel; a week or a month comes with charts)',
  '`/ringback summary <period> agents [line]`: per agent, legs offered, answered, rang out and declined, apart from the missed calls they claimed, called back and reached (managers only)',
  '`/ringback export <period> [line]`: every call of the period as a CSV file, sent to you in a direct message (managers only)',
  `_Missed leg or missed call?_ ${LEGS_EXPLAINED}`,
  'The *Home* tab of Ringback lists your callbacks and the open calls, with their buttons.',
].join('\n');

export interface CommandDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  directory: AgentDirectory;
  /** Backs `/ringback doctor`. */
  doctor?: DoctorHandle;
}

/** Where the command was typed: charts of a public summary go there, private ones to the asker's DM. */
export interface CommandPlace {
  teamDomain: string | null;
  channelId?: string | null;
}

export interface CommandAnswer {
  message: SlackMessage;
  /** Posted in the channel for everyone instead of privately. */
  public: boolean;
}

/** Slack's longest message text (and a section's, LIMITS.sectionText). */
const MAX_TEXT = 3000;
/** Kept free in a list for its "…and N more" line. */
const MORE_LINE_ROOM = 40;

/** A link to a message in Slack, from the workspace's domain. */
export function messageLink(teamDomain: string | null, post: Post): string | null {
  if (!teamDomain || !/^[a-z0-9-]+$/i.test(teamDomain)) return null;
  return `https://${teamDomain}.slack.com/archives/${post.channel}/p${post.ref.replace('.', '')}`;
}

function callsText(result: Extract<CommandResult, { kind: 'calls' }>, teamDomain: string | null): string {
  const heading = escapeMrkdwn(result.heading);
  if (result.total === 0) return `${heading}: none.`;
  const rows = result.calls.map((call) => {
    const post = call.posts.find((p) => p.surface === 'slack');
    const url = post ? messageLink(teamDomain, post) : null;
    const card = url ? ` · ${link(url, 'card')}` : '';
    return `• ${call.when} · ${escapeMrkdwn(call.who)} · ${escapeMrkdwn(call.line)} · ${escapeMrkdwn(call.state)}${card}`;
  });
  // Whole rows only: cut in the middle, a row lost its card link's closing `>` and the count of the rest.
  const head = `*${heading}: ${result.total}*`;
  const kept: string[] = [];
  let length = head.length;
  for (const row of rows) {
    if (length + 1 + row.length > MAX_TEXT - MORE_LINE_ROOM) break;
    kept.push(row);
    length += 1 + row.length;
  }
  const hidden = result.total - kept.length;
  const more = hidden > 0 ? `\n…and ${hidden} more` : '';
  return `${head}\n${kept.join('\n')}${more}`;
}

/**
 * A list as a `verbatim` mrkdwn section, as the cards and App Home show callers' words: in top-level text
 * Slack would link a caller name such as `https://evil.example/pay-now` or `#general`. `callsText` keeps
 * whole rows within MAX_TEXT, which is the section text limit, so one section holds the whole list; `text`
 * stays the notification fallback.
 */
function verbatimSection(text: string): Block[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText), verbatim: true } },
  ];
}

/** A command's answer in Slack's words; `teamDomain` lets lists link each card. */
export function slackAnswer(result: CommandResult, teamDomain: string | null): RenderedMessage {
  switch (result.kind) {
    case 'help':
      return { text: HELP_TEXT };
    case 'unknown':
      return { text: `I don't know "${escapeMrkdwn(result.text)}".\n${HELP_TEXT}` };
    case 'not_agent':
      return { text: escapeMrkdwn(result.message) };
    case 'no_such_line':
      return { text: `There is no line named "${escapeMrkdwn(result.line)}".` };
    case 'calls': {
      const text = callsText(result, teamDomain);
      return result.total === 0 ? { text } : { text, rich: verbatimSection(text) };
    }
    case 'managers_only':
      return {
        text: 'Summaries are for managers (exports too): ask an admin to add your Slack id to `managers.slack` in the routing file.',
      };
    case 'summary_error':
      return { text: `Cannot make that summary: ${escapeMrkdwn(result.error)}` };
    case 'export_error':
      return { text: `Cannot make that export: ${escapeMrkdwn(result.error)}` };
    case 'summary': {
      const message = summaryMessage(result.summary, {
        timezone: result.timezone,
        title: result.title,
        now: result.now,
        ...(result.lineCountry ? { lineCountry: result.lineCountry } : {}),
        withoutCallers: result.public,
      });
      if (result.charts) {
        message.blocks.push({
          type: 'context',
          elements: [{ type: 'mrkdwn', text: 'The charts of this period follow in a moment.' }],
        });
      }
      return { text: message.text, rich: message.blocks, public: result.public };
    }
    case 'agent_report': {
      const message = agentsMessage(result);
      return { text: message.text, rich: message.blocks, public: result.public };
    }
    case 'export':
      return {
        text: `Your export of ${escapeMrkdwn(result.periodLabel)}${result.line ? ` · ${escapeMrkdwn(result.line)}` : ''} is on its way: Ringback sends \`${escapeMrkdwn(result.filename)}\` to you in a direct message.`,
      };
  }
}

/** The jobs an answer starts (files go after the answer: drawing and uploading take seconds). */
function followUps(result: CommandResult, asker: string | null, place: CommandPlace): NewJob[] {
  if (!asker) return [];
  if (result.kind === 'export') {
    return [
      jobOf(slackReportKinds.export, {
        user: asker,
        period: result.period,
        line: result.line,
        asOf: result.asOf,
      }),
    ];
  }
  if (result.kind === 'summary' && result.charts) {
    const to =
      result.public && place.channelId
        ? { kind: 'channel' as const, channel: place.channelId }
        : { kind: 'people' as const, people: [asker] };
    return [
      jobOf(slackReportKinds.charts, {
        to,
        period: result.charts.period,
        line: result.charts.line,
        timezone: result.charts.timezone,
        title: result.title,
        asOf: result.charts.asOf,
      }),
    ];
  }
  return [];
}

function asAnswer(message: RenderedMessage): CommandAnswer {
  const blocks = (message.rich as Block[] | undefined) ?? [];
  // A text-only answer is one message: Slack cuts nothing the asker needs when it fits.
  const text = blocks.length > 0 ? message.text : truncate(message.text, MAX_TEXT);
  return { message: { text, blocks }, public: message.public ?? false };
}

export async function answerCommand(
  deps: CommandDeps,
  command: SlackCommand,
  actor: Actor,
  teamDomain: string | null,
  channelId: string | null = null,
): Promise<CommandAnswer> {
  if (command.kind === 'doctor') return asAnswer({ text: await answerDoctorCommand(deps, actor) });
  const result = await answerRingbackCommand(deps, command, actor);
  const jobs = followUps(result, slackUserIdOf(actor), { teamDomain, channelId });
  if (jobs.length > 0) await deps.store.enqueue(jobs, deps.clock.now());
  return asAnswer(slackAnswer(result, teamDomain));
}
