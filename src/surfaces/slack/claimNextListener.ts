/**
 * The Claim next button of a storm's queue message (`ringback.claim_next`, value: the channel). Acks at
 * once, claims through the shared use case (src/app/claimNext.ts) and tells the clicker privately which
 * call is theirs, with a link to its card when it is posted, else that its card follows.
 */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { type ClaimNextResult, claimNext } from '../../app/claimNext.js';
import { stormCall } from '../../chat/stormQueue.js';
import type { RoutingConfig } from '../../config/routing.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { ChannelCalls } from '../../store/channelCalls.js';
import { type ListenerDeps, tellPrivately } from './listeners.js';
import { escapeMrkdwn, link } from './mrkdwn.js';
import { stormCallLine } from './stormBlocks.js';

const claimNextBody = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional() }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z
    .object({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .passthrough()
    .optional(),
  actions: z
    .array(z.object({ action_id: z.literal(ACTION_IDS.claimNext), value: z.string().max(200).optional() }))
    .min(1),
});

export const CLAIM_NEXT_FOREIGN =
  'This Claim next button belongs to another channel, so nothing changed. Use the one in the channel whose calls you take.';
export const CLAIM_NEXT_NONE_LEFT =
  'Every call of this channel is claimed already: there is nothing left to take. `/ringback open` lists what is still open.';
const MINE_HINT = '`/ringback mine` lists the calls you hold.';

/** Where the card is, as Slack links it; null when Slack cannot say (the answer goes without a link). */
export type CardLinker = (channel: string, ts: string) => Promise<string | null>;

/** The private answer to a Claim next click, in mrkdwn. */
export function claimNextReply(
  routing: RoutingConfig,
  result: ClaimNextResult,
  cardLink: string | null,
): string {
  switch (result.status) {
    case 'not_agent':
      return escapeMrkdwn(result.message);
    case 'none_left':
      return CLAIM_NEXT_NONE_LEFT;
    case 'claimed': {
      const call = stormCallLine(stormCall(routing, result.episode)).replace(/^• /, '');
      const where = cardLink
        ? `${link(cardLink, 'Open its card')} to call back and record the outcome.`
        : result.post
          ? 'Its card is in this channel.'
          : 'Its card follows in this channel (Slack takes one new message a second); you can call back now.';
      return `You have the next call: ${call}\n${where}\n${MINE_HINT}`;
    }
  }
}

async function onClaimNext(deps: ListenerDeps, rawBody: unknown, cardLink: CardLinker): Promise<void> {
  const parsed = claimNextBody.safeParse(rawBody);
  if (!parsed.success) {
    deps.logger.info(
      { issues: parsed.error.issues.length },
      'slack: a claim_next payload did not parse; ignored',
    );
    return;
  }
  const body = parsed.data;
  const channel = body.container?.channel_id ?? body.channel?.id;
  const target = { channel, user: body.user.id };
  const value = body.actions[0]?.value;
  // The value names the channel whose calls are handed out; it must be the channel the button is in, so
  // a copied or forged button cannot hand out another channel's calls.
  if (!channel || value !== channel) {
    deps.logger.warn(
      { user: body.user.id, channel, value },
      `slack: refused claim_next by ${body.user.id}: the button names ${value ?? 'no channel'}, clicked in ${channel ?? '?'}`,
    );
    await tellPrivately(deps, target, CLAIM_NEXT_FOREIGN);
    return;
  }
  try {
    const actor = await deps.identities.actorFor(body.user.id, body.user.name ?? body.user.username);
    const result = await claimNext(
      {
        commands: deps.act.commands,
        directory: deps.act.directory,
        calls: new ChannelCalls(deps.store.db),
      },
      { surface: 'slack', channel, actor },
    );
    const episodeId = result.status === 'claimed' ? result.episode.id : null;
    deps.logger.info(
      { channel, user: body.user.id, result: result.status, episodeId },
      `slack: claim_next by ${body.user.id} in ${channel}: ${result.status}${episodeId ? ` ${episodeId}` : ''}`,
    );
    let permalink: string | null = null;
    if (result.status === 'claimed' && result.post) {
      permalink = await cardLink(result.post.channel, result.post.ref).catch((error: unknown) => {
        deps.logger.debug({ err: error }, 'slack: no permalink for the claimed card; answering without it');
        return null;
      });
    }
    await tellPrivately(deps, target, claimNextReply(deps.act.routing, result, permalink));
  } catch (error) {
    deps.logger.error({ err: error, channel }, 'slack: claim_next failed');
    await tellPrivately(
      deps,
      target,
      'Something went wrong on our side and nothing changed; please try again.',
    );
  }
}

export function registerClaimNext(app: App, deps: ListenerDeps): void {
  app.action(ACTION_IDS.claimNext, async ({ ack, body, client }) => {
    await ack();
    const cardLink: CardLinker = async (channel, ts) =>
      (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
    await onClaimNext(deps, body, cardLink);
  });
}
