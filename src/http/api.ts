/** The read API for dashboards and scripts: /api/calls, /api/calls/:id, /api/summary (Bearer token). */
import { type NextFunction, type Request, type Response, Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { toCallView } from '../app/callView.js';
import { lineTyped } from '../app/routing.js';
import { buildSummary } from '../app/summary.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import type { Episode } from '../domain/types.js';
import { EPISODE_STATES, type EpisodeState } from '../domain/types.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';
import { bearerAccepted } from './auth.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { sendError } from './errors.js';
import { exportRouter } from './export.js';

export interface ApiDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  logger: Logger;
  /** RINGBACK_API_TOKEN; undefined turns the API off. */
  token: string | undefined;
}

/**
 * An ISO 8601 date or time, or null. One without an offset (a bare date is its midnight) is read in the
 * team's zone: Date.parse read it in the server's own zone (and a bare date in UTC), which neither the team
 * nor the script writing it can see, and took "Nov 21 2026" too.
 */
function isoInstant(written: string, zone: string): number | null {
  // An unencoded "+01:00" in a query string arrives as " 01:00".
  const value = written.replace(/T(.*) (\d{2}(:?\d{2})?)$/, 'T$1+$2');
  if (!/^\d{4}-\d{2}-\d{2}($|T)/.test(value)) return null;
  const parsed = DateTime.fromISO(value, { zone, setZone: true });
  return parsed.isValid ? parsed.toMillis() : null;
}

/** `?line=` written but left empty, as in design.md's query template, means no filter (as for state, since). */
const blankAsAbsent = (value: unknown) => (value === '' ? undefined : value);

const callsQueryIn = (zone: string) =>
  z
    .object({
      state: z
        .string()
        .optional()
        .transform((value, ctx) => {
          if (!value) return undefined;
          const states = value.split(',').map((s) => s.trim());
          const bad = states.find((s) => !(EPISODE_STATES as readonly string[]).includes(s));
          if (bad !== undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `unknown state "${bad}"; expected ${EPISODE_STATES.join(', ')}`,
            });
            return z.NEVER;
          }
          return states as EpisodeState[];
        }),
      since: z
        .string()
        .max(100)
        .optional()
        .transform((value, ctx) => {
          if (!value) return undefined;
          const ms = isoInstant(value, zone);
          if (ms === null) {
            ctx.addIssue({
              code: 'custom',
              message: `expected an ISO 8601 date or time, like 2026-11-21, 2026-11-21T09:00:00Z or 2026-11-21T10:00 (read in ${zone}) (got "${value.slice(0, 40)}")`,
            });
            return z.NEVER;
          }
          return ms;
        }),
      line: z.preprocess(blankAsAbsent, z.string().max(200).optional()),
      limit: z.preprocess(blankAsAbsent, z.coerce.number().int().min(1).max(1000).default(100)),
      cursor: z.preprocess(blankAsAbsent, z.string().max(1000).optional()),
    })
    // A misspelt filter (?status=open) would otherwise be dropped and the whole list answered as if filtered.
    .strict();

/** The parameters GET /api/calls takes (design.md's template), named when another is refused. */
const CALLS_PARAMETERS = ['state', 'since', 'line', 'limit', 'cursor'] as const;

/** GET /api/summary: which period (`today`, `week`, … as the summary command takes them) and which line. */
const summaryQuery = z
  .object({
    period: z.preprocess(blankAsAbsent, z.string().max(100).default('today')),
    line: z.preprocess(blankAsAbsent, z.string().max(200).optional()),
  })
  // As /calls: a misspelt `?lines=` would answer every line's figures as if they were one line's.
  .strict();

/** The parameters GET /api/summary takes, named when another is refused. */
const SUMMARY_PARAMETERS = ['period', 'line'] as const;

/** A query the route cannot answer: 400 `invalid_query`, and a log line saying why. */
function refuseQuery(logger: Logger, res: Response, route: string, detail: string): void {
  logger.info({ path: route, detail }, `api: refused ${route} query: ${detail}`);
  sendError(res, 400, 'invalid_query', detail);
}

/** "field: what is wrong", from a query's first problem; an unknown parameter is told what the route takes. */
function firstIssue(error: z.ZodError, accepted: readonly string[] = []): string {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => `"${key.slice(0, 40)}"`).join(', ');
    const noun = issue.keys.length === 1 ? 'parameter' : 'parameters';
    return `query: unknown ${noun} ${names}; expected ${accepted.join(', ')}`;
  }
  const field = issue?.path.join('.') || 'query';
  return `${field}: ${issue?.message ?? 'invalid'}`;
}

/** The next page's URL: this request's filters and limit, and the cursor after its last call. */
function nextPageUrl(path: string, query: Request['query'], limit: number, cursor: string): string {
  const params = new URLSearchParams();
  for (const name of ['state', 'since', 'line'] as const) {
    const value = query[name];
    if (typeof value === 'string' && value !== '') params.set(name, value);
  }
  params.set('limit', String(limit));
  params.set('cursor', cursor);
  return `${path}?${params.toString()}`;
}

function requireToken(deps: ApiDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!deps.token) {
      sendError(res, 404, 'api_disabled', 'the read API is off: set RINGBACK_API_TOKEN to turn it on');
      return;
    }
    if (bearerAccepted(req, res, deps.token, deps.logger, 'api')) next();
  };
}

async function viewsOf(store: Store, episodes: Episode[]) {
  const ids = episodes.map((e) => e.id);
  const [keys, posts] = await Promise.all([
    store.providerCalls.keysForEpisodes(ids),
    store.posts.listForEpisodes(ids),
  ]);
  return episodes.map((e) =>
    toCallView(
      e,
      keys.get(e.id) ?? [],
      posts.filter((p) => p.episodeId === e.id),
    ),
  );
}

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireToken(deps));
  // Callers' numbers and names, agents' e-mails: no cache on the way may keep a copy.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(exportRouter(deps));

  router.get('/calls', async (req, res) => {
    const parsed = callsQueryIn(deps.routing.timezone).safeParse(req.query);
    if (!parsed.success) {
      refuseQuery(deps.logger, res, '/calls', firstIssue(parsed.error, CALLS_PARAMETERS));
      return;
    }
    const { state, since, line, limit, cursor } = parsed.data;
    // requireToken ran first: the token is set.
    const secret = deps.token ?? '';
    const after = cursor === undefined ? null : decodeCursor(cursor, secret);
    if (cursor !== undefined && !after) {
      const detail =
        'cursor: not a cursor this API gave out; follow `next` as returned, or start without one';
      deps.logger.info({ path: req.path }, 'api: refused /calls query: unknown cursor');
      sendError(res, 400, 'invalid_cursor', detail);
      return;
    }
    // A line as summary and export take it, in any case; a name no line has any more still lists its old calls.
    const configured = line === undefined ? null : lineTyped(deps.routing, line);
    const lineName = configured?.name ?? line;
    const page = await deps.store.episodes.page({ states: state, since, line: lineName }, limit, after);
    if (line !== undefined && !configured && !after && page.episodes.length === 0) {
      // Whether the line exists is asked without the other filters: an old line with no claimed call (or
      // none since…) is an empty list, not a line nobody has heard of. Unfiltered, this page already said.
      const filtered = state !== undefined || since !== undefined;
      const hasCalls = filtered && (await deps.store.episodes.page({ line }, 1, null)).episodes.length > 0;
      if (!hasCalls) {
        const lines = deps.routing.lines.map((l) => l.name).join(', ') || 'none';
        refuseQuery(deps.logger, res, '/calls', `line: no line named "${line}" (lines: ${lines})`);
        return;
      }
    }
    const next = page.next
      ? nextPageUrl(`${req.baseUrl}/calls`, req.query, limit, encodeCursor(page.next, secret))
      : null;
    if (next) res.set('Link', `<${next}>; rel="next"`);
    res.json({ calls: await viewsOf(deps.store, page.episodes), next });
  });

  router.get('/calls/:id', async (req, res) => {
    const episode = await deps.store.episodes.get(req.params.id ?? '');
    if (!episode) {
      deps.logger.info({ path: req.path }, 'api: no such call');
      sendError(res, 404, 'not_found', `no call with id ${req.params.id}`);
      return;
    }
    const [view] = await viewsOf(deps.store, [episode]);
    res.json(view);
  });

  router.get('/summary', async (req, res) => {
    const parsed = summaryQuery.safeParse(req.query);
    if (!parsed.success) {
      refuseQuery(deps.logger, res, '/summary', firstIssue(parsed.error, SUMMARY_PARAMETERS));
      return;
    }
    const { period, line } = parsed.data;
    const answer = await buildSummary(deps, { period, line });
    if (!answer.ok) {
      refuseQuery(deps.logger, res, '/summary', answer.error);
      return;
    }
    res.json({ timezone: answer.timezone, ...answer.summary });
  });

  return router;
}
