/**
 * The Teams card's callback inputs: "call back later" (an Input.ChoiceSet of the presets, an Input.Text for
 * a time, Execute `ringback.snooze`) and "another number" (an Input.Text, Execute
 * `ringback.callback_number`; the requester's other numbers are added to the answer of that button when
 * it is pressed empty, so Zendesk is asked only when someone wants them, not on every render). Each button
 * sits in its own ActionSet under its inputs, so the card's main buttons stay as they are.
 */
import type { OtherNumber } from '../../chat/otherNumbers.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { CardModel } from '../../domain/cardModel.js';
import type { AdaptiveCardJson } from './card.js';

/** Input ids: Teams merges their values into the Execute's data. */
export const CALLBACK_INPUTS = {
  snoozeChoice: 'snoozeChoice',
  snoozeAt: 'snoozeAt',
  typedNumber: 'callbackNumber',
  requesterNumber: 'requesterNumber',
} as const;

function execute(title: string, verb: string, callId: string) {
  return {
    type: 'ActionSet',
    actions: [{ type: 'Action.Execute', title, verb, data: { callId }, associatedInputs: 'auto' }],
  };
}

/**
 * The inputs for a viewer who may act on the call (`mayAct`: the same viewers who may resolve it).
 * "Call back later" needs a number to call; "another number" is offered on any open call, a withheld one
 * included (the caller may have given a number elsewhere).
 */
export function callbackInputs(model: CardModel, mayAct: boolean): Record<string, unknown>[] {
  if (!mayAct || model.state === 'resolved') return [];
  const id = model.episodeId;
  const body: Record<string, unknown>[] = [];
  if (model.actions.snooze && model.snoozeOptions.length > 0) {
    body.push(
      {
        type: 'Input.ChoiceSet',
        id: CALLBACK_INPUTS.snoozeChoice,
        label: 'Call back later',
        style: 'compact',
        placeholder: 'Choose when…',
        choices: model.snoozeOptions.map((o) => ({ title: o.label, value: o.value })),
        spacing: 'Medium',
      },
      {
        type: 'Input.Text',
        id: CALLBACK_INPUTS.snoozeAt,
        label: 'Or at a time (the line’s zone)',
        placeholder: '17:00, or 2026-11-20 17:00',
        maxLength: 40,
      },
      execute('Call back later', ACTION_IDS.snooze, id),
    );
  }
  body.push(
    {
      type: 'Input.Text',
      id: CALLBACK_INPUTS.typedNumber,
      label: 'Call back on another number (empty: the requester’s numbers)',
      placeholder: '+33 6 12 34 56 78',
      maxLength: 40,
      style: 'tel',
      spacing: 'Medium',
    },
    execute('Use this number', ACTION_IDS.callbackNumber, id),
  );
  return body;
}

/** The card with the requester's other numbers offered under the number input (when there is one). */
export function withRequesterNumbers(card: AdaptiveCardJson, numbers: OtherNumber[]): AdaptiveCardJson {
  const body = Array.isArray(card.body) ? (card.body as Record<string, unknown>[]) : [];
  const at = body.findIndex((element) => element.id === CALLBACK_INPUTS.typedNumber);
  if (at < 0 || numbers.length === 0) return card;
  const choices = {
    type: 'Input.ChoiceSet',
    id: CALLBACK_INPUTS.requesterNumber,
    label: 'The requester’s numbers in Zendesk',
    style: 'expanded',
    choices: numbers.map((n) => ({ title: n.primary ? `${n.display} (primary)` : n.display, value: n.e164 })),
  };
  return { ...card, body: [...body.slice(0, at + 1), choices, ...body.slice(at + 1)] };
}
