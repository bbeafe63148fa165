/**
 * The Slack card: Block Kit JSON built purely from the shared CardModel, so Slack says exactly what Teams
 * says. Action ids are the public interaction ids; every control carries the episode id.
 */

import type { types } from '@slack/bolt';
import { cardFacts } from '../../chat/cardFacts.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { CardModel } from '../../domain/cardModel.js';
import { callbackLaterBlock } from './callbackBlocks.js';
import { escapeMrkdwn, link, outsideLink, truncate } from './mrkdwn.js';
import { reassignElements } from './reassignBlocks.js';

export type Block = types.KnownBlock;

export interface SlackMessage {
  /** Notification and screen-reader text; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
}

/** Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  header: 150,
  sectionText: 3000,
  field: 2000,
  buttonText: 75,
  optionText: 75,
  blocks: 50,
} as const;

/** The value of a `ringback.resolve` option: the outcome and the episode id. */
export function resolveOptionValue(outcome: string, episodeId: string): string {
  return `${outcome}:${episodeId}`;
}

export function parseResolveOptionValue(value: string): { outcome: string; episodeId: string } | null {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) return null;
  return { outcome: value.slice(0, at), episodeId: value.slice(at + 1) };
}

/** The block id of the card's action row; also carries the episode id. */
export function actionsBlockId(episodeId: string): string {
  return truncate(`ringback.actions:${episodeId}`, 255);
}

function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: false };
}

/**
 * Card text carries words from outside (a caller's name, a transcript, a Zendesk reply). `verbatim` keeps
 * Slack from turning a bare URL or a channel name in them into a link a caller chose; the links Ringback
 * writes itself are spelled out as <url|label>, which Slack still renders.
 */
function mrkdwn(text: string, max: number = LIMITS.sectionText) {
  return { type: 'mrkdwn' as const, text: truncate(text, max), verbatim: true };
}

function callerText(model: CardModel): string {
  if (model.caller.withheld)
    return model.caller.name ? `${escapeMrkdwn(model.caller.name)} (number withheld)` : 'Number withheld';
  const number = model.caller.numberDisplay ?? '';
  const numberText = model.caller.telUri ? link(model.caller.telUri, number) : escapeMrkdwn(number);
  return model.caller.name ? `${escapeMrkdwn(model.caller.name)}\n${numberText}` : numberText;
}

function factFields(model: CardModel) {
  const facts: [string, string | null][] = [['Caller', callerText(model)], ...cardFacts(model, escapeMrkdwn)];
  return facts
    .filter((fact): fact is [string, string] => fact[1] !== null)
    .map(([label, value]) => mrkdwn(`*${label}*\n${value}`, LIMITS.field));
}

function voicemailText(model: CardModel): string | null {
  const parts: string[] = [];
  if (model.voicemail) {
    const label = model.voicemail.url ? `Listen: ${model.voicemail.label}` : model.voicemail.label;
    parts.push(`*Voicemail:* ${outsideLink(model.voicemail.url, label)}`);
  }
  if (model.transcriptExcerpt) {
    const quoted = escapeMrkdwn(model.transcriptExcerpt)
      .split('\n')
      .map((line) => `>${line}`)
      .join('\n');
    parts.push(`*Transcript:*\n${quoted}`);
  }
  return parts.length > 0 ? parts.join('\n') : null;
}

function ticketText(model: CardModel): string | null {
  if (!model.ticket) return null;
  const label = `#${model.ticket.id}`;
  const ticket = model.ticket.url ? link(model.ticket.url, label) : label;
  const requester = model.ticket.requesterName
    ? ` · requester ${escapeMrkdwn(model.ticket.requesterName)}`
    : '';
  return `*Zendesk ticket:* ${ticket}${requester}`;
}

function statusText(model: CardModel): string {
  const lines = [`*Status:* ${escapeMrkdwn(model.statusText)}`];
  if (model.priorityText) lines.unshift(`*${escapeMrkdwn(model.priorityText)}*`);
  if (model.escalationText) lines.push(`*Escalation:* ${escapeMrkdwn(model.escalationText)}`);
  for (const line of model.callbackLines) lines.push(escapeMrkdwn(line));
  if (model.suggestionText) lines.push(`_${escapeMrkdwn(model.suggestionText)}_`);
  if (model.prebriefLines.length > 0) {
    lines.push('*Before you call back:*', ...model.prebriefLines.map((line) => `• ${escapeMrkdwn(line)}`));
  }
  return lines.join('\n');
}

function actionElements(model: CardModel): types.ActionsBlockElement[] {
  const id = model.episodeId;
  const elements: types.ActionsBlockElement[] = [];
  if (model.actions.claim) {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.claim,
      text: plain('Claim', LIMITS.buttonText),
      value: id,
      style: 'primary',
    });
  }
  if (model.actions.release) {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.release,
      text: plain('Release', LIMITS.buttonText),
      value: id,
    });
  }
  if (model.actions.callback) {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.callback,
      text: plain('Call back', LIMITS.buttonText),
      value: id,
    });
  }
  if (model.actions.resolve && model.outcomes.length > 0) {
    elements.push({
      type: 'static_select',
      action_id: ACTION_IDS.resolve,
      placeholder: plain('Resolve with outcome…', LIMITS.optionText),
      options: model.outcomes.slice(0, 100).map((o) => ({
        text: plain(o.label, LIMITS.optionText),
        value: resolveOptionValue(o.code, id),
      })),
    });
  }
  elements.push(...reassignElements(model));
  if (model.actions.openTicket && model.ticket?.url) {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.openTicket,
      text: plain(`Open ticket #${model.ticket.id}`, LIMITS.buttonText),
      url: model.ticket.url,
      value: id,
    });
  }
  return elements;
}

export interface CardRenderOptions {
  /** The zone times are shown in, said once at the bottom of the card. */
  timezone?: string;
}

/** The card's blocks for one state of the episode. */
export function cardBlocks(model: CardModel, options: CardRenderOptions = {}): Block[] {
  const id = model.episodeId;
  const blocks: Block[] = [
    {
      type: 'header',
      block_id: truncate(`ringback.title:${id}`, 255),
      text: plain(model.title, LIMITS.header),
    },
    {
      type: 'section',
      block_id: truncate(`ringback.facts:${id}`, 255),
      fields: factFields(model).slice(0, 10),
    },
  ];
  const voicemail = voicemailText(model);
  if (voicemail)
    blocks.push({
      type: 'section',
      block_id: truncate(`ringback.voicemail:${id}`, 255),
      text: mrkdwn(voicemail),
    });
  const ticket = ticketText(model);
  if (ticket)
    blocks.push({ type: 'section', block_id: truncate(`ringback.ticket:${id}`, 255), text: mrkdwn(ticket) });
  blocks.push({
    type: 'section',
    block_id: truncate(`ringback.status:${id}`, 255),
    text: mrkdwn(statusText(model)),
  });
  const elements = actionElements(model);
  if (elements.length > 0) blocks.push({ type: 'actions', block_id: actionsBlockId(id), elements });
  const later = callbackLaterBlock(model);
  if (later) blocks.push(later);
  if (options.timezone) {
    blocks.push({
      type: 'context',
      block_id: truncate(`ringback.footer:${id}`, 255),
      elements: [mrkdwn(`Times in ${escapeMrkdwn(options.timezone)}`)],
    });
  }
  return blocks;
}

/** The whole message: blocks plus the plain fallback used by notifications. */
export function cardMessage(model: CardModel, options: CardRenderOptions = {}): SlackMessage {
  return { text: truncate(escapeMrkdwn(model.fallbackText), 3000), blocks: cardBlocks(model, options) };
}

/** A short message in a section (thread lines, private replies). */
export function textMessage(text: string): SlackMessage {
  return { text: truncate(text, 3000), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
