/** A Summary as Block Kit: totals, outcomes, times, SLA breaches, open now, per line and per agent. */
import type { SummaryOptions } from '../../chat/surface.js';
import { formatDuration } from '../../config/duration.js';
import { displayNumber, formatWhen } from '../../domain/cardModel.js';
import type { DurationStats, Figures, Summary } from '../../domain/summary.js';
import { OUTCOME_LABELS, OUTCOMES } from '../../domain/types.js';
import { type Block, LIMITS, type SlackMessage } from './blocks.js';
import { escapeMrkdwn, truncate } from './mrkdwn.js';

const MAX_ROWS = 25;

function stat(stats: DurationStats): string {
  if (stats.count === 0 || stats.medianMs === null) return 'none yet';
  return `median ${formatDuration(stats.medianMs)}, p90 ${formatDuration(stats.p90Ms ?? stats.medianMs)}`;
}

function totalsText(f: Figures): string {
  const outcomes = OUTCOMES.filter((o) => f.byOutcome[o] > 0)
    .map((o) => `${OUTCOME_LABELS[o]}: ${f.byOutcome[o]}`)
    .join(' · ');
  return [
    `*Missed calls:* ${f.missedCalls} from ${f.uniqueCallers} unique ${f.uniqueCallers === 1 ? 'caller' : 'callers'} · ${f.returnedCalls} returned`,
    `*Claimed:* ${f.claimed} · *Called back:* ${f.calledBack} · *Resolved:* ${f.resolved} (${f.autoResolved} automatically: the caller got through)`,
    `*Resolved by outcome:* ${outcomes || 'none yet'}`,
    `*Time to claim:* ${stat(f.timeToClaim)}`,
    `*Time to first call back:* ${stat(f.timeToFirstCallback)}`,
    `*SLA breaches:* ${f.slaBreaches.claim} not claimed in time · ${f.slaBreaches.resolve} not resolved in time`,
  ].join('\n');
}

function lineRow(name: string, f: Figures): string {
  return `*${escapeMrkdwn(name)}:* ${f.missedCalls} missed · ${f.claimed} claimed · ${f.calledBack} called back · ${f.resolved} resolved · claim ${stat(f.timeToClaim)} · SLA breaches ${f.slaBreaches.claim + f.slaBreaches.resolve}`;
}

function rows(items: string[]): string {
  const shown = items.slice(0, MAX_ROWS);
  const more = items.length - shown.length;
  return truncate(`${shown.join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`, LIMITS.sectionText);
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function summaryMessage(summary: Summary, options: SummaryOptions): SlackMessage {
  const { totals, openNow } = summary;
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(options.title, LIMITS.header), emoji: false },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${escapeMrkdwn(summary.window.label)} · times in ${escapeMrkdwn(options.timezone)}`,
        },
      ],
    },
    section(totalsText(totals)),
  ];
  const caller = (number: string | null) =>
    options.withoutCallers
      ? ''
      : `${escapeMrkdwn(displayNumber(number, options.lineCountry) ?? 'withheld number')}, `;
  const oldest = openNow.oldest
    ? ` · oldest: ${escapeMrkdwn(openNow.oldest.line)}, ${caller(openNow.oldest.callerNumber)}missed ${escapeMrkdwn(formatWhen(openNow.oldest.missedAt, options.now, options.timezone))}`
    : '';
  blocks.push(section(`*Open now:* ${openNow.count}${oldest}`));

  const lineNames = Object.keys(summary.lines);
  if (lineNames.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push(
      section(`*Per line*\n${rows(lineNames.map((name) => lineRow(name, summary.lines[name] as Figures)))}`),
    );
  }
  if (summary.agents.length > 0) {
    blocks.push(
      section(
        `*Per agent*\n${rows(
          summary.agents.map(
            (a) =>
              `*${escapeMrkdwn(a.name)}:* ${a.claimed} claimed · ${a.calledBack} called back · ${a.resolved} resolved · claim ${stat(a.timeToClaim)} · first call back ${stat(a.timeToFirstCallback)}`,
          ),
        )}`,
      ),
    );
  }
  const text = `${options.title}: ${totals.missedCalls} missed calls, ${totals.calledBack} called back, ${totals.resolved} resolved, ${openNow.count} open now`;
  return { text: escapeMrkdwn(text), blocks };
}
