/**
 * What Slack sends us: card clicks (block_actions), `/ringback`, and human messages in card threads.
 * Every listener acks first; what follows goes through the use cases and the jobs table.
 */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { type ActDeps, type ActResult, actOnCard, cardActionFor } from '../../app/act.js';
import { lineNamed } from '../../app/routing.js';
import type { ThreadHub } from '../../app/threads.js';
import type { Env } from '../../config/env.js';
import { ACTION_IDS } from '../../domain/actions.js';
import { displayNumber } from '../../domain/cardModel.js';
import type { Clock } from '../../domain/clock.js';
import type { Episode } from '../../domain/types.js';
import { jobOf } from '../../jobs/registry.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import { blockActionsPayload } from './blockActions.js';
import { parseResolveOptionValue } from './blocks.js';
import { registerCallbackListeners } from './callbackListeners.js';
import { registerClaimNext } from './claimNextListener.js';
import { answerCommand, type CommandDeps, parseRingbackCommand } from './command.js';
import { directMessageJob, isHomeClickOf, registerAppHome } from './home.js';
import type { SlackIdentities } from './identity.js';
import { ephemeralKind, respondKind } from './jobKinds.js';
import { escapeMrkdwn, link, slackTextToPlain } from './mrkdwn.js';
import { registerReassign } from './reassignListeners.js';
import { zendeskBaseUrl } from './render.js';

export interface ListenerDeps {
  act: ActDeps;
  command: CommandDeps;
  identities: SlackIdentities;
  threads: ThreadHub;
  store: Store;
  clock: Clock;
  logger: Logger;
  env: Env;
}

const slashCommandBody = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().optional(),
  team_domain: z.string().optional(),
  response_url: z.string().url(),
});

const messageEvent = z.object({
  type: z.literal('message'),
  subtype: z.string().optional(),
  channel: z.string().min(1),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().default(''),
  ts: z.string().min(1),
  thread_ts: z.string().optional(),
  /** The author's workspace: another one in a channel shared through Slack Connect. */
  user_team: z.string().optional(),
});

/** Human thread replies; edits, joins, bot posts and our own messages are not conversation. */
const HUMAN_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

function episodeIdOf(action: z.infer<typeof blockActionsPayload>['actions'][number]): {
  episodeId: string | null;
  outcome: string | null;
} {
  if (action.selected_option) {
    const parsed = parseResolveOptionValue(action.selected_option.value);
    const fromBlock = action.block_id?.startsWith('ringback.actions:')
      ? action.block_id.slice('ringback.actions:'.length)
      : null;
    return { episodeId: parsed?.episodeId ?? fromBlock, outcome: parsed?.outcome ?? null };
  }
  return { episodeId: action.value ?? null, outcome: null };
}

function callbackReply(deps: ListenerDeps, episode: Episode): string {
  const routing = deps.act.routing;
  const line = lineNamed(routing, episode.line);
  const who = episode.caller.name ? escapeMrkdwn(episode.caller.name) : 'the caller';
  const parts: string[] = [];
  // The number the card shows and Aircall dials: the one the caller asked for, else the one they called from.
  const target = episode.callbackNumber ?? episode.caller.number;
  if (target) {
    const number = displayNumber(target, line?.country) ?? target;
    parts.push(`Call ${who} back on ${link(`tel:${target}`, number)} (attempt ${episode.attempts}).`);
  } else {
    parts.push(
      `The number is withheld, so there is no number to call back (attempt ${episode.attempts} recorded).`,
    );
  }
  const base = zendeskBaseUrl(deps.env);
  if (episode.zendeskTicketId !== null) {
    parts.push(
      base
        ? `Zendesk ticket: ${link(`${base.replace(/\/$/, '')}/agent/tickets/${episode.zendeskTicketId}`, `#${episode.zendeskTicketId}`)}`
        : `Zendesk ticket #${episode.zendeskTicketId}`,
    );
  }
  if (deps.env.AIRCALL_API_ID && deps.env.AIRCALL_API_TOKEN && target) {
    parts.push(
      // POST /v1/users/:id/dial only puts the number in the agent's Aircall Phone: the agent presses call.
      'If you have an Aircall user, the number is ready in your Aircall Phone: press call there. Otherwise dial the number above.',
    );
  }
  parts.push('Pick the outcome on the card when you are done.');
  return parts.join('\n');
}

function replyFor(deps: ListenerDeps, result: ActResult, action: string): string | null {
  switch (result.status) {
    case 'accepted':
      return action === ACTION_IDS.callback ? callbackReply(deps, result.episode) : null;
    case 'unchanged':
    case 'refused':
    case 'not_agent':
    case 'not_found':
      // Plain words that may carry people's names (e.g. "<!here> already has this call").
      return escapeMrkdwn(result.message);
  }
}

export async function tellPrivately(
  deps: ListenerDeps,
  target: { channel: string | undefined; user: string; threadTs?: string | undefined },
  text: string,
): Promise<void> {
  if (!target.channel) {
    // A click on the App Home has no channel: the answer goes to the app's DM with the clicker.
    await deps.store.enqueue([directMessageJob(target.user, text)], deps.clock.now());
    return;
  }
  await deps.store.enqueue(
    [
      jobOf(ephemeralKind, {
        channel: target.channel,
        user: target.user,
        text,
        ...(target.threadTs ? { threadTs: target.threadTs } : {}),
      }),
    ],
    deps.clock.now(),
  );
}

export const FOREIGN_BUTTON_MESSAGE = 'This button does not belong to that call, so nothing changed.';

/**
 * A click acts on the call its value names only when it came from that call's card: the message Slack
 * says was clicked (channel + ts) must be a stored post of that call. A signed payload can still carry a
 * forged value (another call's id, a copied button in some other message).
 */
export async function isCardOf(
  deps: ListenerDeps,
  episodeId: string,
  channel: string | undefined,
  messageTs: string | undefined,
): Promise<boolean> {
  if (!channel || !messageTs) return false;
  const post = await deps.store.posts.get(episodeId, 'slack', channel);
  return post !== null && post.ref === messageTs;
}

export async function onCardAction(deps: ListenerDeps, rawBody: unknown): Promise<void> {
  const parsed = blockActionsPayload.safeParse(rawBody);
  if (!parsed.success) {
    deps.logger.info(
      { issues: parsed.error.issues.length },
      'slack: a block_actions payload did not parse; ignored',
    );
    return;
  }
  const body = parsed.data;
  const action = body.actions[0];
  if (!action) return;
  const channel = body.container?.channel_id ?? body.channel?.id;
  const target = { channel, user: body.user.id, threadTs: body.container?.thread_ts };
  const { episodeId, outcome } = episodeIdOf(action);
  const cardAction = cardActionFor(action.action_id, outcome);
  if (!episodeId || !cardAction) {
    deps.logger.info(
      { actionId: action.action_id },
      'slack: a card action without a call id or outcome; ignored',
    );
    await tellPrivately(deps, target, 'Ringback did not understand that click; please try again.');
    return;
  }
  try {
    const messageTs = body.container?.message_ts ?? body.message?.ts;
    if (!(await isCardOf(deps, episodeId, channel, messageTs)) && !isHomeClickOf(rawBody, episodeId)) {
      deps.logger.warn(
        { episodeId, action: action.action_id, user: body.user.id, channel, messageTs },
        `slack: refused ${action.action_id} by ${body.user.id}: message ${channel ?? '?'}/${messageTs ?? '?'} is not a card of that call`,
      );
      await tellPrivately(deps, target, FOREIGN_BUTTON_MESSAGE);
      return;
    }
    const actor = await deps.identities.actorFor(body.user.id, body.user.name ?? body.user.username);
    const result = await actOnCard(deps.act, { episodeId, actor, action: cardAction });
    deps.logger.info(
      { episodeId, action: action.action_id, user: body.user.id, result: result.status },
      `slack: ${action.action_id} by ${body.user.id}: ${result.status}`,
    );
    const reply = replyFor(deps, result, action.action_id);
    if (reply) await tellPrivately(deps, target, reply);
  } catch (error) {
    deps.logger.error({ err: error, episodeId, action: action.action_id }, 'slack: a card action failed');
    await tellPrivately(
      deps,
      target,
      'Something went wrong on our side and nothing changed; please try again.',
    );
  }
}

async function onCommand(deps: ListenerDeps, rawBody: unknown): Promise<void> {
  const parsed = slashCommandBody.safeParse(rawBody);
  if (!parsed.success) {
    deps.logger.info('slack: a slash command payload did not parse; ignored');
    return;
  }
  const body = parsed.data;
  let answer: Awaited<ReturnType<typeof answerCommand>>;
  try {
    const actor = await deps.identities.actorFor(body.user_id, body.user_name);
    answer = await answerCommand(
      deps.command,
      // Slack sends a command's &, < and > as &amp;, &lt; and &gt;: "Sales &amp; Support" names no line.
      parseRingbackCommand(slackTextToPlain(body.text)),
      actor,
      body.team_domain ?? null,
      body.channel_id ?? null,
    );
  } catch (error) {
    deps.logger.error({ err: error }, 'slack: /ringback failed');
    answer = {
      message: { text: 'Something went wrong on our side; please try again.', blocks: [] },
      public: false,
    };
  }
  await deps.store.enqueue(
    [
      jobOf(respondKind, {
        responseUrl: body.response_url,
        text: answer.message.text,
        ...(answer.message.blocks.length > 0
          ? { blocks: answer.message.blocks as unknown as Record<string, unknown>[] }
          : {}),
        public: answer.public,
      }),
    ],
    deps.clock.now(),
  );
}

async function onMessage(
  deps: ListenerDeps,
  rawEvent: unknown,
  eventId: string | null,
  botUserId: string | undefined,
  ownTeam: string | undefined,
): Promise<void> {
  const parsed = messageEvent.safeParse(rawEvent);
  if (!parsed.success) return;
  const event = parsed.data;
  if (!event.thread_ts || event.thread_ts === event.ts) return;
  if (event.user_team && ownTeam && event.user_team !== ownTeam) {
    // A partner's member in a Slack Connect channel: their words are not the team's notes on the call, and
    // must not reach the Zendesk ticket (the workspace guard sees only our own installation on events).
    deps.logger.info(
      { channel: event.channel, userTeam: event.user_team },
      'slack: a reply from another workspace in a card thread is not mirrored',
    );
    return;
  }
  if (event.bot_id || !event.user || event.user === botUserId || !HUMAN_SUBTYPES.has(event.subtype)) return;
  if (event.text.trim() === '') return;
  const post = await deps.store.posts.findByRef('slack', event.channel, event.thread_ts);
  if (!post) return;
  const author = await deps.identities.actorFor(event.user);
  const now = deps.clock.now();
  const seconds = Number(event.ts);
  await deps.store.transaction(async (repos) => {
    // Slack redelivers events it thinks were not acknowledged in time.
    if (eventId && !(await repos.deliveries.recordOnce('slack', eventId, now))) return;
    await repos.enqueue(
      deps.threads.planHumanMessage({
        episodeId: post.episodeId,
        author,
        text: slackTextToPlain(event.text),
        messageRef: event.ts,
        at: Number.isFinite(seconds) ? Math.round(seconds * 1000) : now,
      }),
      now,
    );
  });
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  for (const id of [ACTION_IDS.claim, ACTION_IDS.release, ACTION_IDS.callback, ACTION_IDS.resolve]) {
    app.action(id, async ({ ack, body }) => {
      await ack();
      await onCardAction(deps, body);
    });
  }
  // A link button still sends a click; Slack shows an error unless it is acknowledged.
  app.action(ACTION_IDS.openTicket, async ({ ack }) => {
    await ack();
  });
  app.action(/^(?!ringback\.)/, async ({ ack }) => {
    await ack();
  });

  registerCallbackListeners(app, deps);
  registerReassign(app, deps);
  registerClaimNext(app, deps);

  registerAppHome(app, deps);

  app.command('/ringback', async ({ ack, body }) => {
    await ack();
    await onCommand(deps, body);
  });

  app.event('message', async ({ event, body, context }) => {
    const eventId =
      typeof (body as { event_id?: unknown }).event_id === 'string'
        ? (body as { event_id: string }).event_id
        : null;
    try {
      await onMessage(deps, event, eventId, context.botUserId, context.teamId);
    } catch (error) {
      deps.logger.error({ err: error }, 'slack: a thread message could not be handled');
    }
  });

  app.error(async (error) => {
    deps.logger.error({ err: error }, 'slack: Bolt reported an error');
  });
}
