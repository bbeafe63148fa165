/**
 * The telephony providers of this process: the Aircall and generic webhooks (each on when its secret is
 * set), their ingest jobs, and the Aircall API write-back (on when AIRCALL_API_ID and AIRCALL_API_TOKEN are
 * set). Startup logs nothing here: src/features.ts already says what is on, in one line each.
 */
import type { RegisterAdapter } from '../adapters/context.js';
import { AircallUsers, aircallAgentLookup } from './aircall/agents.js';
import { createAircallClient } from './aircall/client.js';
import { aircallEventJob } from './aircall/events.js';
import { AIRCALL_EVENT_JOB, aircallWebhook } from './aircall/webhook.js';
import {
  AIRCALL_COMMENT_JOB,
  AIRCALL_DIAL_JOB,
  AIRCALL_NOTE_JOB,
  AIRCALL_TAG_JOB,
  aircallTranslator,
  commentJob,
  dialJob,
  noteJob,
  tagJob,
} from './aircall/writeBack.js';
import { genericEventJob } from './generic/events.js';
import { GENERIC_EVENT_JOB, genericWebhook } from './generic/webhook.js';
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
  ctx.runner.register(
    AIRCALL_EVENT_JOB,
    aircallEventJob(ingest, metrics, unsafeLinkReporter('aircall', ctx.metrics, ctx.logger)),
  );
  ctx.runner.register(
    GENERIC_EVENT_JOB,
    genericEventJob(ingest, metrics, unsafeLinkReporter('generic', ctx.metrics, ctx.logger)),
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
    ctx.runner.register(AIRCALL_NOTE_JOB, noteJob(writeBack));
    ctx.runner.register(AIRCALL_COMMENT_JOB, commentJob(writeBack));
    ctx.runner.register(AIRCALL_TAG_JOB, tagJob(writeBack));
    ctx.runner.register(AIRCALL_DIAL_JOB, dialJob(writeBack));
  }
};
