/**
 * Messages to the bot. In a card's reply chain, what people write is the team talking about that caller:
 * it is reported to the thread hub (Zendesk keeps it as a side conversation); an @Ringback command there is
 * still a command. Elsewhere (a channel with an @mention, a personal chat) the text is a command.
 */
import type { TurnContext } from 'botbuilder';
import type { ThreadHub } from '../../app/threads.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import type { Logger } from '../../observability/logger.js';
import { vendorPolicies } from '../../resilience/vendorPolicy.js';
import type { Store } from '../../store/store.js';
import {
  answerTeamsCommand,
  parseTeamsCommand,
  type TeamsAnswer,
  type TeamsCommandDeps,
} from './commands.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, channelOfConversation, rootOfConversation } from './connector.js';
import { teamsTextToPlain } from './text.js';

export interface MessageDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  threads: ThreadHub;
  commands: TeamsCommandDeps;
  actorFor: (context: TurnContext) => Promise<Actor>;
}

function mentionsBot(context: TurnContext): boolean {
  const botId = context.activity.recipient.id;
  return (context.activity.entities ?? []).some(
    (e) => e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === botId,
  );
}

/**
 * The text without any mention of the bot: Teams sends a name of several words ("Ringback Rappels", a
 * localised name) as one mention entity per word, and teams-ai removes only the first.
 */
export function withoutBotMentions(activity: TurnContext['activity']): string {
  let text = activity.text ?? '';
  for (const entity of activity.entities ?? []) {
    const mention = entity as { type?: string; text?: unknown; mentioned?: { id?: string } };
    if (mention.type !== 'mention' || typeof mention.text !== 'string' || mention.text === '') continue;
    if (mention.mentioned?.id !== activity.recipient?.id) continue;
    text = text.split(mention.text).join('');
  }
  return text.trim();
}

export class TeamsMessages {
  constructor(private readonly deps: MessageDeps) {}

  async onMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    // teams-ai has already taken the first "@Ringback" out of the text; the rest go here.
    const text = teamsTextToPlain(withoutBotMentions(activity));
    const conversationId = activity.conversation.id;
    const inChannel = activity.conversation.conversationType === 'channel';
    const mentioned = mentionsBot(context);

    if (inChannel && rootOfConversation(conversationId)) {
      const post = await this.deps.store.posts.findByRef(
        'teams',
        channelOfConversation(conversationId),
        conversationId,
      );
      if (post) {
        const command = parseTeamsCommand(text);
        if (!mentioned || command.kind === 'unknown') {
          await this.threadMessage(context, post.episodeId, text);
          return;
        }
      }
    }
    // With the channel-messages permission Teams sends every channel message; only the ones for us count.
    if (inChannel && !mentioned) return;
    await this.command(context, text);
  }

  private async threadMessage(context: TurnContext, episodeId: string, text: string): Promise<void> {
    if (text === '') return;
    const { store, clock, threads, logger } = this.deps;
    const author = await this.deps.actorFor(context);
    const now = clock.now();
    const jobs = threads.planHumanMessage({
      episodeId,
      author,
      text,
      messageRef: context.activity.id ?? `${context.activity.conversation.id}:${now}`,
      at: now,
    });
    if (jobs.length === 0) return;
    await store.transaction((repos) => repos.enqueue(jobs, now));
    logger.debug({ episode: episodeId, jobs: jobs.length }, 'teams: thread message passed on');
  }

  private async command(context: TurnContext, text: string): Promise<void> {
    const actor = await this.deps.actorFor(context);
    const conversationId = context.activity.conversation.id;
    const inChannel = context.activity.conversation.conversationType === 'channel';
    const answer = await answerTeamsCommand(this.deps.commands, parseTeamsCommand(text), actor, {
      channelId: inChannel ? channelOfConversation(conversationId) : null,
      // A group chat has no channel but is not personal either: its list gets no buttons (clicks from one
      // are refused, as list cards are only acted on in the asker's own chat).
      conversationType: context.activity.conversation.conversationType ?? 'personal',
    });
    await reply(context, answer);
  }
}

/**
 * The answer goes back in the turn, like any bot reply in Teams: it is the response to the message, not
 * an effect of a state change, so it needs no outbox (asking again asks again).
 */
export async function reply(context: TurnContext, answer: TeamsAnswer): Promise<void> {
  // Sent by the SDK's own client for this turn, which has no timeout: the Teams policy gives it one.
  await vendorPolicies.get('teams').request('reply', () => sendReply(context, answer));
}

async function sendReply(context: TurnContext, answer: TeamsAnswer): Promise<void> {
  await context.sendActivity(
    answer.card
      ? {
          type: 'message',
          text: answer.text,
          textFormat: 'markdown',
          attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: answer.card }],
        }
      : { type: 'message', text: answer.text, textFormat: 'markdown' },
  );
}
