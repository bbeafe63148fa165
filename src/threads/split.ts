/**
 * With RINGBACK_THREADS=2, `npm start` runs one Ringback process on two threads. The main thread answers
 * HTTP (webhooks, clicks, the API) and queues work; a worker thread runs the jobs (ingest, cards, Zendesk)
 * and the pollers. Both are the same composition (src/ringback.ts) with a different role, on their own
 * database connection. Otherwise (the default) this runs one Ringback on the main thread.
 *
 * Why: better-sqlite3 and the jobs' JavaScript run on the thread they are called from. On one thread an
 * acknowledgement waits behind whatever job is running (at 500 deliveries a second that thread is busy
 * about 90 % of the time); on its own it waits only for its own insert. Jobs and their vendor pacing stay
 * together on one thread, so nothing about them changes. What crosses is listed in src/threads/link.ts.
 *
 * The cost (measured, docs/performance.md): a second V8 isolate with every module loaded again, about 70 MB,
 * and the jobs thread's start on top of the answering thread's, about a second. So it is a switch, off by
 * default, for deployments whose webhook answers must stay fast under heavy ingest.
 *
 * The entry module is loaded by both threads: `runSplitProcess` decides which half it is.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load.js';
import { loadConfigOrExit, stopOnSignals } from '../process.js';
import { createRingback, type Ringback, type RingbackOptions } from '../ringback.js';
import { portLink } from './link.js';

const JOBS_THREAD = 'ringback-jobs';
/** The jobs thread may take this long to stop (its running jobs finish) before it is ended. */
const JOBS_STOP_MS = 20_000;

interface SplitData {
  ringbackThread: typeof JOBS_THREAD;
}

function isJobsThread(data: unknown): data is SplitData {
  return !isMainThread && (data as Partial<SplitData> | null)?.ringbackThread === JOBS_THREAD;
}

/**
 * Runs the process from `entryUrl` (the caller's `import.meta.url`, loaded again by the jobs thread).
 * `options` are the composition's options, the same for both halves.
 */
export async function runSplitProcess(entryUrl: string, options: RingbackOptions = {}): Promise<void> {
  if (isJobsThread(workerData)) {
    await runJobsHalf(options);
    return;
  }
  const config = loadConfigOrExit();
  const inMemory = config.database.dialect === 'sqlite' && config.database.path === ':memory:';
  if (config.env.RINGBACK_THREADS === '1' || inMemory) {
    const single = await createRingback(config, options);
    // Two connections to :memory: are two databases: one thread does everything.
    if (config.env.RINGBACK_THREADS === '2')
      single.logger.warn(
        'threads: RINGBACK_THREADS=2 ignored: an in-memory SQLite database cannot be shared',
      );
    stopOnSignals(single);
    await single.start();
    return;
  }
  // Started first so its modules load while this thread migrates the database.
  const worker = startWorker(entryUrl, { ringbackThread: JOBS_THREAD });
  const link = portLink(worker);
  const jobsReady = new Promise<void>((resolve) => link.on('jobs.ready', () => resolve()));
  let web: Ringback | null = null;
  let stopping = false;
  const jobsFailed = new Promise<never>((_, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!stopping) reject(new Error(`the jobs thread stopped (exit code ${code})`));
    });
  });
  jobsFailed.catch((error: unknown) => {
    // A process without its jobs thread only queues: better to exit and be restarted.
    const say = `jobs thread failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    if (web) web.logger.fatal({ err: error }, say);
    else process.stderr.write(`ringback: ${say}\n`);
    process.exit(1);
  });

  // This half migrates the database; the jobs half opens it only afterwards.
  web = await createRingback(config, { ...options, role: 'web', link });
  web.logger.info(
    'threads: answering on the main thread, jobs on a thread of their own (RINGBACK_THREADS=2)',
  );
  const webHalf = web;
  stopOnSignals({
    logger: webHalf.logger,
    async stop() {
      // Answers first (no new work comes in), then the jobs finish what is running.
      await webHalf.stop();
      stopping = true;
      await link.ask('stop', null, JOBS_STOP_MS).catch((error: unknown) => {
        webHalf.logger.error({ err: error }, 'the jobs thread did not stop in time; ending it');
      });
      await worker.terminate();
    },
  });
  link.send('jobs.begin', null);
  await Promise.race([Promise.all([web.start(), jobsReady]), jobsFailed]);
}

/**
 * The jobs thread, from the same entry file. Under tsx (`npm run dev`, the tests) the entry is TypeScript,
 * and Node 20 does not apply the parent's `--import tsx` hooks to a worker: the worker registers tsx itself
 * before it loads the entry. The built JavaScript that `npm start` runs needs none of this.
 */
function startWorker(entryUrl: string, data: SplitData): Worker {
  const options = { workerData: data, name: JOBS_THREAD };
  if (!entryUrl.endsWith('.ts')) return new Worker(new URL(entryUrl), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entryUrl)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

async function runJobsHalf(options: RingbackOptions): Promise<void> {
  if (!parentPort) throw new Error('the jobs half runs in a worker thread');
  const link = portLink(parentPort);
  // The main thread has read (and checked) the same environment already.
  const config = loadConfig();
  let jobs: Ringback | null = null;
  link.answer('stop', async () => {
    await jobs?.stop();
    return null;
  });
  link.on('jobs.begin', () => {
    void (async () => {
      jobs = await createRingback(config, { ...options, role: 'jobs', link });
      await jobs.startJobs();
    })().catch((error: unknown) => {
      // Uncaught here, it ends the worker with an 'error' the main thread reports and exits on.
      setImmediate(() => {
        throw error;
      });
    });
  });
}
