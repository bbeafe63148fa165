/**
 * A Summary as an Adaptive Card: totals, outcomes, times, SLA breaches, open now, per line and per agent —
 * the same figures, in the same words, as the Slack summary.
 */

import type { SummaryOptions } from '../../chat/surface.js';
import { formatDuration } from '../../config/duration.js';
import { displayNumber, formatWhen } from '../../domain/cardModel.js';
import type { DurationStats, Figures, Summary } from '../../domain/summary.js';
import { OUTCOME_LABELS, OUTCOMES } from '../../domain/types.js';
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown } from './card.js';

const MAX_ROWS = 25;

function stat(stats: DurationStats): string {
  if (stats.count === 0 || stats.medianMs === null) return 'none yet';
  return `median ${formatDuration(stats.medianMs)}, p90 ${formatDuration(stats.p90Ms ?? stats.medianMs)}`;
}

function totalsFacts(f: Figures): { title: string; value: string }[] {
  const outcomes = OUTCOMES.filter((o) => f.byOutcome[o] > 0)
    .map((o) => `${OUTCOME_LABELS[o]}: ${f.byOutcome[o]}`)
    .join(' · ');
  return [
    {
      title: 'Missed calls',
      value: `${f.missedCalls} from ${f.uniqueCallers} unique ${f.uniqueCallers === 1 ? 'caller' : 'callers'} · ${f.returnedCalls} returned`,
    },
    { title: 'Claimed', value: String(f.claimed) },
    { title: 'Called back', value: String(f.calledBack) },
    {
      title: 'Resolved',
      value: `${f.resolved} (${f.autoResolved} automatically: the caller got through)`,
    },
    { title: 'Resolved by outcome', value: outcomes || 'none yet' },
    { title: 'Time to claim', value: stat(f.timeToClaim) },
    { title: 'Time to first call back', value: stat(f.timeToFirstCallback) },
    {
      title: 'SLA breaches',
      value: `${f.slaBreaches.claim} not claimed in time · ${f.slaBreaches.resolve} not resolved in time`,
    },
  ];
}

function rows(items: string[]): string {
  const shown = items.slice(0, MAX_ROWS);
  const more = items.length - shown.length;
  return `${shown.map((item) => `- ${item}`).join('\n')}${more > 0 ? `\n- …and ${more} more` : ''}`;
}

function heading(text: string): Record<string, unknown> {
  return { type: 'TextBlock', text, weight: 'Bolder', wrap: true, spacing: 'Medium', separator: true };
}

export function summaryCard(summary: Summary, options: SummaryOptions): AdaptiveCardJson {
  const { totals, openNow } = summary;
  const caller = (number: string | null) =>
    options.withoutCallers ? '' : `${displayNumber(number, options.lineCountry) ?? 'withheld number'}, `;
  const oldest = openNow.oldest
    ? ` · oldest: ${openNow.oldest.line}, ${caller(openNow.oldest.callerNumber)}missed ${formatWhen(openNow.oldest.missedAt, options.now, options.timezone)}`
    : '';
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: escapeMarkdown(options.title),
      size: 'Medium',
      weight: 'Bolder',
      style: 'heading',
      wrap: true,
    },
    {
      type: 'TextBlock',
      text: `${escapeMarkdown(summary.window.label)} · times in ${escapeMarkdown(options.timezone)}`,
      isSubtle: true,
      size: 'Small',
      wrap: true,
    },
    {
      type: 'FactSet',
      facts: totalsFacts(totals).map((f) => ({ title: f.title, value: escapeMarkdown(f.value) })),
    },
    { type: 'TextBlock', text: `**Open now:** ${openNow.count}${escapeMarkdown(oldest)}`, wrap: true },
  ];
  const lineNames = Object.keys(summary.lines);
  if (lineNames.length > 0) {
    body.push(heading('Per line'));
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: rows(
        lineNames.map((name) => {
          const f = summary.lines[name] as Figures;
          return `**${escapeMarkdown(name)}:** ${f.missedCalls} missed · ${f.claimed} claimed · ${f.calledBack} called back · ${f.resolved} resolved · claim ${stat(f.timeToClaim)} · SLA breaches ${f.slaBreaches.claim + f.slaBreaches.resolve}`;
        }),
      ),
    });
  }
  if (summary.agents.length > 0) {
    body.push(heading('Per agent'));
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: rows(
        summary.agents.map(
          (a) =>
            `**${escapeMarkdown(a.name)}:** ${a.claimed} claimed · ${a.calledBack} called back · ${a.resolved} resolved · claim ${stat(a.timeToClaim)} · first call back ${stat(a.timeToFirstCallback)}`,
        ),
      ),
    });
  }
  return {
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    fallbackText: `${options.title}: ${totals.missedCalls} missed calls, ${totals.calledBack} called back, ${totals.resolved} resolved, ${openNow.count} open now`,
    body,
  };
}
