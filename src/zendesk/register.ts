/**
 * The Zendesk adapter: tickets per episode, assignee and resolve write-back, the card thread as a side
 * conversation, the Talk export poller and POST /webhooks/zendesk. Off when the API credentials are
 * absent (src/features.ts says so at startup); the webhook route needs ZENDESK_WEBHOOK_SECRET as well.
 */
import { type AdapterContext, type RegisterAdapter, runsJobs } from '../adapters/context.js';
import type { IngestDeps } from '../app/ingest.js';
import { offerOtherNumbers } from '../chat/otherNumbers.js';
import { mountWebhook } from '../providers/webhook.js';
import { ZendeskAgents } from './agents.js';
import { createZendeskClient, zendeskBaseUrl } from './client.js';
import type { ZendeskDeps } from './deps.js';
import { followUpTranslator, registerFollowUpJobs, ZendeskFollowUps } from './followUp.js';
import { registerZendeskJobs } from './jobs.js';
import { LeasedLoop } from './leasedLoop.js';
import { zendeskTranslator } from './planner.js';
import { Prebriefs, prebriefHandler, prebriefJob } from './prebrief.js';
import { Requesters } from './requester.js';
import { requesterOtherNumbers } from './requesterPhones.js';
import { SideConversationPoll } from './sideConversationPoll.js';
import { SideConversations } from './sideConversations.js';
import { TalkPoller } from './talk/poller.js';
import { TalkIngest } from './talk/talk.js';
import { ZendeskTickets } from './tickets.js';
import { zendeskWebhook } from './webhook.js';

export interface ZendeskAdapterOptions {
  /** Pause between Talk export rounds (two requests each; Talk allows 10 a minute). Default 20 s. */
  talkPollIntervalMs?: number;
  /** Pause between side-conversation event polls (the webhook's fallback). Default 60 s. */
  sideConversationPollIntervalMs?: number;
  /** How long to wait for the ticket Zendesk Talk may create before creating one. Default 2 min. */
  talkTicketGraceMs?: number;
  /** Talk export requests per minute. Default 10 (Zendesk's limit). */
  talkRequestsPerMinute?: number;
  /** How far back the very first Talk export reads. Default 15 min. */
  talkInitialLookbackMs?: number;
  /** Run the Talk poller (default true). */
  pollTalk?: boolean;
  /** Run the side-conversation events poll (default true). */
  pollSideConversations?: boolean;
}

export function createZendeskAdapter(options: ZendeskAdapterOptions = {}): RegisterAdapter {
  return (ctx: AdapterContext) => {
    const { env, routing } = ctx.config;
    const baseUrl = zendeskBaseUrl(env);
    // Off, and src/features.ts has said why (including a webhook secret without API credentials).
    if (!baseUrl || !env.ZENDESK_EMAIL || !env.ZENDESK_API_TOKEN) return;

    const client = createZendeskClient({
      baseUrl,
      email: env.ZENDESK_EMAIL,
      token: env.ZENDESK_API_TOKEN,
      clock: ctx.clock,
      logger: ctx.logger,
      requestsPerMinute: routing.zendesk.requestsPerMinute,
      talkRequestsPerMinute: options.talkRequestsPerMinute,
      registry: ctx.metrics.registry,
      budgets: ctx.budgets,
    });
    const base = { store: ctx.store, clock: ctx.clock, client, logger: ctx.logger };
    const agents = new ZendeskAgents(base);
    const deps: ZendeskDeps = {
      ...base,
      routing,
      planEffects: ctx.commands.planEffects,
      threads: ctx.threads,
      agents,
      requesters: new Requesters(base),
      talkTicketGraceMs: options.talkTicketGraceMs ?? 120_000,
    };
    const tickets = new ZendeskTickets(deps);
    const sideConfig = routing.zendesk.sideConversation;
    const sideConversations = sideConfig ? new SideConversations(deps, tickets, sideConfig) : null;
    const ingest: IngestDeps = {
      store: ctx.store,
      clock: ctx.clock,
      planEffects: ctx.commands.planEffects,
      routing,
      logger: ctx.logger,
    };
    const talk = new TalkIngest(deps, ingest, ctx.metrics);

    ctx.addAgentLookup(agents.lookup());
    ctx.addIntentTranslator(zendeskTranslator);
    ctx.runner.handle(prebriefJob, prebriefHandler(new Prebriefs(deps)));
    if (sideConversations) ctx.threads.addMirror(sideConversations.mirror());
    registerZendeskJobs(ctx.runner, { client, tickets, sideConversations, talk });
    ctx.addIntentTranslator(followUpTranslator);
    registerFollowUpJobs(ctx.runner, new ZendeskFollowUps(deps, tickets));
    offerOtherNumbers(ctx.store, (episodeId) => requesterOtherNumbers({ ...base, routing }, episodeId));

    if (env.ZENDESK_WEBHOOK_SECRET) {
      const endpoint = zendeskWebhook({
        store: ctx.store,
        clock: ctx.clock,
        secret: env.ZENDESK_WEBHOOK_SECRET,
      });
      ctx.addMount((app) => mountWebhook(app, endpoint, { metrics: ctx.metrics, logger: ctx.logger }));
    }

    const loops: LeasedLoop[] = [];
    if (options.pollTalk ?? true) {
      const poller = new TalkPoller({
        store: ctx.store,
        clock: ctx.clock,
        client,
        talk,
        logger: ctx.logger,
        initialLookbackMs: options.talkInitialLookbackMs,
      });
      loops.push(
        new LeasedLoop({
          name: 'zendesk.talk-poller',
          store: ctx.store,
          clock: ctx.clock,
          logger: ctx.logger,
          intervalMs: options.talkPollIntervalMs ?? 20_000,
          round: (signal) => poller.round(signal),
        }),
      );
    }
    if (sideConversations && (options.pollSideConversations ?? true)) {
      const poll = new SideConversationPoll({ ...base, sideConversations });
      loops.push(
        new LeasedLoop({
          name: 'zendesk.side-conversation-poller',
          store: ctx.store,
          clock: ctx.clock,
          logger: ctx.logger,
          intervalMs: options.sideConversationPollIntervalMs ?? 60_000,
          round: (signal) => poll.round(signal),
        }),
      );
    }
    // The pollers are work, not answers: in a split process they run beside the jobs.
    if (runsJobs(ctx.role)) {
      ctx.onStart(async () => {
        for (const loop of loops) loop.start();
      });
    }
    ctx.onStop(async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    });
  };
}

export const registerZendesk: RegisterAdapter = createZendeskAdapter();
