/**
 * Slack's side of "call back later" and "call back on another number": the `ringback.snooze` select (a
 * preset snoozes at once, "Pick a time…" opens a date and time modal) and the `ringback.callback_number`
 * button (a modal with a typed number and, when Zendesk knows them, the requester's other numbers). Both
 * modals end in the same use case as every click (actOnCard); what cannot be used is said in the modal.
 */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { actOnCard, type CardAction } from '../../app/act.js';
import { lineNamed, timezoneOf } from '../../app/routing.js';
import { maskNumber, OTHER_NUMBERS_DEADLINE_MS, otherNumbersOf } from '../../chat/otherNumbers.js';
import { pickedSnoozeChoice } from '../../chat/snoozeChoice.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { displayNumber } from '../../domain/cardModel.js';
import type { Episode } from '../../domain/types.js';
import { blockActionsPayload } from './blockActions.js';
import { parseResolveOptionValue } from './blocks.js';
import {
  MODAL_INPUTS,
  type ModalOrigin,
  NUMBER_MODAL_ID,
  numberModal,
  PICK_A_TIME,
  parseModalMetadata,
  SNOOZE_MODAL_ID,
  snoozeModal,
} from './callbackBlocks.js';
import {
  FOREIGN_BUTTON_MESSAGE,
  isCardOf,
  type ListenerDeps,
  onCardAction,
  tellPrivately,
} from './listeners.js';

// A click that opens a modal must carry the trigger it opens it with.
const clickBody = blockActionsPayload.extend({ trigger_id: z.string().min(1) });

const inputState = z.object({
  value: z.string().nullish(),
  selected_date: z.string().nullish(),
  selected_time: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
});

const submissionBody = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional() }),
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), inputState)) }),
  }),
});

type Submission = z.infer<typeof submissionBody>;
type ModalAck = (answer?: { response_action: 'errors'; errors: Record<string, string> }) => Promise<void>;
type ViewsOpen = (args: { trigger_id: string; view: ReturnType<typeof snoozeModal> }) => Promise<unknown>;

/** Slack shows a modal's field errors under the field; longer texts are cut. */
const ERROR_MAX = 150;

function callerWords(deps: ListenerDeps, episode: Episode): string {
  if (episode.caller.name) return episode.caller.name;
  const number = displayNumber(episode.caller.number, lineNamed(deps.act.routing, episode.line)?.country);
  return number ?? 'the caller';
}

function inputOf(submission: Submission, id: string) {
  return submission.view.state.values[id]?.[id];
}

/** The card a click came from, checked like every card click, and its call; null when answered already. */
async function clickedCard(
  deps: ListenerDeps,
  body: z.infer<typeof clickBody>,
  episodeId: string,
): Promise<{ origin: ModalOrigin; episode: Episode } | null> {
  const channel = body.container?.channel_id ?? body.channel?.id;
  const messageTs = body.container?.message_ts ?? body.message?.ts;
  const target = { channel, user: body.user.id };
  if (!channel || !messageTs || !(await isCardOf(deps, episodeId, channel, messageTs))) {
    deps.logger.warn(
      { episodeId, user: body.user.id, channel, messageTs },
      `slack: refused a modal for ${body.user.id}: message ${channel ?? '?'}/${messageTs ?? '?'} is not a card of that call`,
    );
    await tellPrivately(deps, target, FOREIGN_BUTTON_MESSAGE);
    return null;
  }
  const episode = await deps.store.episodes.get(episodeId);
  if (!episode) {
    await tellPrivately(deps, target, 'This call is no longer known to Ringback.');
    return null;
  }
  // The modals name the caller, and "Other number…" lists the requester's numbers from Zendesk: for agents
  // only, as every list of callers is (the click's own action would be refused anyway).
  const actor = await deps.identities.actorFor(body.user.id, body.user.name ?? body.user.username);
  const check = await deps.act.directory.checkAgent(actor);
  if (!check.ok) {
    deps.logger.info(
      { episodeId, user: body.user.id, reason: check.reason },
      'slack: refused a modal to a non-agent',
    );
    await tellPrivately(deps, target, check.message);
    return null;
  }
  return { origin: { episodeId, channel, messageTs }, episode };
}

async function openModal(
  deps: ListenerDeps,
  open: ViewsOpen,
  body: z.infer<typeof clickBody>,
  view: ReturnType<typeof snoozeModal>,
): Promise<void> {
  try {
    await open({ trigger_id: body.trigger_id, view });
  } catch (error) {
    deps.logger.warn({ err: error, user: body.user.id }, 'slack: views.open failed; the agent is told');
    await tellPrivately(
      deps,
      { channel: body.container?.channel_id ?? body.channel?.id, user: body.user.id },
      'Ringback could not open that form in time; please try again.',
    );
  }
}

/** A `ringback.snooze` choice: a preset is a card click like any other, "Pick a time…" opens the modal. */
async function onSnoozeChoice(deps: ListenerDeps, rawBody: unknown, open: ViewsOpen): Promise<void> {
  const parsed = clickBody.safeParse(rawBody);
  const chosen = parsed.success
    ? parseResolveOptionValue(parsed.data.actions[0]?.selected_option?.value ?? '')
    : null;
  if (!parsed.success || chosen?.outcome !== PICK_A_TIME) {
    await onCardAction(deps, rawBody);
    return;
  }
  const card = await clickedCard(deps, parsed.data, chosen.episodeId);
  if (!card) return;
  const view = snoozeModal({
    origin: card.origin,
    callerWords: callerWords(deps, card.episode),
    zone: timezoneOf(deps.act.routing, card.episode.line),
    now: deps.clock.now(),
  });
  await openModal(deps, open, parsed.data, view);
}

/** By when after the click the requester's numbers must be in, to leave views.open its time within 3 s. */
const OTHER_NUMBERS_BY_MS = 2_200;

/** "Other number…": the modal, with the requester's other numbers when Zendesk answers in time. */
async function onOtherNumber(deps: ListenerDeps, rawBody: unknown, open: ViewsOpen): Promise<void> {
  const parsed = clickBody.safeParse(rawBody);
  const episodeId = parsed.success ? parsed.data.actions[0]?.value : undefined;
  if (!parsed.success || !episodeId) {
    deps.logger.info('slack: an "other number" click did not parse; ignored');
    return;
  }
  const clickedAt = performance.now();
  const card = await clickedCard(deps, parsed.data, episodeId);
  if (!card) return;
  // Slack refuses a modal opened more than 3 s after the click, and the agent check may have spent its own
  // deadline (a slow help desk): the numbers get what is left. Not read before that check: they are for
  // agents only, and nothing is asked of the help desk on anyone else's behalf.
  const left = OTHER_NUMBERS_BY_MS - (performance.now() - clickedAt);
  const numbers =
    left <= 0
      ? []
      : await otherNumbersOf(deps.store, episodeId, {
          deadlineMs: Math.min(OTHER_NUMBERS_DEADLINE_MS, left),
          onError: (error) =>
            deps.logger.warn({ err: error, episodeId }, 'slack: the requester’s numbers could not be read'),
        });
  const view = numberModal({ origin: card.origin, callerWords: callerWords(deps, card.episode), numbers });
  await openModal(deps, open, parsed.data, view);
}

/**
 * A submitted modal: the same checks as a click (the card it came from, who clicked), then actOnCard.
 * Acknowledged only once the answer is known, since Slack shows field errors only in the acknowledgement.
 */
async function onSubmission(
  deps: ListenerDeps,
  rawBody: unknown,
  ack: ModalAck,
  read: (submission: Submission) => { action: CardAction; field: string } | { error: string; field: string },
): Promise<void> {
  const parsed = submissionBody.safeParse(rawBody);
  const origin = parsed.success ? parseModalMetadata(parsed.data.view.private_metadata) : null;
  if (!parsed.success || !origin) {
    deps.logger.info('slack: a modal submission did not parse; closed without a change');
    await ack();
    return;
  }
  const submission = parsed.data;
  const input = read(submission);
  const fail = (message: string) =>
    ack({ response_action: 'errors', errors: { [input.field]: message.slice(0, ERROR_MAX) } });
  if ('error' in input) {
    await fail(input.error);
    return;
  }
  try {
    if (!(await isCardOf(deps, origin.episodeId, origin.channel, origin.messageTs))) {
      deps.logger.warn(
        { episodeId: origin.episodeId, user: submission.user.id, channel: origin.channel },
        `slack: refused a ${submission.view.callback_id} submission: not from a card of that call`,
      );
      await fail(FOREIGN_BUTTON_MESSAGE);
      return;
    }
    const actor = await deps.identities.actorFor(
      submission.user.id,
      submission.user.name ?? submission.user.username,
    );
    const result = await actOnCard(deps.act, { episodeId: origin.episodeId, actor, action: input.action });
    // Accepted numbers are logged as stored (E.164), so the mask reads the same whatever was typed.
    const number =
      input.action.type !== 'set_number'
        ? null
        : result.status === 'accepted'
          ? (result.episode.callbackNumber ?? '')
          : input.action.number;
    const what = number === null ? 'snooze' : `number ${maskNumber(number)}`;
    deps.logger.info(
      {
        episodeId: origin.episodeId,
        modal: submission.view.callback_id,
        user: submission.user.id,
        result: result.status,
      },
      `slack: ${what} from the modal by ${submission.user.id}: ${result.status}`,
    );
    if (result.status === 'accepted' || result.status === 'unchanged') await ack();
    else await fail(result.message);
  } catch (error) {
    deps.logger.error({ err: error, episodeId: origin.episodeId }, 'slack: a modal submission failed');
    await fail('Something went wrong on our side and nothing changed; please try again.');
  }
}

function readSnooze(submission: Submission) {
  const date = inputOf(submission, MODAL_INPUTS.date)?.selected_date;
  const time = inputOf(submission, MODAL_INPUTS.time)?.selected_time;
  if (!date) return { error: 'Choose a day.', field: MODAL_INPUTS.date };
  if (!time) return { error: 'Choose a time.', field: MODAL_INPUTS.time };
  return {
    action: { type: 'snooze', choice: pickedSnoozeChoice(date, time) } as const,
    field: MODAL_INPUTS.time,
  };
}

function readNumber(submission: Submission) {
  const typed = inputOf(submission, MODAL_INPUTS.typedNumber)?.value?.trim();
  const chosen = inputOf(submission, MODAL_INPUTS.requesterNumber)?.selected_option?.value;
  // What the agent typed wins: they may have picked first, then heard another number from the caller.
  const number = typed || chosen;
  if (!number) {
    return { error: 'Type a number, or pick one of the requester’s.', field: MODAL_INPUTS.typedNumber };
  }
  return { action: { type: 'set_number', number } as const, field: MODAL_INPUTS.typedNumber };
}

export function registerCallbackListeners(app: App, deps: ListenerDeps): void {
  app.action(ACTION_IDS.snooze, async ({ ack, body, client }) => {
    await ack();
    await onSnoozeChoice(deps, body, (args) => client.views.open(args));
  });
  app.action(ACTION_IDS.callbackNumber, async ({ ack, body, client }) => {
    await ack();
    await onOtherNumber(deps, body, (args) => client.views.open(args));
  });
  app.view(SNOOZE_MODAL_ID, async ({ ack, body }) => {
    await onSubmission(deps, body, ack as ModalAck, readSnooze);
  });
  app.view(NUMBER_MODAL_ID, async ({ ack, body }) => {
    await onSubmission(deps, body, ack as ModalAck, readNumber);
  });
}
