/** `/ringback summary <period> agents` as Block Kit: one section per agent, the team's legs first. */
import { agentLines, LEGS_EXPLAINED, teamLegsLine } from '../../chat/agentReport.js';
import type { CommandResult } from '../../chat/commands.js';
import { type Block, LIMITS, type SlackMessage } from './blocks.js';
import { escapeMrkdwn, truncate } from './mrkdwn.js';

/** Header, context, team line, divider and the "more" line leave room for this many agents in 50 blocks. */
export const MAX_AGENT_SECTIONS = 44;

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function agentsMessage(report: Extract<CommandResult, { kind: 'agent_report' }>): SlackMessage {
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(report.title, LIMITS.header), emoji: false },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `${escapeMrkdwn(report.periodLabel)} · times in ${escapeMrkdwn(report.timezone)}\n${LEGS_EXPLAINED}`,
            LIMITS.sectionText,
          ),
        },
      ],
    },
    section(`*Team:* ${escapeMrkdwn(teamLegsLine(report.legs, report.missedCalls))}`),
    { type: 'divider' },
  ];
  const shown = report.agents.slice(0, MAX_AGENT_SECTIONS);
  for (const agent of shown) {
    const lines = agentLines(agent);
    blocks.push(
      section(
        [`*${escapeMrkdwn(lines.name)}*`, lines.legs, lines.colleague, lines.callbacks, lines.times]
          .map((line, i) => (i === 0 ? line : escapeMrkdwn(line)))
          .join('\n'),
      ),
    );
  }
  if (shown.length === 0) blocks.push(section('No agent was rung or claimed a call in this period.'));
  const more = report.agents.length - shown.length;
  if (more > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${more} more agents: \`GET /api/summary\` lists them all.` }],
    });
  }
  const legs = report.legs;
  const text = `${report.title}: ${report.agents.length} agents, ${legs?.missedLegs ?? 0} missed legs, ${report.missedCalls} missed calls`;
  return { text: escapeMrkdwn(text), blocks };
}
