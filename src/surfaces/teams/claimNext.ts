/**
 * The Claim next button of Teams' storm queue message (`Action.Execute`, verb `ringback.claim_next`, data
 * `{ channel }`): the shared use case (src/app/claimNext.ts) claims the next call, and the clicker is told
 * privately (the invoke's own answer) which one, with a link to its card when it is posted.
 */
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { type ClaimNextResult, claimNext } from '../../app/claimNext.js';
import { stormCall } from '../../chat/stormQueue.js';
import type { RoutingConfig } from '../../config/routing.js';
import { ChannelCalls } from '../../store/channelCalls.js';
import { escapeMarkdown } from './card.js';
import { channelOfConversation } from './connector.js';
import type { InteractionDeps, InvokeBody } from './interactions.js';
import { teamsStormCallLine } from './stormCard.js';

const claimNextData = z.looseObject({ channel: z.string().min(1).max(300) });

export const TEAMS_CLAIM_NEXT_FOREIGN =
  'This Claim next button belongs to another channel, so nothing changed. Use the one in the channel whose calls you take.';
export const TEAMS_CLAIM_NEXT_NONE_LEFT =
  'Every call of this channel is claimed already: there is nothing left to take. `@Ringback open` lists what is still open.';

function message(text: string): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

/** A link that opens a channel message in Teams (its own post: parent and message are the same id). */
export function teamsMessageLink(channelId: string, messageId: string, tenantId: string | null): string {
  const query = new URLSearchParams({ parentMessageId: messageId });
  if (tenantId) query.set('tenantId', tenantId);
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(channelId)}/${encodeURIComponent(messageId)}?${query.toString()}`;
}

/** The private answer to a Claim next click, in Teams markdown. */
export function teamsClaimNextReply(
  routing: RoutingConfig,
  result: ClaimNextResult,
  cardLink: string | null,
): string {
  switch (result.status) {
    case 'not_agent':
      return escapeMarkdown(result.message);
    case 'none_left':
      return TEAMS_CLAIM_NEXT_NONE_LEFT;
    case 'claimed': {
      const call = teamsStormCallLine(stormCall(routing, result.episode));
      const where = cardLink
        ? `[Open its card](${cardLink}) to call back and record the outcome.`
        : 'Its card follows in this channel (Teams takes a few cards a second); you can call back now.';
      return `You have the next call: ${call}.\n\n${where}\n\n\`@Ringback mine\` lists the calls you hold.`;
    }
  }
}

export async function answerClaimNext(
  deps: InteractionDeps,
  context: TurnContext,
  rawData: unknown,
): Promise<InvokeBody> {
  const { act, store, logger } = deps;
  const data = claimNextData.safeParse(rawData);
  const conversation = context.activity.conversation?.id;
  const clickedIn = conversation ? channelOfConversation(conversation) : null;
  if (!data.success || !clickedIn || data.data.channel !== clickedIn) {
    logger.warn(
      { named: data.success ? data.data.channel : null, clickedIn },
      'teams: claim_next refused: the button does not name the channel it was clicked in',
    );
    return message(TEAMS_CLAIM_NEXT_FOREIGN);
  }
  const channel = data.data.channel;
  const actor = await deps.actorFor(context);
  const result = await claimNext(
    { commands: act.commands, directory: act.directory, calls: new ChannelCalls(store.db) },
    { surface: 'teams', channel, actor },
  );
  const episodeId = result.status === 'claimed' ? result.episode.id : null;
  logger.info(
    { channel, result: result.status, episodeId },
    `teams: claim_next in ${channel}: ${result.status}${episodeId ? ` ${episodeId}` : ''}`,
  );
  let link: string | null = null;
  if (result.status === 'claimed' && result.post) {
    const known = await store.teams.getChannel(channel);
    link = teamsMessageLink(channel, result.post.ref, known?.tenantId ?? null);
  }
  return message(teamsClaimNextReply(act.routing, result, link));
}
