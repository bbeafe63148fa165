/**
 * The Slack App Home: published (views.publish) when a person opens the Home tab, again soon after their
 * callbacks change (a claim, a release, a call back, a resolve by or for them), and, for the people who
 * opened it lately, when the open calls change. Publishing is a job per person with a coalescing key, so
 * a burst of changes publishes once; the refresh of recent viewers runs at most once per
 * HOME_VIEWERS_DELAY_MS for at most MAX_HOME_VIEWERS people, which keeps views.publish (Tier 4: about
 * 100 a minute for the workspace) within its limit even in a storm of missed calls. Clicks on the Home's buttons go to the card handlers, which accept them when
 * the click came from the Home Ringback published for that person, showing that call (`isHomeClickOf`).
 */
import type { App } from '@slack/bolt';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AgentDirectory } from '../../app/directory.js';
import type { IntentTranslator } from '../../app/intents.js';
import { buildSummary } from '../../app/summary.js';
import { claimedBy, listCalls, MAX_LISTED_CALLS } from '../../chat/commands.js';
import { chatJobKinds } from '../../chat/jobs.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import type { Actor } from '../../domain/types.js';
import { defineJob, jobOf } from '../../jobs/registry.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import type { NewJob } from '../../store/jobs.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import { HOME_CALLBACK_ID, type HomeContent, homeView } from './homeView.js';
import { type SlackIdentities, slackUserIdOf } from './identity.js';
import { callSlack } from './reports.js';
import { slackChannelsFor } from './surface.js';

export const homeKind = defineJob('slack.home', z.object({ user: z.string().regex(/^[UW][A-Z0-9]+$/) }));

/** A change's refresh waits this long, so the claim, the call back and the outcome of a minute publish once. */
export const HOME_REFRESH_DELAY_MS = 2_000;
/** The open list of everyone's Home is refreshed at most this often… */
export const HOME_VIEWERS_DELAY_MS = 20_000;
/** …for at most this many people: those who opened their Home most recently, within HOME_VIEWER_TTL_MS. */
export const MAX_HOME_VIEWERS = 30;
export const HOME_VIEWER_TTL_MS = 8 * 3_600_000;
const VIEWERS_KEY = 'slack:home:viewers';

export const homeViewersKind = defineJob('slack.home_viewers', z.object({}));

function homeViewersJob(runAt: number): NewJob {
  return jobOf(homeViewersKind, {}, { coalesceKey: 'slack.home_viewers', maxAttempts: 3, runAt });
}

type Viewers = Record<string, number>;

async function recentViewers(store: Store, now: number): Promise<Viewers> {
  const viewers = (await store.identities.get<Viewers>(VIEWERS_KEY, now)) ?? {};
  return Object.fromEntries(Object.entries(viewers).filter(([, at]) => now - at < HOME_VIEWER_TTL_MS));
}

/** Remembers who opened their Home (the last writer wins across replicas: a lost entry only waits for the next open). */
async function rememberViewer(store: Store, user: string, now: number): Promise<void> {
  const viewers = { ...(await recentViewers(store, now)), [user]: now };
  const kept = Object.entries(viewers)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_HOME_VIEWERS);
  await store.identities.put(VIEWERS_KEY, Object.fromEntries(kept), now + HOME_VIEWER_TTL_MS);
}

/** Publishes `user`'s Home at `runAt` (now by default); a publish already pending for them absorbs it. */
export function homeJob(user: string, runAt?: number): NewJob {
  return jobOf(
    homeKind,
    { user },
    { coalesceKey: `slack.home:${user}`, maxAttempts: 5, ...(runAt !== undefined ? { runAt } : {}) },
  );
}

/** A private message from the app (its Messages tab): the answer to a click where no channel is. */
export function directMessageJob(user: string, text: string): NewJob {
  return jobOf(chatJobKinds('slack').message, { to: { kind: 'people', people: [user] }, text });
}

/**
 * When a call changes hands or is worked, its old and new holders' Homes change: refresh them soon. Any
 * change of a call may change the open list too: the recent viewers' Homes follow, less often.
 */
export function homeTranslator(clock: Clock, routing: RoutingConfig): IntentTranslator {
  return (intent, change) => {
    if (intent.kind !== 'card.refresh' && intent.kind !== 'card.post') return [];
    const holders = [change.previous?.claimedBy, change.episode.claimedBy]
      .filter((actor): actor is Actor => actor !== null && actor !== undefined)
      .map(slackUserIdOf)
      .filter((user): user is string => user !== null);
    const now = clock.now();
    const jobs = [...new Set(holders)].map((user) => homeJob(user, now + HOME_REFRESH_DELAY_MS));
    // The open list changes when a call opens, or stops or starts being open (claimed, released, resolved).
    const { previous, episode } = change;
    // Only Slack lines are listed (homeContent): a call on a line posted elsewhere changes nobody's Home, and
    // an ingest then writes no job for it.
    const openListChanged =
      slackChannelsFor(routing, episode.line).length > 0 &&
      (previous === null ||
        (previous.state !== episode.state && (previous.state === 'open' || episode.state === 'open')));
    if (openListChanged) jobs.push(homeViewersJob(now + HOME_VIEWERS_DELAY_MS));
    return jobs;
  };
}

export interface HomeDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  identities: Pick<SlackIdentities, 'actorFor'>;
  /** Who may see callers: the lists name them, so a non-agent's Home shows the day's figures only. */
  directory: Pick<AgentDirectory, 'checkAgent'>;
  logger: Logger;
}

/** What `user`'s Home shows now. */
export async function homeContent(deps: HomeDeps, user: string): Promise<HomeContent> {
  const { store, clock, routing } = deps;
  const actor = await deps.identities.actorFor(user);
  const slackLines = routing.lines.filter((l) => l.slack).map((l) => l.name);
  const check = await deps.directory.checkAgent(actor);
  const [mineEpisodes, inMyLines, today] = await Promise.all([
    check.ok ? claimedBy(store, actor) : [],
    check.ok
      ? store.episodes.workList({ states: ['open'], lines: slackLines }, MAX_LISTED_CALLS)
      : { episodes: [], total: 0 },
    buildSummary(deps, { period: 'today' }),
  ]);
  const [mine, open] = await Promise.all([
    listCalls(deps, mineEpisodes, 'My callbacks', actor),
    listCalls(deps, inMyLines.episodes, 'Open in my lines', actor, inMyLines.total),
  ]);
  const key = actor.email?.toLowerCase() ?? actor.id;
  const summary = today.ok ? today.summary : null;
  const me = summary?.agents.find((a) => a.actorId === key || a.actorId === actor.id);
  const now = clock.now();
  return {
    user,
    mine: { total: mine.total, calls: mine.calls },
    open: { total: open.total, calls: open.calls },
    today: {
      missedCalls: summary?.totals.missedCalls ?? 0,
      calledBack: summary?.totals.calledBack ?? 0,
      resolved: summary?.totals.resolved ?? 0,
      openNow: summary?.openNow.count ?? 0,
      mineClaimed: me?.claimed ?? 0,
      mineCalledBack: me?.calledBack ?? 0,
    },
    asOf: `${DateTime.fromMillis(now, { zone: routing.timezone }).toFormat('ccc d LLL, HH:mm')} (${routing.timezone})`,
    refusal: check.ok ? null : check.message,
  };
}

export function registerHomeJobs(runner: JobRunner, deps: HomeDeps): void {
  runner.handle(homeKind, async ({ user }) => {
    const view = homeView(await homeContent(deps, user));
    await callSlack(deps.api, 'views.publish', { user_id: user, view: JSON.stringify(view) });
    deps.logger.debug({ user, blocks: view.blocks.length }, `slack: published the Home of ${user}`);
  });
  runner.handle(homeViewersKind, async () => {
    const now = deps.clock.now();
    const users = Object.keys(await recentViewers(deps.store, now));
    if (users.length > 0)
      await deps.store.enqueue(
        users.map((user) => homeJob(user)),
        now,
      );
  });
}

const homeOpened = z.object({
  type: z.literal('app_home_opened'),
  user: z.string().regex(/^[UW][A-Z0-9]+$/),
  tab: z.string().optional(),
});

/** `app_home_opened` → publish the Home now (Slack sends it for the Messages tab too: that one is left alone). */
export function registerAppHome(app: App, deps: { store: Store; clock: Clock; logger: Logger }): void {
  app.event('app_home_opened', async ({ event }) => {
    const parsed = homeOpened.safeParse(event);
    if (!parsed.success) {
      deps.logger.info('slack: an app_home_opened event did not parse; ignored');
      return;
    }
    if (parsed.data.tab !== undefined && parsed.data.tab !== 'home') return;
    try {
      const now = deps.clock.now();
      await deps.store.enqueue([homeJob(parsed.data.user)], now);
      await rememberViewer(deps.store, parsed.data.user, now);
    } catch (error) {
      deps.logger.error({ err: error }, 'slack: could not queue the Home publish');
    }
  });
}

const homeClick = z.object({
  user: z.object({ id: z.string() }),
  container: z.object({ type: z.literal('view') }).passthrough(),
  view: z
    .object({
      type: z.literal('home'),
      callback_id: z.literal(HOME_CALLBACK_ID),
      private_metadata: z.string(),
      blocks: z.array(z.unknown()),
    })
    .passthrough(),
});

/** Whether a block's controls carry the call id (a button's value, or an outcome option's value). */
function blockCarries(block: unknown, episodeId: string): boolean {
  const elements = (block as { elements?: unknown }).elements;
  if (!Array.isArray(elements)) return false;
  return elements.some((element) => {
    const e = element as { value?: unknown; options?: { value?: unknown }[] };
    if (e.value === episodeId) return true;
    return (e.options ?? []).some((o) => typeof o.value === 'string' && o.value.endsWith(`:${episodeId}`));
  });
}

/**
 * A click acts on a call from the Home only when Slack says it came from the Home Ringback published for
 * the person who clicked (its callback id and the user kept in it) and that Home shows a control of that
 * call: the same guarantee as "a stored post of that call" gives for a card in a channel.
 */
export function isHomeClickOf(rawBody: unknown, episodeId: string): boolean {
  const parsed = homeClick.safeParse(rawBody);
  if (!parsed.success) return false;
  const { user, view } = parsed.data;
  if (view.private_metadata !== user.id) return false;
  return view.blocks.some((block) => blockCarries(block, episodeId));
}
