/**
 * The storm queue message in Block Kit (pure JSON): how many calls wait for their card, the next ones to
 * take, and the Claim next button (`ringback.claim_next`, value: the channel). The actions block's id
 * carries the newest queued time the message counts (`ringback.queue:<epoch ms>`), so a tool reading the
 * channel can tell which calls the message covers.
 */
import {
  callsAre,
  closedQueueText,
  type StormCall,
  type StormQueueState,
  type StormQueueView,
  stormCounts,
} from '../../chat/stormQueue.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { Block, SlackMessage } from './blocks.js';
import { escapeMrkdwn, link, truncate } from './mrkdwn.js';

export const STORM_QUEUE_BLOCK_PREFIX = 'ringback.queue:';
/** The first block of every queue message, open or closed (how Ringback and tests recognise one). */
export const STORM_QUEUE_HEAD_BLOCK = 'ringback.queue_head';

const SECTION_TEXT = 3000;

/** Callers' names go in these: no bare URL in them becomes a link (see blocks.ts). */
function mrkdwn(text: string) {
  return { type: 'mrkdwn' as const, text: truncate(text, SECTION_TEXT), verbatim: true };
}

/** One listed call: time, caller (escaped), number (a tel: link), line, and why it comes first. */
export function stormCallLine(call: StormCall): string {
  const parts = [call.when];
  if (call.name) parts.push(`*${escapeMrkdwn(call.name)}*`);
  parts.push(call.tel && call.number ? link(`tel:${call.tel}`, call.number) : 'withheld number');
  parts.push(escapeMrkdwn(call.line));
  if (call.callCount > 1) parts.push(`${call.callCount} calls`);
  if (call.high) parts.push('high priority');
  if (call.callbackRequested) parts.push('asked to be called back');
  return `• ${parts.join(' · ')}`;
}

function waitingHead(view: StormQueueView): string {
  return view.waiting === 1
    ? '1 call is waiting for its card'
    : `${view.waiting} calls are waiting for their card`;
}

/** The open queue message of `channel`. */
export function stormQueueMessage(channel: string, view: StormQueueView, since: string): SlackMessage {
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: STORM_QUEUE_HEAD_BLOCK,
      text: mrkdwn(
        `*${waitingHead(view)}.* Missed calls are coming in faster than Slack lets Ringback post cards (one message a second per channel), so the cards follow in order. You do not have to wait for them: *Claim next* gives you a call now.`,
      ),
    },
    {
      type: 'context',
      elements: [mrkdwn(`${stormCounts(view)} · storm since ${since}`)],
    },
  ];
  if (view.next.length > 0) {
    const more = view.unclaimed - view.next.length;
    blocks.push({
      type: 'section',
      block_id: 'ringback.queue_next',
      text: mrkdwn(
        `*Next to claim:*\n${view.next.map(stormCallLine).join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`,
      ),
    });
  } else {
    blocks.push({
      type: 'section',
      block_id: 'ringback.queue_next',
      text: mrkdwn('Every call waiting for its card is claimed.'),
    });
  }
  blocks.push(
    {
      type: 'actions',
      block_id: `${STORM_QUEUE_BLOCK_PREFIX}${view.through}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.claimNext,
          text: { type: 'plain_text', text: 'Claim next', emoji: false },
          style: 'primary',
          value: channel,
        },
      ],
    },
    {
      type: 'context',
      elements: [
        mrkdwn(
          '*Claim next* gives you the unclaimed call of this channel that needs a person most (high priority, then callback requests, then the longest waiting) and tells you privately which one. `/ringback mine` lists the calls you hold.',
        ),
      ],
    },
  );
  return {
    text: `${callsAre(view.waiting)} waiting for their card in this channel; ${view.unclaimed} not claimed yet. Claim next gives you one now.`,
    blocks,
  };
}

/** The queue message once every card is out: no button any more. */
export function stormQueueClosedMessage(state: StormQueueState, now: number, zone: string): SlackMessage {
  const text = closedQueueText(state, now, zone);
  return {
    text,
    blocks: [{ type: 'section', block_id: STORM_QUEUE_HEAD_BLOCK, text: mrkdwn(`*${escapeMrkdwn(text)}*`) }],
  };
}
