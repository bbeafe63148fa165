/**
 * The Microsoft Teams surface: POST /api/messages (Bot Framework), and Teams as a chat surface (surface.ts)
 * behind the shared card outbox, thread lines and notices (src/chat). On with Bot Framework authentication
 * when MicrosoftAppId is set (activities from the configured tenants only); without it off, unless
 * RINGBACK_TEAMS_PLAYGROUND=1 opens it, unauthenticated, to a local Agents Playground (loopback serviceUrl
 * only, never in production). See auth.ts and gate.ts.
 */
import type { Activity } from 'botbuilder';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { AdapterContext, RegisterAdapter } from '../../adapters/context.js';
import { cardQueueKey } from '../../chat/jobs.js';
import { registerChatSurface } from '../../chat/register.js';
import { sendError } from '../../http/errors.js';
import { BODY_LIMIT } from '../../http/server.js';
import { DeadlinePassed, withinDeadline } from '../../resilience/deadline.js';
import { PLAYGROUND_SWITCH, teamsAuth } from './auth.js';
import type { TeamsBot } from './bot.js';
import { TeamsCards } from './cards.js';
import { CardDeliveries } from './deliveries.js';
import { acceptedTenants, admitActivity, type TeamsGatePolicy } from './gate.js';
import { activityTypeLabel, TeamsMetrics } from './metrics.js';
import { mountTeamsOff, TEAMS_ROUTE } from './off.js';
import { registerTeamsReports } from './reports.js';
import { TeamsStormQueue } from './stormQueue.js';
import { TeamsChatSurface } from './surface.js';

const account = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  aadObjectId: z.string().nullish(),
});

/** A mention is read for its text (taken out of the command) and whom it names (is it the bot?). */
const mentionSchema = z.looseObject({
  text: z.string(),
  mentioned: z.looseObject({ id: z.string().min(1) }),
});

const entitySchema = z.looseObject({}).superRefine((entity, ctx) => {
  if (entity.type !== 'mention') return;
  const parsed = mentionSchema.safeParse(entity);
  for (const issue of parsed.error?.issues ?? [])
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/**
 * What every Bot Framework activity has, and the shape of the fields our handlers read (text, mentions,
 * names, the conversation's type, a card's submitted value); the SDK reads the rest. A field of the wrong
 * type used to throw inside the turn, which Teams got as an empty 200.
 */
const activitySchema = z.looseObject({
  type: z.string().min(1),
  serviceUrl: z.string().min(1),
  channelId: z.string().min(1),
  conversation: z.looseObject({
    id: z.string().min(1),
    conversationType: z.string().nullish(),
    tenantId: z.string().nullish(),
    name: z.string().nullish(),
  }),
  from: account,
  recipient: account,
  text: z.string().nullish(),
  entities: z.array(entitySchema).nullish(),
  value: z.looseObject({}).nullish(),
});

/** Where the activity went wrong, for the 400's detail: `text: expected string, received array`. */
function activityIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unreadable';
}

/**
 * Why an invoke no handler took is refused, named by its field, when it is a card action: its verb is
 * missing or not one of Ringback's buttons (an old card, a forged one), or it is no Action.Execute.
 */
export function unhandledInvokeIssue(activity: { name?: unknown; value?: unknown }): string | null {
  if (activity.name !== 'adaptiveCard/action') return null;
  const action = (activity.value as { action?: unknown } | null | undefined)?.action;
  if (typeof action !== 'object' || action === null) return 'value.action: missing';
  const { type, verb } = action as { type?: unknown; verb?: unknown };
  if (type !== 'Action.Execute')
    return `value.action.type: expected "Action.Execute", received ${describe(type)}`;
  if (typeof verb !== 'string' || verb === '') return 'value.action.verb: missing';
  // Every Ringback verb has a handler, so one that found none is not Ringback's.
  return `value.action.verb: ${describe(verb)} is not a Ringback card action`;
}

/** A received value for a detail, short enough to log and never a whole payload. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export interface TeamsOptions {
  /** How long a click's answer waits for the card update for everyone (default 2.5 s). */
  invokeWaitMs?: number;
  /**
   * In unauthenticated (playground) mode, show a held call's controls on everyone's card, since the
   * playground ignores `refresh` (default true; tests of the Teams behaviour turn it off).
   */
  playgroundCards?: boolean;
  /**
   * The longest an inbound turn may take before it is answered 503 (default 15 s, when the Bot Framework
   * gives up on a bot anyway). Every Bot Connector call has its own timeout; this bounds what has none: the
   * SDK's fetch of Microsoft's token signing keys, and whatever a future handler forgets to bound.
   */
  turnDeadlineMs?: number;
}

export const TEAMS_TURN_DEADLINE_MS = 15_000;

/**
 * The Bot Framework's own refusal, or one of jsonwebtoken's that it passes on as they are (a bad
 * signature, a token not yet valid): either way the sender's token is wrong, a 401, not our 500.
 */
const TOKEN_ERRORS = new Set([
  'AuthenticationError',
  'JsonWebTokenError',
  'NotBeforeError',
  'TokenExpiredError',
]);

export function isAuthenticationError(error: unknown): boolean {
  return error instanceof Error && (TOKEN_ERRORS.has(error.constructor.name) || TOKEN_ERRORS.has(error.name));
}

export function teamsAdapter(options: TeamsOptions = {}): RegisterAdapter {
  return (ctx: AdapterContext) => {
    const { config, store, clock, logger } = ctx;
    const auth = teamsAuth(config.env);
    if (auth.mode === 'off') {
      if (auth.refused) logger.error(`teams: off: ${auth.why}`);
      mountTeamsOff(ctx, auth.why);
      return;
    }
    const routing = config.routing;
    const gate: TeamsGatePolicy =
      auth.mode === 'playground'
        ? { mode: 'playground' }
        : { mode: 'bot_framework', tenants: acceptedTenants(auth.tenantId, routing.teams.tenants) };
    if (gate.mode === 'playground') {
      logger.warn(
        `teams: ${TEAMS_ROUTE} accepts UNAUTHENTICATED requests from a local Agents Playground (${PLAYGROUND_SWITCH}=1, MicrosoftAppId unset): loopback serviceUrl only; for local testing, never expose it`,
      );
    } else if (gate.tenants.length === 0) {
      logger.error(
        `teams: ${TEAMS_ROUTE} refuses every activity: no tenant is configured; set MicrosoftAppTenantId or teams.tenants in the routing file`,
      );
    } else {
      logger.info(
        { tenants: gate.tenants.length },
        'teams: accepting activities from the configured tenants',
      );
    }
    const teams = store.teams;
    // The click that waits for a delivery is answered on the answering thread; the job delivers on the other.
    const link = ctx.link;
    const deliveries = new CardDeliveries(
      link && ctx.role === 'jobs'
        ? (episodeId, version) => link.send('teams.delivered', { episodeId, version })
        : undefined,
      // Another replica may run the update: its signal never comes here.
      (episodeId) => store.jobs.hasUnfinished(cardQueueKey('teams', episodeId)),
    );
    if (link && ctx.role === 'web') {
      link.on('teams.delivered', ({ episodeId, version }) => deliveries.markDelivered(episodeId, version));
    }
    const metrics = new TeamsMetrics(ctx.metrics.registry);
    const cards = new TeamsCards({
      store,
      teams,
      routing,
      env: config.env,
      clock,
      directory: ctx.directory,
      // Without an app id the only Teams is the local Agents Playground, which does not refresh cards.
      heldControlsForEveryone: auth.mode === 'playground' && (options.playgroundCards ?? true),
    });

    let loading: Promise<TeamsBot> | null = null;
    const bot = (): Promise<TeamsBot> => {
      loading ??= import('./bot.js')
        .then(({ createTeamsBot }) =>
          createTeamsBot(auth, {
            store,
            teams,
            cards,
            deliveries,
            commands: ctx.commands,
            directory: ctx.directory,
            threads: ctx.threads,
            routing,
            clock,
            logger,
            invokeWaitMs: options.invokeWaitMs ?? 2_500,
          }),
        )
        .catch((error: unknown) => {
          loading = null;
          throw error;
        });
      return loading;
    };

    const storm = new TeamsStormQueue({
      store,
      clock,
      logger,
      routing,
      connector: async () => (await bot()).connector,
    });
    const outbox = registerChatSurface(
      ctx,
      new TeamsChatSurface({
        teams,
        cards,
        connector: async () => (await bot()).connector,
        deliveries,
        routing,
        clock,
        logger,
        onCardDelayed: (channel) => storm.wake(channel),
      }),
    );
    storm.register(ctx.runner, outbox.pacing);
    registerTeamsReports(ctx.runner, { store, clock, routing, logger });

    ctx.addMount((app) => {
      app.post(TEAMS_ROUTE, express.json({ limit: BODY_LIMIT }), async (req: Request, res: Response) => {
        const activity = activitySchema.safeParse(req.body);
        if (!activity.success) {
          metrics.activities.inc({ type: 'invalid', result: 'rejected' });
          logger.info({ issue: activityIssue(activity.error) }, 'teams: not a Bot Framework activity');
          sendError(
            res,
            400,
            'invalid_activity',
            `expected a Bot Framework activity (type, serviceUrl, conversation, from, recipient; names and conversationType strings, text a string, entities a list whose mentions have a text and a mentioned id, value an object): ${activityIssue(activity.error)}`,
          );
          return;
        }
        const type = activityTypeLabel(activity.data.type);
        const verdict = admitActivity(gate, activity.data, req.socket.remoteAddress);
        if (!verdict.ok) {
          metrics.activities.inc({ type, result: 'refused' });
          logger.warn(
            { type, reason: verdict.reason, serviceUrl: activity.data.serviceUrl.slice(0, 200) },
            'teams: activity refused before the bot',
          );
          sendError(res, verdict.status, verdict.error, verdict.detail);
          return;
        }
        const deadlineMs = options.turnDeadlineMs ?? TEAMS_TURN_DEADLINE_MS;
        const turn = bot().then((loaded) =>
          loaded.run(req.headers.authorization ?? '', activity.data as unknown as Activity),
        );
        try {
          const result = await withinDeadline(turn, deadlineMs, 'the turn');
          if (result?.status === 501 && result.body === undefined) {
            // The SDK's 501: an invoke no handler took (a card from an older version, a forged verb).
            const name = typeof activity.data.name === 'string' ? activity.data.name.slice(0, 100) : null;
            const why = unhandledInvokeIssue(activity.data);
            metrics.activities.inc({ type, result: 'refused' });
            logger.info({ type, name, issue: why }, `teams: no handler for a ${type} activity`);
            sendError(
              res,
              400,
              'unsupported_activity',
              `Ringback does not handle this ${type} activity${why ? `: ${why}` : ''}`,
            );
            return;
          }
          metrics.activities.inc({ type, result: 'handled' });
          res.status(result?.status ?? 200);
          if (result?.body !== undefined) res.json(result.body);
          else res.end();
        } catch (error) {
          if (error instanceof DeadlinePassed) {
            // The turn goes on and may still finish its work; only its answer is given up.
            metrics.activities.inc({ type, result: 'failed' });
            logger.error(
              { type, deadlineMs },
              `teams: a ${type} activity was not handled within ${deadlineMs} ms; answered 503 (Teams retries)`,
            );
            turn.catch((late: unknown) =>
              logger.warn({ err: late, type }, 'teams: a turn answered 503 for lateness failed afterwards'),
            );
            sendError(res, 503, 'turn_timeout', `the activity was not handled within ${deadlineMs} ms`);
            return;
          }
          if (isAuthenticationError(error)) {
            metrics.activities.inc({ type, result: 'unauthorized' });
            logger.info({ type }, 'teams: request without a valid Bot Framework token');
            sendError(res, 401, 'unauthorized', 'a valid Bot Framework token is required');
            return;
          }
          metrics.activities.inc({ type, result: 'failed' });
          logger.error({ err: error, type }, 'teams: could not handle an activity');
          sendError(res, 500, 'internal_error', 'the activity could not be handled; Teams will retry');
        }
      });
    });
  };
}

export const registerTeams: RegisterAdapter = teamsAdapter();
