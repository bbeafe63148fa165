/**
 * Card clicks (`Action.Execute` invokes) and refreshes. A click runs the same use case as a Slack click
 * (actOnCard); the answer is the clicker's own view of the card, plus a private line when nothing changed.
 * The update for everyone is the planner's job; the answer waits briefly for it so the clicker's view lands
 * last (clients without automatic refresh, such as the Agents Playground, keep showing what came last).
 */
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { type ActDeps, actOnCard, cardActionFor } from '../../app/act.js';
import { lineNamed, timezoneOf } from '../../app/routing.js';
import { ACTION_IDS } from '../../domain/actions.js';
import type { Actor } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import { actionDataIssue } from './actionData.js';
import { answerCallbackInput, CALLBACK_VERBS } from './callbackActions.js';
import { type AdaptiveCardJson, OUTCOME_INPUT_ID, REFRESH_VERB } from './card.js';
import type { TeamsCards } from './cards.js';
import { answerClaimNext } from './claimNext.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, channelOfConversation } from './connector.js';
import { type CardDeliveries, newerOf } from './deliveries.js';
import { isListClick, listClickAnswer } from './listCards.js';
import { chosenForReassign } from './reassign.js';
import { REASSIGN_INPUT_ID } from './reassignCard.js';

export const CARD_VERBS = [
  ACTION_IDS.claim,
  ACTION_IDS.release,
  ACTION_IDS.callback,
  ACTION_IDS.resolve,
  REFRESH_VERB,
  ...CALLBACK_VERBS,
  ACTION_IDS.reassign,
  ACTION_IDS.claimNext,
];

const actionData = z.looseObject({
  callId: z.string().min(1).max(200),
  [OUTCOME_INPUT_ID]: z.string().optional(),
});

/** The body of an `adaptiveCard/action` invoke response (Universal Actions). */
export type InvokeBody =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCardJson }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | { statusCode: 400; type: 'application/vnd.microsoft.error'; value: { code: string; message: string } };

export interface InteractionDeps {
  act: ActDeps;
  store: Store;
  cards: TeamsCards;
  deliveries: CardDeliveries;
  logger: Logger;
  actorFor: (context: TurnContext) => Promise<Actor>;
  /** How long a click's answer waits for the everyone-update to be delivered. */
  invokeWaitMs: number;
}

function cardBody(card: AdaptiveCardJson): InvokeBody {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

function messageBody(text: string): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

export class TeamsInteractions {
  constructor(private readonly deps: InteractionDeps) {}

  /** Is the message clicked (its channel and activity id) a stored Teams post of this call? */
  private async fromCardOf(context: TurnContext, episodeId: string): Promise<boolean> {
    const { conversation, replyToId } = context.activity;
    if (!conversation?.id || !replyToId) return false;
    const post = await this.deps.store.posts.get(episodeId, 'teams', channelOfConversation(conversation.id));
    return post !== null && post.ref === replyToId;
  }

  /** Answers one Action.Execute (a click, or a refresh when the verb is REFRESH_VERB). */
  async execute(context: TurnContext, verb: string, rawData: unknown): Promise<InvokeBody> {
    const { act, store, cards, deliveries, logger } = this.deps;
    // The storm queue message's button names a channel, not a call.
    if (verb === ACTION_IDS.claimNext) return answerClaimNext(this.deps, context, rawData);
    const data = actionData.safeParse(rawData);
    if (!data.success) {
      const issue = actionDataIssue(data.error);
      logger.info({ verb, issue }, `teams: a ${verb} card action Ringback cannot read: ${issue}`);
      return {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: `This card action cannot be read: ${issue}` },
      };
    }
    const episodeId = data.data.callId;
    // Before anything else (the roster included): a click counts only on a card Ringback posted for that call,
    // or on a personal-chat list (`mine`, `open`) for a call that list offers that button for.
    const fromList = isListClick({
      conversationType: context.activity.conversation?.conversationType,
      data: rawData,
      verb,
    });
    if (!fromList && !(await this.fromCardOf(context, episodeId))) {
      logger.warn(
        {
          verb,
          episode: episodeId,
          conversation: context.activity.conversation?.id,
          replyToId: context.activity.replyToId ?? null,
        },
        'teams: a card action refused: it does not come from a card Ringback posted for that call',
      );
      return messageBody(
        'Ringback did not post this card for that call, so it cannot act on it. Use the card in the call’s channel.',
      );
    }
    const actor = await this.deps.actorFor(context);
    const current = await store.episodes.get(episodeId);
    if (!current) return messageBody('This call is no longer known to Ringback.');
    if (verb === REFRESH_VERB) return cardBody(await cards.forViewer(current, actor));

    if (CALLBACK_VERBS.includes(verb)) {
      const now = act.commands.clock.now();
      return answerCallbackInput(this.deps, { verb, data: rawData, episode: current, actor, now });
    }
    let chosen: Actor | null = null;
    if (verb === ACTION_IDS.reassign) {
      const picked = await chosenForReassign(
        { teams: store.teams, clock: act.commands.clock, logger },
        context,
        data.data[REASSIGN_INPUT_ID],
      );
      if (!picked.ok) return cardBody(await cards.forViewer(current, actor, picked.notice));
      chosen = picked.person;
    }
    const outcome = data.data[OUTCOME_INPUT_ID];
    const action = cardActionFor(verb, outcome, chosen);
    if (!action) {
      const notice =
        verb === ACTION_IDS.resolve
          ? 'Choose an outcome, then press Resolve.'
          : 'This button is not known to Ringback.';
      return cardBody(await cards.forViewer(current, actor, notice));
    }
    const result = await actOnCard(act, { episodeId, actor, action });
    if (fromList) {
      if (result.status !== 'accepted') return messageBody(result.message);
      const { routing } = act;
      const line = result.episode.line;
      return messageBody(
        listClickAnswer(verb, result.episode, action.type === 'resolve' ? action.outcome : null, {
          now: act.commands.clock.now(),
          timezone: timezoneOf(routing, line),
          retryAttempts: lineNamed(routing, line)?.retry?.attempts ?? null,
        }),
      );
    }
    switch (result.status) {
      case 'accepted': {
        const delivered = await deliveries.waitFor(episodeId, result.episode.version, this.deps.invokeWaitMs);
        if (!delivered)
          logger.debug({ episode: episodeId }, 'teams: answering the click before the card update');
        // Another click may have changed the call while this one waited: answer with the newest card, not
        // an older one that would replace what everyone else already sees, for the clicker only.
        const newest = await newerOf(store, result.episode);
        return cardBody(await cards.forViewer(newest, actor));
      }
      case 'unchanged':
      case 'refused':
        return cardBody(await cards.forViewer(result.episode, actor, result.message));
      case 'not_agent':
        return cardBody(await cards.forViewer(current, actor, result.message));
      case 'not_found':
        return messageBody(result.message);
    }
  }
}
