/**
 * The Slack controls of the callback workflow: the card's "call back later" row (a `ringback.snooze`
 * select with the presets and "Pick a time…", and an "Other number…" button), and the two modals they open.
 * Pure Block Kit JSON; the listeners are in callbackListeners.ts.
 */
import type { types } from '@slack/bolt';
import { DateTime } from 'luxon';
import type { OtherNumber } from '../../chat/otherNumbers.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { CardModel } from '../../domain/cardModel.js';
import { type Block, LIMITS, resolveOptionValue } from './blocks.js';
import { truncate } from './mrkdwn.js';

/** The `ringback.snooze` option that opens the date and time modal instead of snoozing. */
export const PICK_A_TIME = 'pick';
/** callback_id of the "call back later" modal's view_submission. */
export const SNOOZE_MODAL_ID = 'ringback.snooze_modal';
/** callback_id of the "other number" modal's view_submission. */
export const NUMBER_MODAL_ID = 'ringback.callback_number_modal';

/** Block and action ids inside the modals (their state comes back keyed by these). */
export const MODAL_INPUTS = {
  date: 'ringback.snooze_date',
  time: 'ringback.snooze_time',
  typedNumber: 'ringback.number_typed',
  requesterNumber: 'ringback.number_requester',
} as const;

/** Slack view titles stop at 24 characters. */
const TITLE_MAX = 24;

function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: false };
}

/**
 * The card's second row: call back later (when a call back is possible) and another number (while the
 * call is open: also on a withheld call, where a number the caller gave elsewhere makes a call back possible).
 */
export function callbackLaterBlock(model: CardModel): Block | null {
  const id = model.episodeId;
  const elements: types.ActionsBlockElement[] = [];
  if (model.actions.snooze && model.snoozeOptions.length > 0) {
    elements.push({
      type: 'static_select',
      action_id: ACTION_IDS.snooze,
      placeholder: plain('Call back later…', LIMITS.optionText),
      options: [
        ...model.snoozeOptions.map((o) => ({
          text: plain(o.label, LIMITS.optionText),
          value: resolveOptionValue(o.value, id),
        })),
        { text: plain('Pick a time…', LIMITS.optionText), value: resolveOptionValue(PICK_A_TIME, id) },
      ],
    });
  }
  if (model.state !== 'resolved') {
    elements.push({
      type: 'button',
      action_id: ACTION_IDS.callbackNumber,
      text: plain('Other number…', LIMITS.buttonText),
      value: id,
    });
  }
  if (elements.length === 0) return null;
  return { type: 'actions', block_id: truncate(`ringback.later:${id}`, 255), elements };
}

/** What a modal carries back in its submission: the call and the card it was opened from. */
export interface ModalOrigin {
  episodeId: string;
  channel: string;
  messageTs: string;
}

export function modalMetadata(origin: ModalOrigin): string {
  return JSON.stringify({ e: origin.episodeId, c: origin.channel, t: origin.messageTs });
}

export function parseModalMetadata(text: string): ModalOrigin | null {
  try {
    const raw = JSON.parse(text) as { e?: unknown; c?: unknown; t?: unknown };
    if (typeof raw.e !== 'string' || typeof raw.c !== 'string' || typeof raw.t !== 'string') return null;
    return { episodeId: raw.e, channel: raw.c, messageTs: raw.t };
  } catch {
    return null;
  }
}

/** The "Pick a time…" modal: a date and a time in the line's zone, starting from now rounded up. */
export function snoozeModal(input: {
  origin: ModalOrigin;
  callerWords: string;
  zone: string;
  now: number;
}): types.ModalView {
  const start = DateTime.fromMillis(input.now, { zone: input.zone })
    .plus({ minutes: 30 })
    .set({ second: 0, millisecond: 0 });
  const rounded = start
    .set({ minute: start.minute < 30 ? 30 : 0 })
    .plus({ hours: start.minute < 30 ? 0 : 1 });
  return {
    type: 'modal',
    callback_id: SNOOZE_MODAL_ID,
    private_metadata: modalMetadata(input.origin),
    title: plain('Call back later', TITLE_MAX),
    submit: plain('Snooze', TITLE_MAX),
    close: plain('Cancel', TITLE_MAX),
    blocks: [
      {
        type: 'section',
        text: plain(
          `When will you call back ${input.callerWords}? Times are in ${input.zone}, the line's zone.`,
          LIMITS.sectionText,
        ),
      },
      {
        type: 'input',
        block_id: MODAL_INPUTS.date,
        label: plain('Day', 2000),
        element: {
          type: 'datepicker',
          action_id: MODAL_INPUTS.date,
          initial_date: rounded.toISODate() ?? undefined,
        },
      },
      {
        type: 'input',
        block_id: MODAL_INPUTS.time,
        label: plain('Time', 2000),
        element: {
          type: 'timepicker',
          action_id: MODAL_INPUTS.time,
          initial_time: rounded.toFormat('HH:mm'),
          timezone: input.zone,
        },
      },
    ],
  };
}

/** The "Other number…" modal: a typed number, or one of the requester's other numbers when Zendesk has some. */
export function numberModal(input: {
  origin: ModalOrigin;
  callerWords: string;
  numbers: OtherNumber[];
}): types.ModalView {
  const blocks: types.KnownBlock[] = [
    {
      type: 'section',
      text: plain(
        `Which number should ${input.callerWords} be called back on? Type it with its country code` +
          (input.numbers.length > 0 ? ', or pick one of the requester’s numbers in Zendesk.' : '.'),
        LIMITS.sectionText,
      ),
    },
    {
      type: 'input',
      block_id: MODAL_INPUTS.typedNumber,
      optional: input.numbers.length > 0,
      label: plain('Number', 2000),
      element: {
        type: 'plain_text_input',
        action_id: MODAL_INPUTS.typedNumber,
        max_length: 40,
        placeholder: plain('+33 6 12 34 56 78', 150),
      },
    },
  ];
  if (input.numbers.length > 0) {
    blocks.push({
      type: 'input',
      block_id: MODAL_INPUTS.requesterNumber,
      optional: true,
      label: plain('Or one of the requester’s numbers', 2000),
      element: {
        type: 'static_select',
        action_id: MODAL_INPUTS.requesterNumber,
        placeholder: plain('Choose a number…', 150),
        options: input.numbers.slice(0, 100).map((n) => ({
          text: plain(n.primary ? `${n.display} (primary)` : n.display, LIMITS.optionText),
          value: n.e164,
        })),
      },
    });
  }
  return {
    type: 'modal',
    callback_id: NUMBER_MODAL_ID,
    private_metadata: modalMetadata(input.origin),
    title: plain('Call back on…', TITLE_MAX),
    submit: plain('Use this number', TITLE_MAX),
    close: plain('Cancel', TITLE_MAX),
    blocks,
  };
}
