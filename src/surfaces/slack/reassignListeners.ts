/**
 * A pick in the card's "hand to…" `users_select` (`ringback.reassign`): the chosen Slack user becomes a
 * person (users.info, cached, for the e-mail the directory matches agents by) and the call goes to them
 * through the same use case as every click (actOnCard), which checks the picker may hand it over and the
 * chosen person is an agent. The card, the thread line, the Zendesk assignee and the private messages
 * follow from the accepted event (src/app/reactions.ts `reassigned`).
 */
import type { App } from '@slack/bolt';
import { type ActResult, actOnCard } from '../../app/act.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { sameActor } from '../../domain/episode.js';
import type { Actor } from '../../domain/types.js';
import { blockActionsPayload } from './blockActions.js';
import { FOREIGN_BUTTON_MESSAGE, isCardOf, type ListenerDeps, tellPrivately } from './listeners.js';
import { escapeMrkdwn } from './mrkdwn.js';

const ACTIONS_BLOCK_PREFIX = 'ringback.actions:';

/** A Slack user id as `users_select` sends it (`U…`, or `W…` on Enterprise Grid). */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const REASSIGN_UNREADABLE = 'Ringback did not understand that choice; please pick the person again.';

export function unfitHolderMessage(name: string, unfit: 'bot' | 'deactivated'): string {
  const what = unfit === 'bot' ? 'an app, not a person' : 'a deactivated account';
  return `${escapeMrkdwn(name)} is ${what} and cannot take calls; nothing changed.`;
}

function replyTo(result: ActResult, actor: Actor, chosen: Actor): string {
  switch (result.status) {
    case 'accepted': {
      if (!sameActor(chosen, actor)) {
        return `You handed this call to *${escapeMrkdwn(chosen.name)}*; they have been told privately.`;
      }
      // A manager who picked their own name took the call: nobody else is told it was handed to them.
      const from = result.events.find((e) => e.type === 'reassigned')?.from ?? null;
      return from ? `You took this call from *${escapeMrkdwn(from.name)}*.` : 'You took this call.';
    }
    case 'unchanged':
    case 'refused':
    case 'not_agent':
    case 'not_found':
      return escapeMrkdwn(result.message);
  }
}

async function onReassign(deps: ListenerDeps, rawBody: unknown): Promise<void> {
  const parsed = blockActionsPayload.safeParse(rawBody);
  if (!parsed.success) {
    deps.logger.info(
      { issues: parsed.error.issues.length },
      'slack: a ringback.reassign payload did not parse; ignored',
    );
    return;
  }
  const body = parsed.data;
  const channel = body.container?.channel_id ?? body.channel?.id;
  const target = { channel, user: body.user.id, threadTs: body.container?.thread_ts };
  const action = body.actions.find((a) => a.action_id === ACTION_IDS.reassign);
  const episodeId = action?.block_id?.startsWith(ACTIONS_BLOCK_PREFIX)
    ? action.block_id.slice(ACTIONS_BLOCK_PREFIX.length)
    : null;
  const chosenId = action?.selected_user;
  if (!episodeId || !chosenId || !SLACK_USER_ID.test(chosenId)) {
    deps.logger.info({ user: body.user.id }, 'slack: ringback.reassign without a call id or a user; ignored');
    await tellPrivately(deps, target, REASSIGN_UNREADABLE);
    return;
  }
  try {
    const messageTs = body.container?.message_ts ?? body.message?.ts;
    if (!(await isCardOf(deps, episodeId, channel, messageTs))) {
      deps.logger.warn(
        { episodeId, user: body.user.id, channel, messageTs },
        `slack: refused ${ACTION_IDS.reassign} by ${body.user.id}: message ${channel ?? '?'}/${messageTs ?? '?'} is not a card of that call`,
      );
      await tellPrivately(deps, target, FOREIGN_BUTTON_MESSAGE);
      return;
    }
    const [actor, chosen, unfit] = await Promise.all([
      deps.identities.actorFor(body.user.id, body.user.name ?? body.user.username),
      deps.identities.actorFor(chosenId),
      deps.identities.unfitToHold(chosenId),
    ]);
    if (unfit) {
      deps.logger.info(
        { episodeId, user: body.user.id, to: chosenId, unfit },
        `slack: refused ${ACTION_IDS.reassign} by ${body.user.id} to ${chosenId}: a ${unfit} account`,
      );
      await tellPrivately(deps, target, unfitHolderMessage(chosen.name, unfit));
      return;
    }
    const result = await actOnCard(deps.act, {
      episodeId,
      actor,
      action: { type: 'reassign', to: chosen },
    });
    deps.logger.info(
      { episodeId, user: body.user.id, to: chosenId, result: result.status },
      `slack: ${ACTION_IDS.reassign} by ${body.user.id} to ${chosenId}: ${result.status}`,
    );
    await tellPrivately(deps, target, replyTo(result, actor, chosen));
  } catch (error) {
    deps.logger.error({ err: error, episodeId }, 'slack: a reassign failed');
    await tellPrivately(
      deps,
      target,
      'Something went wrong on our side and nothing changed; please try again.',
    );
  }
}

/** `ringback.reassign` on the card's user picker; acknowledged at once, acted on after. */
export function registerReassign(app: App, deps: ListenerDeps): void {
  app.action(ACTION_IDS.reassign, async ({ ack, body }) => {
    await ack();
    await onReassign(deps, body);
  });
}
