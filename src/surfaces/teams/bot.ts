/**
 * The Teams bot: a teams-ai Application on the TeamsAdapter, routing Bot Framework activities to the
 * handlers (card actions, messages, team membership). Imported lazily by register.ts: the SDKs take about
 * two seconds to load, which a Slack-only process should not pay at startup.
 */
import { Application, type TurnState } from '@microsoft/teams-ai';
import {
  type Activity,
  ActivityTypes,
  INVOKE_RESPONSE_KEY,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { CommandDeps } from '../../app/commands.js';
import type { AgentDirectory } from '../../app/directory.js';
import type { ThreadHub } from '../../app/threads.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { Store } from '../../store/store.js';
import type { TeamsRepository } from '../../store/teams.js';
import { RingbackTeamsAdapter } from './adapter.js';
import type { TeamsAuth } from './auth.js';
import type { TeamsCards } from './cards.js';
import { HELP_TEXT } from './commands.js';
import { BotConnector, type TeamsConnector } from './connector.js';
import { TeamsConversations } from './conversations.js';
import type { CardDeliveries } from './deliveries.js';
import { TeamsIdentities } from './identity.js';
import { CARD_VERBS, type InvokeBody, TeamsInteractions } from './interactions.js';
import { reply, TeamsMessages } from './messages.js';

export interface TeamsBotDeps {
  store: Store;
  teams: TeamsRepository;
  cards: TeamsCards;
  deliveries: CardDeliveries;
  commands: CommandDeps;
  directory: AgentDirectory;
  threads: ThreadHub;
  routing: RoutingConfig;
  clock: Clock;
  logger: Logger;
  /** How long a click's answer waits for the card update for everyone (see interactions.ts). */
  invokeWaitMs: number;
}

export interface TeamsBot {
  /** Authenticates and runs one activity; throws an AuthenticationError for a bad or missing JWT. */
  run(authorization: string, activity: Activity): Promise<InvokeResponse | undefined>;
  connector: TeamsConnector;
}

const WELCOME = `Thanks for adding **Ringback**: missed calls will show up here as cards to claim, call back and resolve.

Ask \`@Ringback channels\` for the channel ids to put in the routing file.

${HELP_TEXT}`;

async function sendInvokeBody(context: TurnContext, body: InvokeBody): Promise<void> {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
}

function isInvoke(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Invoke;
}

export function createTeamsBot(auth: Exclude<TeamsAuth, { mode: 'off' }>, deps: TeamsBotDeps): TeamsBot {
  const { store, teams, clock, logger, routing, directory } = deps;
  const identities = new TeamsIdentities({ teams, clock, logger });
  const actorFor = (context: TurnContext) => identities.actorFor(context);
  const conversations = new TeamsConversations({ teams, clock, logger });
  const interactions = new TeamsInteractions({
    act: { commands: deps.commands, directory, routing },
    store,
    cards: deps.cards,
    deliveries: deps.deliveries,
    logger,
    actorFor,
    invokeWaitMs: deps.invokeWaitMs,
  });
  const messages = new TeamsMessages({
    store,
    clock,
    logger,
    threads: deps.threads,
    actorFor,
    commands: { store, clock, routing, directory, listChannels: () => teams.listChannels() },
  });
  const adapter = new RingbackTeamsAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    logger.error(
      { err: error, activity: context.activity.type, name: context.activity.name },
      'teams: an activity failed',
    );
    // A click must still get an answer, or Teams shows a generic error with no hint.
    if (isInvoke(context) && !context.turnState.get(INVOKE_RESPONSE_KEY)) {
      await context
        .sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: {
            status: 200,
            body: {
              statusCode: 200,
              type: 'application/vnd.microsoft.activity.message',
              value: 'Ringback could not do that just now; please try again.',
            },
          },
        })
        .catch(() => undefined);
    }
  };

  const app = new Application<TurnState>({
    adapter,
    botAppId: adapter.appId,
    startTypingTimer: false,
    removeRecipientMention: true,
  });

  app.adaptiveCards.actionExecute(CARD_VERBS, async (context, _state, data) => {
    const verb = String(context.activity.value?.action?.verb ?? '');
    const body = await interactions.execute(context, verb, data);
    // Our own answer: teams-ai would otherwise also update the message for everyone from inside the
    // turn, which the card-update job already does through the outbox.
    await sendInvokeBody(context, body);
    return body.type === 'application/vnd.microsoft.card.adaptive' ? body.value : String(body.value);
  });

  app.activity(ActivityTypes.Message, async (context) => {
    await conversations.rememberChannelOf(context);
    await messages.onMessage(context);
  });

  app.activity(ActivityTypes.ConversationUpdate, async (context) => {
    if (await conversations.onConversationUpdate(context)) await reply(context, { text: WELCOME });
  });

  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    if (await conversations.onInstallationUpdate(context)) await reply(context, { text: WELCOME });
  });

  return {
    run: (authorization, activity) =>
      adapter.run(authorization, activity, async (context) => {
        await app.run(context);
      }),
    connector: new BotConnector((serviceUrl) => adapter.connector(serviceUrl)),
  };
}
