/** `@Ringback summary <period> agents` as an Adaptive Card: the team's legs, then one block per agent. */
import { agentLines, LEGS_EXPLAINED, teamLegsLine } from '../../chat/agentReport.js';
import type { CommandResult } from '../../chat/commands.js';
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown } from './card.js';

/** A chat card is not a report: past this many agents the card says where the full list is. */
export const MAX_AGENT_BLOCKS = 40;

export function agentsCard(report: Extract<CommandResult, { kind: 'agent_report' }>): AdaptiveCardJson {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: escapeMarkdown(report.title),
      size: 'Medium',
      weight: 'Bolder',
      style: 'heading',
      wrap: true,
    },
    {
      type: 'TextBlock',
      text: `${escapeMarkdown(report.periodLabel)} · times in ${escapeMarkdown(report.timezone)}`,
      isSubtle: true,
      size: 'Small',
      wrap: true,
    },
    { type: 'TextBlock', text: escapeMarkdown(LEGS_EXPLAINED), isSubtle: true, size: 'Small', wrap: true },
    {
      type: 'TextBlock',
      text: `**Team:** ${escapeMarkdown(teamLegsLine(report.legs, report.missedCalls))}`,
      wrap: true,
    },
  ];
  const shown = report.agents.slice(0, MAX_AGENT_BLOCKS);
  for (const agent of shown) {
    const lines = agentLines(agent);
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        { type: 'TextBlock', text: escapeMarkdown(lines.name), weight: 'Bolder', wrap: true },
        ...[lines.legs, lines.colleague, lines.callbacks, lines.times].map((text) => ({
          type: 'TextBlock',
          text: escapeMarkdown(text),
          wrap: true,
          spacing: 'None',
        })),
      ],
    });
  }
  if (shown.length === 0)
    body.push({ type: 'TextBlock', text: 'No agent was rung or claimed a call in this period.', wrap: true });
  const more = report.agents.length - shown.length;
  if (more > 0)
    body.push({
      type: 'TextBlock',
      text: `…and ${more} more agents: \`GET /api/summary\` lists them all.`,
      isSubtle: true,
      wrap: true,
    });
  return {
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    fallbackText: `${report.title}: ${report.agents.length} agents, ${report.legs?.missedLegs ?? 0} missed legs, ${report.missedCalls} missed calls`,
    body,
  };
}
