/** The one HTTP port: health, metrics, the read API, and whatever routes the adapters mount. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { AggregatorRegistry } from 'prom-client';
import { type DoctorHandle, verboseReadiness } from '../doctor/readyz.js';
import type { Metrics } from '../observability/metrics.js';
import { notReadyReason, type ReadinessDeps } from '../resilience/readiness.js';
import { type ApiDeps, apiRouter } from './api.js';
import { errorMiddleware, sendError } from './errors.js';

/** An adapter that serves routes on the shared app (webhooks, /slack/events, /api/messages). */
export type RouteMount = (app: Express) => void;

export interface HttpAppDeps extends ApiDeps {
  metrics: Metrics;
  mounts: RouteMount[];
  /** False once shutdown began, so the load balancer stops sending traffic. */
  isAcceptingTraffic: () => boolean;
  /** The job runner's progress, for /readyz (absent: not checked). */
  runnerProgress?: ReadinessDeps['runnerProgress'];
  jobsStarting?: ReadinessDeps['jobsStarting'];
  /** Backs GET /readyz?verbose=1 (the doctor's checks, vendors at most once a minute). */
  doctor?: DoctorHandle;
  /** The jobs thread's metrics (prom-client JSON) when jobs run on a thread of their own. */
  jobsThreadMetrics?: () => Promise<unknown[]>;
}

export const BODY_LIMIT = '1mb';

/** What GET /healthz names itself as. */
export const HEALTHZ_SERVICE = 'ringback';

/** How often /metrics counts the jobs table at most (a Prometheus scrape is every 15 s or more). */
export const JOB_COUNT_EVERY_MS = 2_000;

/** This thread's metrics, summed with the jobs thread's when there is one (it keeps the job counters). */
async function exposition(deps: HttpAppDeps): Promise<string> {
  const { metrics, logger } = deps;
  if (!deps.jobsThreadMetrics) return metrics.registry.metrics();
  let theirs: unknown[] = [];
  try {
    theirs = await deps.jobsThreadMetrics();
  } catch (error) {
    logger.warn({ err: error }, 'metrics: the jobs thread did not answer; its figures are left out');
  }
  const ours = await metrics.registry.getMetricsAsJSON();
  return AggregatorRegistry.aggregate([ours, theirs as typeof ours]).metrics();
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const { store, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);

  app.use((req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      stop({ route, status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    // `service` lets the doctor tell a running Ringback on PORT from another program holding it.
    res.json({ status: 'ok', service: HEALTHZ_SERVICE });
  });

  app.get('/readyz', verboseReadiness(deps));
  app.get('/readyz', async (_req, res) => {
    const problem = await notReadyReason(deps);
    if (problem) {
      if (problem.error !== 'shutting_down' && problem.error !== 'starting')
        logger.warn({ reason: problem.error }, `readyz: ${problem.detail}`);
      sendError(res, 503, problem.error, problem.detail);
      return;
    }
    res.json({ status: 'ready', database: store.dialect });
  });

  // /metrics needs no token and each count scans the jobs table: scrapes share one count per interval, so
  // however often anyone asks, the database counts at most once per JOB_COUNT_EVERY_MS.
  let jobCount: { at: number; done: Promise<void> } | null = null;
  const countJobs = async () => {
    try {
      const counts = await store.jobs.countByStatus();
      for (const [status, count] of Object.entries(counts)) metrics.jobsByStatus.set({ status }, count);
    } catch (error) {
      logger.warn({ err: error }, 'metrics: could not count jobs');
    }
  };
  app.get('/metrics', async (_req, res) => {
    const now = performance.now();
    if (!jobCount || now - jobCount.at >= JOB_COUNT_EVERY_MS) jobCount = { at: now, done: countJobs() };
    await jobCount.done;
    res.type(metrics.registry.contentType).send(await exposition(deps));
  });

  // Adapter routes first: POST /api/messages (Teams) lives under /api but is not the read API.
  for (const mount of deps.mounts) mount(app);

  app.use('/api', apiRouter(deps));

  app.use((req, res) => {
    // Only a POST: a GET of a webhook route is a 404 whether or not its integration is on.
    const off = req.method === 'POST' ? ROUTE_TURNED_ON_BY.get(req.path) : undefined;
    const detail = `no route for ${req.method} ${req.path.slice(0, 200)}${off ? ` (off: set ${off} to turn it on)` : ''}`;
    logger.info({ method: req.method, path: req.path.slice(0, 200) }, `http: refused: ${detail}`);
    sendError(res, 404, 'not_found', detail);
  });
  app.use(errorMiddleware(logger));
  return app;
}

/**
 * The webhook routes an integration mounts only when its secret is set: a vendor posting to one of them
 * meanwhile is told (and the log says) which variable turns it on, rather than a bare "no route".
 */
const ROUTE_TURNED_ON_BY = new Map([
  ['/webhooks/aircall', 'AIRCALL_WEBHOOK_TOKEN'],
  ['/webhooks/zendesk', 'ZENDESK_WEBHOOK_SECRET'],
  ['/webhooks/calls', 'RINGBACK_WEBHOOK_SECRET'],
]);

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** How often a closing server closes the keep-alive connections whose last answer has just gone out. */
const CLOSING_SWEEP_MS = 100;

export function listen(app: Express, port: number, host?: string): Promise<RunningServer> {
  const server = createServer(app);
  // Behind a load balancer idle connections must outlive its own keep-alive.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Answers not yet started when the server closes: they end their connection instead of keeping it.
  const unanswered = new Set<ServerResponse>();
  let closing = false;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.shouldKeepAlive = false;
      return;
    }
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  const close = () =>
    new Promise<void>((done) => {
      closing = true;
      for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
      unanswered.clear();
      // server.close() waits for every connection, and closes only those idle right now: a load balancer's
      // connection that was busy would stay open for its keep-alive (65 s), past the shutdown deadline.
      const sweep = setInterval(() => server.closeIdleConnections(), CLOSING_SWEEP_MS);
      server.close(() => {
        clearInterval(sweep);
        done();
      });
      server.closeIdleConnections();
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({ server, port: address.port, close });
    });
  });
}
