/**
 * The storm queue message as an Adaptive Card (pure JSON): the same words as Slack's
 * (src/chat/stormQueue.ts), and a Claim next button, `Action.Execute` with the public verb
 * `ringback.claim_next` and the channel in its data.
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
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown } from './card.js';

/** One listed call, in Teams markdown (everything from outside escaped). */
export function teamsStormCallLine(call: StormCall): string {
  const parts = [call.when];
  if (call.name) parts.push(`**${escapeMarkdown(call.name)}**`);
  parts.push(call.number ? escapeMarkdown(call.number) : 'withheld number');
  parts.push(escapeMarkdown(call.line));
  if (call.callCount > 1) parts.push(`${call.callCount} calls`);
  if (call.high) parts.push('high priority');
  if (call.callbackRequested) parts.push('asked to be called back');
  return parts.join(' · ');
}

function text(value: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function card(body: Record<string, unknown>[], fallbackText: string): AdaptiveCardJson {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    fallbackText,
    speak: fallbackText,
    body,
  };
}

/** The open queue message of `channel`. */
export function teamsStormQueueCard(channel: string, view: StormQueueView, since: string): AdaptiveCardJson {
  const head =
    view.waiting === 1
      ? '1 call is waiting for its card'
      : `${view.waiting} calls are waiting for their card`;
  const body: Record<string, unknown>[] = [
    text(head, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    text(
      'Missed calls are coming in faster than Teams lets Ringback post cards, so the cards follow in order. You do not have to wait for them: **Claim next** gives you a call now.',
    ),
    text(`${stormCounts(view)} · storm since ${since}`, { isSubtle: true, spacing: 'None' }),
  ];
  if (view.next.length > 0) {
    const more = view.unclaimed - view.next.length;
    body.push(text('Next to claim:', { weight: 'Bolder' }));
    for (const call of view.next) body.push(text(`- ${teamsStormCallLine(call)}`, { spacing: 'None' }));
    if (more > 0) body.push(text(`…and ${more} more`, { spacing: 'None', isSubtle: true }));
  } else {
    body.push(text('Every call waiting for its card is claimed.'));
  }
  body.push(
    text(
      '**Claim next** gives you the unclaimed call of this channel that needs a person most (high priority, then callback requests, then the longest waiting) and tells you which one. `@Ringback mine` lists the calls you hold.',
      { isSubtle: true, size: 'Small' },
    ),
  );
  const result = card(
    body,
    `${callsAre(view.waiting)} waiting for their card; ${view.unclaimed} not claimed yet.`,
  );
  result.actions = [
    {
      type: 'Action.Execute',
      title: 'Claim next',
      verb: ACTION_IDS.claimNext,
      data: { channel },
      style: 'positive',
    },
  ];
  return result;
}

/** The queue message once every card is out: no button any more. */
export function teamsStormQueueClosedCard(
  state: StormQueueState,
  now: number,
  zone: string,
): AdaptiveCardJson {
  const words = closedQueueText(state, now, zone);
  return card([text(words, { weight: 'Bolder' })], words);
}
