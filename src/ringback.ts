/**
 * Composition: one Ringback process from a Config — store, job runner, HTTP app and adapters.
 * main.ts starts it for real; tests start as many as they like on random ports.
 */

import type { AdapterContext, ProcessRole, RegisterAdapter } from './adapters/context.js';
import { adapters as defaultAdapters } from './adapters/index.js';
import type { CommandDeps } from './app/commands.js';
import { AgentDirectory } from './app/directory.js';
import { type IntentTranslator, planFromReactions } from './app/intents.js';
import { NoticeHub } from './app/notices.js';
import { ThreadHub } from './app/threads.js';
import type { Config } from './config/load.js';
import { DoctorService } from './doctor/service.js';
import { type Clock, systemClock } from './domain/clock.js';
import { describeFeatures } from './features.js';
import { createHttpApp, listen, type RouteMount, type RunningServer } from './http/server.js';
import { JobRunner, type JobRunnerOptions, PRODUCTION_LEASE_MS, runnerSlotsFor } from './jobs/runner.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { postgresBudgets, rememberedBudgets } from './resilience/budgets.js';
import { type Vendor, type VendorPolicySettings, vendorPolicies } from './resilience/vendorPolicy.js';
import { CLOCK_ALIGN_EVERY_MS, DatabaseAlignedClock } from './store/alignedClock.js';
import { openDatabase } from './store/db.js';
import { migrateOnOwnConnection } from './store/migrate.js';
import { Store } from './store/store.js';
import { answerBudgets, budgetsOverLink } from './threads/budgets.js';
import { answeringInbox, type InboxHalf, jobsInbox, moveLeftoverInbox } from './threads/deliveries.js';
import type { RunnerProgress, ThreadLink } from './threads/link.js';

export interface RingbackOptions {
  clock?: Clock;
  /**
   * Set this process's clock to the database server's (PostgreSQL; see src/store/alignedClock.ts). On by
   * default; off by default when `clock` is given (a test's clock means what it says).
   */
  followDatabaseClock?: boolean;
  logger?: Logger;
  metrics?: Metrics;
  runner?: Partial<Omit<JobRunnerOptions, 'store' | 'clock' | 'logger' | 'metrics'>>;
  /** Listen here instead of PORT (tests use 0). */
  port?: number;
  host?: string;
  /** Replaces the default adapter list (tests plug in only what they exercise). */
  adapters?: RegisterAdapter[];
  /** Don't start the job runner (tests that drive it by hand). */
  manualJobs?: boolean;
  /** Per-vendor timeouts and breakers (defaults: 10 s, open after 5 outages in a row, test again after 10 s). */
  vendors?: Partial<Record<Vendor, Partial<VendorPolicySettings>>>;
  /** How long one stop hook may take before shutdown goes on without it (default 5 s). */
  stopHookTimeoutMs?: number;
  /** `all` unless this is one half of a split process (src/threads/split.ts), which then needs `link`. */
  role?: ProcessRole;
  link?: ThreadLink;
}

/** How often the jobs thread tells the answering thread how its runner is doing (for /readyz). */
const PROGRESS_EVERY_MS = 1_000;

export const DEFAULT_STOP_HOOK_TIMEOUT_MS = 5_000;

/** Runs a stop hook, giving up on it after `ms`: one hung adapter must not keep the process alive. */
async function runStopHook(hook: () => Promise<void>, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const outcome = await Promise.race([hook().then(() => 'done' as const), late]);
    if (outcome === 'late') logger.error(`stop: a stop hook took longer than ${ms} ms; going on without it`);
  } catch (error) {
    logger.error({ err: error }, 'stop: a stop hook failed; going on');
  } finally {
    clearTimeout(timer);
  }
}

export interface Ringback {
  config: Config;
  store: Store;
  runner: JobRunner;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  commands: CommandDeps;
  directory: AgentDirectory;
  threads: ThreadHub;
  notices: NoticeHub;
  /** Set once start() resolved. */
  http: RunningServer | null;
  /** Listens and starts the jobs (role `all`), or only listens (`web`). */
  start(): Promise<RunningServer>;
  /** The jobs half of a split process: starts the runner and the pollers, answers no HTTP. */
  startJobs(): Promise<void>;
  stop(): Promise<void>;
}

/** A replica's clock this far from the database's is said at startup, where it can be fixed. */
export const CLOCK_SKEW_WARN_MS = 1_000;

/**
 * Measures this replica's clock against the database's and, when `clock` follows it, adopts the gap; says
 * a gap worth fixing (NTP) either way.
 */
async function alignWithDatabase(
  store: Store,
  clock: DatabaseAlignedClock,
  follow: boolean,
  logger: Logger,
): Promise<void> {
  const before = clock.offsetMs;
  const skewMs = await clock.measureGap(store);
  if (skewMs === null) return;
  if (follow) clock.follow(skewMs);
  if (Math.abs(skewMs) > CLOCK_SKEW_WARN_MS) {
    logger.warn(
      { skewMs, following: follow },
      `clock: this replica's clock is ${Math.abs(skewMs)} ms ${skewMs > 0 ? 'ahead of' : 'behind'} the database's; ${
        follow
          ? "Ringback follows the database's clock for its times"
          : 'replicas compare clocks for leases and due jobs'
      }: synchronise it (NTP)`,
    );
  } else if (follow && clock.offsetMs !== before) {
    logger.info({ skewMs }, "clock: following the database's clock");
  }
}

export async function createRingback(config: Config, options: RingbackOptions = {}): Promise<Ringback> {
  // On PostgreSQL the replicas' times meet in the database: each follows the database's clock.
  const clock = new DatabaseAlignedClock(options.clock ?? systemClock);
  const followDatabaseClock = options.followDatabaseClock ?? options.clock === undefined;
  const role = options.role ?? 'all';
  const link = options.link ?? null;
  if (role !== 'all' && !link) throw new Error(`a "${role}" Ringback needs the link to its other half`);
  const baseLogger = options.logger ?? createLogger({ level: config.env.LOG_LEVEL, secrets: config.secrets });
  // Both halves of a split process write to the same output: the jobs thread's lines say so.
  const logger = role === 'jobs' ? baseLogger.child({ thread: 'jobs' }) : baseLogger;
  // The process's own figures (memory, event loop) once, from the answering thread that serves /metrics.
  const metrics = options.metrics ?? new Metrics({ defaultMetrics: role !== 'jobs' });

  const store = new Store(
    openDatabase(config.database, {
      onConnectionError: (error) =>
        logger.warn({ err: error }, 'store: an idle database connection failed; the pool replaces it'),
    }),
  );
  const newerDatabase = (names: string[]) =>
    logger.warn(
      { migrations: names },
      `store: the database was migrated by a newer Ringback (${names.join(', ')}); this version runs on it as it is`,
    );
  const applied =
    config.database.dialect === 'postgres'
      ? await migrateOnOwnConnection(
          config.database,
          (error) => logger.warn({ err: error }, 'store: the migration connection failed'),
          newerDatabase,
        )
      : await store.migrate(newerDatabase);
  logger.info({ database: store.description, migrations: applied }, `store: ${store.description} ready`);
  await alignWithDatabase(store, clock, followDatabaseClock, logger);
  const clockTimer =
    config.database.dialect === 'postgres' && followDatabaseClock
      ? setInterval(() => {
          alignWithDatabase(store, clock, true, logger).catch((error: unknown) =>
            logger.warn({ err: error }, "clock: could not read the database's clock; keeping the last gap"),
          );
        }, CLOCK_ALIGN_EVERY_MS).unref()
      : null;

  // A fresh start: breakers closed, this process's timeouts (the clients find their policy there).
  vendorPolicies.reset(options.vendors);
  const runner = new JobRunner({
    store,
    clock,
    logger,
    metrics,
    vendors: vendorPolicies,
    leaseMs: PRODUCTION_LEASE_MS,
    ...runnerSlotsFor(store.dialect),
    ...options.runner,
  });
  const translators: IntentTranslator[] = [];
  const mounts: RouteMount[] = [];
  const startHooks: (() => Promise<void>)[] = [];
  const stopHooks: (() => Promise<void>)[] = [];
  const threads = new ThreadHub();
  const notices = new NoticeHub();
  const directory = new AgentDirectory(config.routing.managers, config.routing.allowUnmappedUsers, {
    store,
    clock,
    logger,
  });
  // Translators are looked up at call time, so adapters registered later still take part.
  const commands: CommandDeps = {
    store,
    clock,
    planEffects: planFromReactions(config.routing, () => translators),
  };

  // Said once per process: the jobs half of a split process reads the same configuration.
  const saysConfig = role !== 'jobs';
  for (const warning of saysConfig ? config.warnings : []) logger.warn(`config: ${warning}`);
  for (const feature of saysConfig ? describeFeatures(config.env) : []) {
    logger.info(
      { feature: feature.name, on: feature.on },
      `${feature.name}: ${feature.on ? 'on' : 'off'} (${feature.why})`,
    );
  }

  // On PostgreSQL every replica draws from one budget per vendor account; on SQLite there is one process,
  // whose jobs thread keeps the budgets when it is split, and remembers them across restarts.
  const budgets =
    config.database.dialect === 'postgres'
      ? await postgresBudgets({ url: config.database.url })
      : role === 'web' && link
        ? budgetsOverLink(link)
        : await rememberedBudgets(store.budgetLedger, clock);
  if (config.database.dialect !== 'postgres' && role === 'jobs' && link) answerBudgets(link, budgets);

  const doctor = new DoctorService({ config, store, clock, logger, metrics });
  const context: AdapterContext = {
    config,
    role,
    link,
    store,
    runner,
    logger,
    metrics,
    doctor,
    clock,
    budgets,
    commands,
    directory,
    threads,
    notices,
    addIntentTranslator: (translator) => translators.push(translator),
    addMount: (mount) => mounts.push(mount),
    addAgentLookup: (lookup) => directory.addLookup(lookup),
    onStart: (hook) => startHooks.push(hook),
    onStop: (hook) => stopHooks.push(hook),
  };
  for (const register of options.adapters ?? defaultAdapters) await register(context);

  let accepting = true;
  // The answering thread of a split process: jobs it queues wake the other thread's runner, and /readyz
  // judges that runner by what it last said.
  let remoteProgress: RunnerProgress | null = null;
  let jobsStarting = role === 'web';
  if (role === 'web' && link) {
    link.on('jobs.ready', () => {
      jobsStarting = false;
    });
    store.onJobsEnqueued(() => link.send('jobs.enqueued', null));
    link.on('runner.progress', (progress) => {
      remoteProgress = progress;
    });
  }
  // On SQLite the two halves meet in the inbox file, not in the jobs table's write lock.
  let inbox: InboxHalf | null = null;
  if (link && config.database.dialect === 'sqlite' && role !== 'all') {
    const deps = { databasePath: config.database.path, store, clock, logger, link };
    inbox = role === 'web' ? answeringInbox(deps) : jobsInbox(deps);
  }
  let progressTimer: NodeJS.Timeout | undefined;
  if (role === 'jobs' && link) {
    link.on('jobs.enqueued', () => runner.poke());
    link.answer('metrics', async () => metrics.registry.getMetricsAsJSON());
  }
  const app = createHttpApp({
    store,
    clock,
    routing: config.routing,
    logger,
    metrics,
    token: config.env.RINGBACK_API_TOKEN,
    mounts,
    isAcceptingTraffic: () => accepting,
    runnerProgress: () => (role === 'web' ? remoteProgress : runner.progress()),
    jobsStarting: () => jobsStarting,
    doctor,
    ...(role === 'web' && link ? { jobsThreadMetrics: () => link.ask('metrics', null) } : {}),
  });

  const ringback: Ringback = {
    config,
    store,
    runner,
    logger,
    metrics,
    clock,
    commands,
    directory,
    threads,
    notices,
    http: null,
    async start() {
      if (role === 'jobs')
        throw new Error('the jobs half of a split process answers no HTTP: use startJobs()');
      const http = await listen(app, options.port ?? config.env.PORT, options.host);
      ringback.http = http;
      inbox?.start();
      if (role === 'all' && config.database.dialect === 'sqlite') {
        await moveLeftoverInbox({ databasePath: config.database.path, store, clock, logger });
      }
      if (!options.manualJobs && role === 'all') runner.start();
      for (const hook of startHooks) await hook();
      logger.info({ port: http.port }, `http: listening on port ${http.port}`);
      return http;
    },
    async startJobs() {
      if (role !== 'jobs') throw new Error('startJobs() is for the jobs half of a split process');
      if (!options.manualJobs) runner.start();
      inbox?.start();
      for (const hook of startHooks) await hook();
      const report = () => link?.send('runner.progress', runner.progress());
      report();
      progressTimer = setInterval(report, PROGRESS_EVERY_MS);
      progressTimer.unref();
      logger.info('jobs: running on their own thread');
      link?.send('jobs.ready', null);
    },
    async stop() {
      accepting = false;
      clearInterval(progressTimer);
      if (clockTimer) clearInterval(clockTimer);
      // First no new jobs, so nothing starts that the hooks below are tearing down.
      await runner.stopTaking();
      const hookTimeoutMs = options.stopHookTimeoutMs ?? DEFAULT_STOP_HOOK_TIMEOUT_MS;
      for (const hook of stopHooks) await runStopHook(hook, hookTimeoutMs, logger);
      await ringback.http?.close();
      await inbox?.stop();
      await runner.stop();
      await budgets.close();
      await store.close();
      logger.info('stopped');
    },
  };
  return ringback;
}
