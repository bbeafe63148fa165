/**
 * The telephony providers of this process: the Aircall and generic webhooks (each on when its secret is
 * set), their ingest jobs, and the Aircall API write-back (on when AIRCALL_API_ID and AIRCALL_API_TOKEN are
 * set). Startup logs nothing here: src/features.ts already says what is on, in one line each.
 */
import { type RegisterAdapter, runsJobs } from '../adapters/context.js';
import { AircallUsers, aircallAgentLookup } from './aircall/agents.js';
import {
  availabilityRefresh,
  availabilityRefreshHandler,
  availabilityRefreshJob,
} from './aircall/availability.js';
import { createAircallClient } from './aircall/client.js';
import { aircallEventHandler } from './aircall/events.js';
import { aircallEventJob, aircallWebhook } from './aircall/webhook.js';
import {
  aircallCommentJob,
  aircallDialJob,
  aircallNoteJob,
  aircallTagJob,
  aircallTranslator,
  commentHandler,
  dialHandler,
  noteHandler,
  tagHandler,
} from './aircall/writeBack.js';
import { genericEventHandler } from './generic/events.js';
import { genericEventJob, genericWebhook } from './generic/webhook.js';
import { ingestDepsOf } from './ingestJob.js';
import { unsafeLinkReporter } from './links.js';
import { createIngestMetrics } from './metrics.js';
import { mountWebhook } from './webhook.js';

export const registerProviders: RegisterAdapter = (ctx) => {
  const { env, routing } = ctx.config;
  const metrics = createIngestMetrics(ctx.metrics);
  const ingest = ingestDepsOf(ctx);
  const webhookDeps = { metrics: ctx.metrics, logger: ctx.logger };

  // Queued deliveries are processed even if the route was turned off since they were received.
  ctx.runner.handle(
    aircallEventJob,
    aircallEventHandler(ingest, metrics, unsafeLinkReporter('aircall', ctx.metrics, ctx.logger)),
  );
  ctx.runner.handle(
    genericEventJob,
    genericEventHandler(ingest, metrics, unsafeLinkReporter('generic', ctx.metrics, ctx.logger)),
  );

  const aircallToken = env.AIRCALL_WEBHOOK_TOKEN;
  if (aircallToken) {
    const endpoint = aircallWebhook({ store: ctx.store, clock: ctx.clock, token: aircallToken });
    ctx.addMount((app) => mountWebhook(app, endpoint, webhookDeps));
  }
  const genericSecret = env.RINGBACK_WEBHOOK_SECRET;
  if (genericSecret) {
    const endpoint = genericWebhook({ store: ctx.store, clock: ctx.clock, secret: genericSecret });
    ctx.addMount((app) => mountWebhook(app, endpoint, webhookDeps));
  }

  if (env.AIRCALL_API_ID && env.AIRCALL_API_TOKEN) {
    const client = createAircallClient({
      apiId: env.AIRCALL_API_ID,
      apiToken: env.AIRCALL_API_TOKEN,
      baseUrl: env.AIRCALL_API_URL,
      requestsPerMinute: routing.aircall.requestsPerMinute,
      clock: ctx.clock,
      metrics,
      budgets: ctx.budgets,
    });
    const users = new AircallUsers({ store: ctx.store, clock: ctx.clock, client });
    ctx.addAgentLookup(aircallAgentLookup(users, ctx.logger));
    ctx.addIntentTranslator(aircallTranslator);
    const writeBack = {
      store: ctx.store,
      clock: ctx.clock,
      logger: ctx.logger,
      client,
      findUser: (email: string) => users.byEmail(email),
    };
    ctx.runner.handle(aircallNoteJob, noteHandler(writeBack));
    ctx.runner.handle(aircallCommentJob, commentHandler(writeBack));
    ctx.runner.handle(aircallTagJob, tagHandler(writeBack));
    ctx.runner.handle(aircallDialJob, dialHandler(writeBack));
    // Round robin's availability, read now and every few minutes (webhooks say changes in between).
    ctx.runner.handle(availabilityRefreshJob, availabilityRefreshHandler({ ...writeBack }));
    if (runsJobs(ctx.role)) {
      ctx.onStart(async () => {
        await ctx.store.enqueue([availabilityRefresh(ctx.clock.now())], ctx.clock.now());
      });
    }
  }
};
