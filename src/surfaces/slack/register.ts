/**
 * The Slack surface: Bolt on the shared server (HTTP at POST /slack/events, or Socket Mode when
 * SLACK_APP_TOKEN is set), the card translator, the Slack job handlers, thread and notice surfaces.
 * Off when the credentials are absent (the startup log says so).
 */
import { App, ExpressReceiver, SocketModeReceiver } from '@slack/bolt';
import { Router } from 'express';
import { type AdapterContext, type RegisterAdapter, runsJobs, servesUsers } from '../../adapters/context.js';
import type { ChatOutbox } from '../../chat/outbox.js';
import { registerChatSurface } from '../../chat/register.js';
import { vendorPolicies } from '../../resilience/vendorPolicy.js';
import { DEFAULT_SLACK_API_URL, SlackApi } from './api.js';
import { homeTranslator, registerHomeJobs } from './home.js';
import { SLACK_EVENTS_PATH, slackSignatureGuard } from './http.js';
import { SlackIdentities } from './identity.js';
import { LaneRunner } from './laneRunner.js';
import { registerListeners } from './listeners.js';
import { slackLogger } from './logging.js';
import { registerSlackReplies } from './replies.js';
import { registerSlackReports } from './reports.js';
import { DEFAULT_SENDER_OPTIONS, type SenderOptions } from './settings.js';
import { SlackChatSurface } from './surface.js';
import { workspaceGuard } from './workspace.js';

export interface SlackAdapterOptions {
  /** In-client retries of Web API calls (tests use 0; the jobs table retries anyway). */
  retries?: number;
  /** Pacing and lane settings. */
  sender?: Partial<SenderOptions>;
  identityTtlMs?: number;
  /** The cap of `/ringback export` in chat (characters); tests only, see SlackReportDeps.maxExportChars. */
  maxExportChars?: number;
  /** Called with the running pieces (tests and the bench look inside). */
  onReady?: (slack: SlackSurface) => void;
}

export interface SlackSurface {
  api: SlackApi;
  surface: SlackChatSurface;
  outbox: ChatOutbox;
  lanes: LaneRunner;
  app: App;
  mode: 'http' | 'socket';
}

const SLACK_HOOKS_ORIGIN = 'https://hooks.slack.com';

type AuthTest = Awaited<ReturnType<SlackApi['authTest']>>;

/** Finds the bot's own ids and workspace once (auth.test) and keeps asking until Slack answers. */
class BotIdentity {
  private pending: Promise<AuthTest> | null = null;

  constructor(private readonly api: SlackApi) {}

  get(): Promise<AuthTest> {
    this.pending ??= this.api.authTest().catch((error: unknown) => {
      this.pending = null;
      throw error;
    });
    return this.pending;
  }
}

export function createSlackAdapter(options: SlackAdapterOptions = {}): RegisterAdapter {
  return (ctx: AdapterContext) => {
    const { env, routing } = ctx.config;
    const token = env.SLACK_BOT_TOKEN;
    const appToken = env.SLACK_APP_TOKEN;
    const signingSecret = env.SLACK_SIGNING_SECRET;
    if (!token || (!appToken && !signingSecret)) return;

    const apiUrl = env.SLACK_API_URL ?? DEFAULT_SLACK_API_URL;
    const logger = ctx.logger.child({ surface: 'slack' });
    const api = new SlackApi({
      token,
      apiUrl,
      retries: options.retries ?? 2,
      logger,
      metrics: ctx.metrics,
    });
    const identities = new SlackIdentities({
      api,
      store: ctx.store,
      clock: ctx.clock,
      logger,
      ...(options.identityTtlMs !== undefined ? { ttlMs: options.identityTtlMs } : {}),
    });
    const senderOptions = { ...DEFAULT_SENDER_OPTIONS, ...options.sender };
    const surface = new SlackChatSurface({
      api,
      store: ctx.store,
      clock: ctx.clock,
      logger,
      routing,
      env,
      options: senderOptions,
    });
    const outbox = registerChatSurface(ctx, surface, { maxInlineWaitMs: senderOptions.maxInlineWaitMs });
    const lanes = new LaneRunner({
      api,
      store: ctx.store,
      clock: ctx.clock,
      routing,
      env,
      outbox,
      options: senderOptions,
      logger: ctx.logger.child({ surface: 'slack' }),
    });
    lanes.register(ctx.runner);
    registerSlackReplies(ctx.runner, {
      api,
      pacing: outbox.pacing,
      responseOrigins: [...new Set([SLACK_HOOKS_ORIGIN, new URL(apiUrl).origin])],
    });
    registerSlackReports(ctx.runner, {
      api,
      store: ctx.store,
      clock: ctx.clock,
      routing,
      logger,
      maxExportChars: options.maxExportChars,
    });
    registerHomeJobs(ctx.runner, {
      api,
      store: ctx.store,
      clock: ctx.clock,
      routing,
      identities,
      directory: ctx.directory,
      logger,
    });
    ctx.addIntentTranslator(homeTranslator(ctx.clock, routing));

    const bot = new BotIdentity(api);
    const boltLogger = slackLogger(logger, 'slack-bolt');
    // Bolt's own client serves the listeners' few direct calls (views.open, a permalink): the same
    // timeout as every other Slack request, so a hung Slack cannot hold a click's handler for minutes.
    const clientOptions = {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: vendorPolicies.get('slack').timeoutMs,
      logger: boltLogger,
    };
    // Our own authorize: Bolt's default calls auth.test once at construction and, if Slack is unreachable
    // at that moment, refuses every request until restart. It returns no teamId on purpose: Bolt then keeps
    // the payload's team in the context, which the workspace guard compares with ours.
    const authorize = async () => {
      const ids = await bot.get();
      return { botToken: token, botId: ids.botId, botUserId: ids.userId };
    };

    let app: App;
    let mode: SlackSurface['mode'];
    if (appToken) {
      mode = 'socket';
      const receiver = new SocketModeReceiver({
        appToken,
        logger: boltLogger,
        // Socket Mode retries apps.connections.open on its own (100 times, growing waits): each attempt
        // gets the Slack timeout, so one that hangs is retried rather than waited for forever.
        installerOptions: {
          clientOptions: { slackApiUrl: apiUrl, timeout: vendorPolicies.get('slack').timeoutMs },
        },
      });
      app = new App({ receiver, socketMode: true, authorize, logger: boltLogger, clientOptions });
      // One connection per process: Slack hands it the clicks, which the answering thread takes.
      if (servesUsers(ctx.role)) {
        ctx.onStart(async () => {
          // Not awaited: while Slack is unreachable the connection is retried for a long time, and the
          // process must start meanwhile (webhooks stored, Zendesk polled, cards queued for later).
          app.start().then(
            () => logger.info('slack: connected in Socket Mode'),
            (error: unknown) =>
              logger.error({ err: error }, 'slack: could not connect in Socket Mode; clicks will not arrive'),
          );
        });
        ctx.onStop(async () => {
          await app.stop();
        });
      }
    } else {
      mode = 'http';
      const secret = signingSecret as string;
      const receiver = new ExpressReceiver({
        signingSecret: secret,
        endpoints: SLACK_EVENTS_PATH,
        router: Router(),
        logger: boltLogger,
        processBeforeResponse: false,
        // A signed body Bolt cannot make sense of (no type, a broken payload) is the sender's mistake:
        // answer 4xx JSON and log it once, never Bolt's bare 500.
        processEventErrorHandler: async ({ error, response }) => {
          if (response.headersSent) return false;
          logger.info({ err: error }, 'slack: could not process a signed request');
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ error: 'unprocessable_event', detail: 'Bolt could not process this event' }),
          );
          return true;
        },
      });
      app = new App({ receiver, authorize, logger: boltLogger, clientOptions });
      ctx.addMount((server) => {
        server.post(
          SLACK_EVENTS_PATH,
          ...slackSignatureGuard({
            signingSecret: secret,
            logger,
            metrics: ctx.metrics,
            signatures: ctx.store.signatures,
          }),
        );
        server.use(receiver.router);
      });
    }

    app.use(workspaceGuard({ ownWorkspace: () => bot.get(), logger }));
    registerListeners(app, {
      act: { commands: ctx.commands, directory: ctx.directory, routing },
      command: { store: ctx.store, clock: ctx.clock, routing, directory: ctx.directory, doctor: ctx.doctor },
      identities,
      threads: ctx.threads,
      store: ctx.store,
      clock: ctx.clock,
      logger,
      env,
    });

    let sweep: NodeJS.Timeout | null = null;
    const wakeLanes = () =>
      lanes.wakeWaitingLanes().catch((error: unknown) => {
        logger.warn(
          { err: error },
          'slack: could not wake the lanes of queued cards; the next card wakes them',
        );
      });
    ctx.onStop(async () => {
      if (sweep) clearInterval(sweep);
    });
    ctx.onStart(async () => {
      // A lane that was running when the process stopped has its cards still queued; and a wake-up can be lost
      // between replicas (SenderOptions.laneSweepMs), so the queued cards' lanes are woken now and then.
      if (runsJobs(ctx.role)) {
        await wakeLanes();
        sweep = setInterval(() => void wakeLanes(), senderOptions.laneSweepMs);
        sweep.unref();
      }
      // Not awaited either: a Slack that hangs would hold the other start hooks for the whole timeout.
      bot.get().then(
        (ids) =>
          logger.info(
            { botUserId: ids.userId, teamId: ids.teamId, enterpriseId: ids.enterpriseId },
            `slack: signed in as bot user ${ids.userId} of workspace ${ids.teamId ?? ids.enterpriseId ?? 'unknown'}; requests from other workspaces are refused`,
          ),
        (error: unknown) =>
          logger.warn({ err: error }, 'slack: auth.test failed; will try again on the first request'),
      );
    });
    options.onReady?.({ api, surface, outbox, lanes, app, mode });
  };
}

/** The Slack surface with production settings. */
export const registerSlack: RegisterAdapter = createSlackAdapter();
