/**
 * `mine` and `open` in a personal chat: the same lists as the Slack App Home, as an Adaptive Card whose
 * buttons are the card's own `Action.Execute` verbs with the call id. A call being worked gets Call back
 * and, in the overflow, one Resolve action per outcome (the outcome travels in the action's data, so the
 * card needs no input per call, and input ids stay unique however many calls it lists).
 */
import type { CommandResult, ListedCall } from '../../chat/commands.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { dueLine, outcomesFor } from '../../domain/cardModel.js';
import { type Episode, OUTCOME_LABELS, type Outcome } from '../../domain/types.js';
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown, OUTCOME_INPUT_ID } from './card.js';

/** Marks a click as coming from a list card (not a call's own card): see `isListClickOf`. */
export const LIST_CARD_SOURCE = 'ringback.list';
/** Keeps the card well under Teams' message size. */
export const MAX_LIST_CARD_CALLS = 15;

function execute(title: string, verb: string, callId: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'Action.Execute',
    title,
    verb,
    data: { callId, from: LIST_CARD_SOURCE, ...extra },
    associatedInputs: 'none',
  };
}

function actionsFor(call: ListedCall): Record<string, unknown>[] {
  if (call.action === 'claim') return [execute('Claim', ACTION_IDS.claim, call.episodeId)];
  if (call.action !== 'work') return [];
  return [
    ...(call.callable === false ? [] : [execute('Call back', ACTION_IDS.callback, call.episodeId)]),
    ...outcomesFor(call.callable !== false).map((outcome) => ({
      ...execute(`Resolve: ${OUTCOME_LABELS[outcome]}`, ACTION_IDS.resolve, call.episodeId, {
        [OUTCOME_INPUT_ID]: outcome,
      }),
      mode: 'secondary',
    })),
  ];
}

export function callsCard(result: Extract<CommandResult, { kind: 'calls' }>): AdaptiveCardJson {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: `${escapeMarkdown(result.heading)}: ${result.total}`,
      size: 'Medium',
      weight: 'Bolder',
      style: 'heading',
      wrap: true,
    },
  ];
  if (result.total === 0) body.push({ type: 'TextBlock', text: 'None.', wrap: true });
  for (const call of result.calls.slice(0, MAX_LIST_CARD_CALLS)) {
    const due = call.due ? ` · **${escapeMarkdown(call.due)}**` : '';
    const actions = actionsFor(call);
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        {
          type: 'TextBlock',
          text: `**${escapeMarkdown(call.who)}** · ${escapeMarkdown(call.line)} · missed ${escapeMarkdown(call.when)} · ${escapeMarkdown(call.state)}${due}`,
          wrap: true,
        },
        ...(actions.length > 0 ? [{ type: 'ActionSet', actions }] : []),
      ],
    });
  }
  const shown = Math.min(result.calls.length, MAX_LIST_CARD_CALLS);
  if (result.total > shown)
    body.push({ type: 'TextBlock', text: `…and ${result.total - shown} more`, isSubtle: true, wrap: true });
  return {
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    fallbackText: `${result.heading}: ${result.total}`,
    body,
  };
}

/**
 * Whether a click came from a list card: a personal chat, the list's mark, and a button lists have (Claim,
 * Call back, Resolve). Lists are not stored posts, so this stands in for "a card of that call". Whether the
 * call still allows it is the domain's to say, in its own words ("Ana already has this call"): a list is a
 * picture of a moment, and a colleague may have acted since.
 */
export function isListClick(click: {
  conversationType: string | undefined;
  data: unknown;
  verb: string;
}): boolean {
  const data = click.data as { from?: unknown } | null;
  if (click.conversationType !== 'personal' || data?.from !== LIST_CARD_SOURCE) return false;
  return LIST_VERBS.has(click.verb);
}

const LIST_VERBS = new Set<string>([ACTION_IDS.claim, ACTION_IDS.callback, ACTION_IDS.resolve]);

/**
 * What a list click is answered with: a message under the list, which stays as it was (the list's buttons
 * keep working). Answering with the call's channel card replaced the list with a card whose own buttons are
 * not a stored post of the call, so every later click on it was refused.
 */
export function listClickAnswer(
  verb: string,
  episode: Episode,
  outcome: Outcome | null,
  /** The line's zone and retry policy, and the time of the answer: for a resolve the retry policy postponed. */
  context: { now: number; timezone: string; retryAttempts: number | null },
): string {
  const who = escapeMarkdown(episode.caller.name ?? episode.caller.number ?? 'a withheld number');
  if (verb === ACTION_IDS.claim) return `You have the call from ${who}. Send "mine" for your calls.`;
  if (verb === ACTION_IDS.callback) {
    const number = episode.callbackNumber ?? episode.caller.number;
    return number ? `Call ${who} back on ${escapeMarkdown(number)}.` : `Call back on ${who}: recorded.`;
  }
  const label = outcome ? `: ${OUTCOME_LABELS[outcome]}` : '';
  if (episode.state === 'resolved') return `Resolved the call from ${who}${label}.`;
  // A try before the last under the line's retry policy: the result is logged and the call comes back later,
  // in the card's own words for it.
  const of = context.retryAttempts !== null ? ` of ${context.retryAttempts}` : '';
  const due = episode.dueAt !== null ? ` ${escapeMarkdown(dueLine(episode, episode.dueAt, context))}.` : '';
  return `Attempt ${episode.attemptLog.length}${of} on the call from ${who} logged${label}. The call is not resolved.${due}`;
}
