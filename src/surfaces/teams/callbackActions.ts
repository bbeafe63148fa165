/**
 * Teams' side of "call back later" (`ringback.snooze`) and "call back on another number"
 * (`ringback.callback_number`): reads the card's inputs from the Execute's data, runs the same use case as
 * Slack's select and modals (actOnCard), and answers the clicker. What cannot be used is answered as the
 * invoke's message, so the card keeps what the person typed and they can correct it.
 */
import { z } from 'zod';
import { actOnCard, type CardAction } from '../../app/act.js';
import { timezoneOf } from '../../app/routing.js';
import { maskNumber, otherNumbersOf } from '../../chat/otherNumbers.js';
import { typedSnoozeChoice } from '../../chat/snoozeChoice.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { Actor, Episode } from '../../domain/types.js';
import { actionDataIssue } from './actionData.js';
import { CALLBACK_INPUTS, withRequesterNumbers } from './callbackInputs.js';
import type { AdaptiveCardJson } from './card.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from './connector.js';
import { newerOf } from './deliveries.js';
import type { InteractionDeps, InvokeBody } from './interactions.js';

/** The verbs answered here. */
export const CALLBACK_VERBS: string[] = [ACTION_IDS.snooze, ACTION_IDS.callbackNumber];

const inputs = z.looseObject({
  [CALLBACK_INPUTS.snoozeChoice]: z.string().max(64).optional(),
  [CALLBACK_INPUTS.snoozeAt]: z.string().max(200).optional(),
  [CALLBACK_INPUTS.typedNumber]: z.string().max(200).optional(),
  [CALLBACK_INPUTS.requesterNumber]: z.string().max(40).optional(),
});

function cardBody(card: AdaptiveCardJson): InvokeBody {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

function messageBody(text: string): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

/** Answers a `ringback.snooze` or `ringback.callback_number` Execute on a card already checked as the call's. */
export async function answerCallbackInput(
  deps: InteractionDeps,
  input: { verb: string; data: unknown; episode: Episode; actor: Actor; now: number },
): Promise<InvokeBody> {
  const { act, cards, deliveries, logger, store } = deps;
  const { episode, actor } = input;
  const parsed = inputs.safeParse(input.data);
  if (!parsed.success) {
    const issue = actionDataIssue(parsed.error);
    logger.info({ verb: input.verb, issue }, `teams: a ${input.verb} input Ringback cannot read: ${issue}`);
    return messageBody(`Ringback could not read that input (${issue}); please correct it and try again.`);
  }
  const data = parsed.data;
  let action: CardAction;
  if (input.verb === ACTION_IDS.snooze) {
    const typed = data[CALLBACK_INPUTS.snoozeAt]?.trim();
    const zone = timezoneOf(act.routing, episode.line);
    const choice = typed
      ? typedSnoozeChoice(typed, { zone, now: input.now })
      : data[CALLBACK_INPUTS.snoozeChoice];
    if (!choice) return messageBody('Choose when to call back, or type a time such as 17:00.');
    action = { type: 'snooze', choice };
  } else {
    // What the agent typed wins: they may have picked first, then heard another number from the caller.
    const number = data[CALLBACK_INPUTS.typedNumber]?.trim() || data[CALLBACK_INPUTS.requesterNumber];
    if (!number) {
      const numbers = await otherNumbersOf(store, episode.id, {
        onError: (error) =>
          logger.warn(
            { err: error, episode: episode.id },
            'teams: the requester’s numbers could not be read',
          ),
      });
      if (numbers.length === 0) return messageBody('Type the number to call back on, with its country code.');
      const card = await cards.forViewer(episode, actor, 'Pick one of the requester’s numbers, or type one.');
      return cardBody(withRequesterNumbers(card, numbers));
    }
    action = { type: 'set_number', number };
  }
  const result = await actOnCard(act, { episodeId: episode.id, actor, action });
  logger.info(
    {
      verb: input.verb,
      episode: episode.id,
      result: result.status,
      // Accepted numbers are logged as stored (E.164), so the mask reads the same whatever was typed.
      ...(action.type === 'set_number'
        ? {
            number: maskNumber(
              result.status === 'accepted' ? (result.episode.callbackNumber ?? '') : action.number,
            ),
          }
        : {}),
    },
    `teams: ${input.verb} by ${actor.id}: ${result.status}`,
  );
  switch (result.status) {
    case 'accepted': {
      const delivered = await deliveries.waitFor(episode.id, result.episode.version, deps.invokeWaitMs);
      if (!delivered)
        logger.debug({ episode: episode.id }, 'teams: answering the click before the card update');
      // Another click may have changed the call while this one waited: answer with the newest card, not
      // an older one that would replace what everyone else already sees, for the clicker only.
      const newest = await newerOf(store, result.episode);
      return cardBody(await cards.forViewer(newest, actor));
    }
    case 'unchanged':
      return cardBody(await cards.forViewer(result.episode, actor, result.message));
    case 'refused':
    case 'not_agent':
    case 'not_found':
      return messageBody(result.message);
  }
}
