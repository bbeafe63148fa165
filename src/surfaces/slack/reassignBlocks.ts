/**
 * The card's "hand to…" control (`ringback.reassign`): a Slack `users_select` in the card's action row,
 * offered while the call is held (claimed or being called back). Its value is the chosen Slack user; the
 * call id travels in the action row's block id (a `users_select` has no value of its own).
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS } from '../../domain/actions.js';
import type { CardModel } from '../../domain/cardModel.js';
import { truncate } from './mrkdwn.js';

/** Slack's limit for a select's placeholder. */
const PLACEHOLDER_MAX = 150;

export const REASSIGN_PLACEHOLDER = 'Hand to…';

/**
 * The reassign picker for this card, or none. Offered exactly where Release is (a held call): only its
 * claimer or a manager may hand it over, which the use case checks whoever picks someone.
 */
export function reassignElements(model: CardModel): types.ActionsBlockElement[] {
  if (!model.actions.release) return [];
  return [
    {
      type: 'users_select',
      action_id: ACTION_IDS.reassign,
      placeholder: {
        type: 'plain_text',
        text: truncate(REASSIGN_PLACEHOLDER, PLACEHOLDER_MAX),
        emoji: false,
      },
    },
  ];
}
