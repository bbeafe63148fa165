/** `@Ringback summary <period> agents` as an Adaptive Card: the team's legs, then one block per agent. */
import { agentLines, LEGS_EXPLAINED, teamLegsLine } from '../../chat/agentReport.js';
import type { CommandResult } from '../../chat/commands.js';
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown } from './card.js';

/** A chat card is not a report: past this many agents the card says where the full list is. */
export const MAX_AGENT_BLOCKS = 40;

/**
 * Teams refuses a bot message over about 100 KB (40 KB in older clients' documentation) with 413: the card
 * keeps well under the lower one, dropping agents (the footer says how many) when long names would pass it.
 */
export const MAX_AGENTS_CARD_BYTES = 36_000;

export function agentsCard(
  report: Extract<CommandResult, { kind: 'agent_report' }>,
  maxBytes = MAX_AGENTS_CARD_BYTES,
): AdaptiveCardJson {
  let shownCount = Math.min(report.agents.length, MAX_AGENT_BLOCKS);
  for (;;) {
    const card = agentsCardOf(report, shownCount);
    if (shownCount === 0 || Buffer.byteLength(JSON.stringify(card), 'utf8') <= maxBytes) return card;
    shownCount--;
  }
}

function agentsCardOf(
  report: Extract<CommandResult, { kind: 'agent_report' }>,
  shownCount: number,
): AdaptiveCardJson {
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
  const shown = report.agents.slice(0, shownCount);
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
  if (report.agents.length === 0)
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
