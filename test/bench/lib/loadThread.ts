/**
 * Open-loop load (lib/http.ts) from a thread of its own. The bench process also hosts the fake vendors,
 * and what Ringback's jobs send them (cards, tickets: hundreds of requests a second in the ack scenario)
 * runs on the bench's event loop; a load generator on that loop would count the fakes' work in Ringback's
 * answer time but not in the bare server's. Aircall does not share an event loop with Slack either.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { HttpClient, openLoop } from './http.js';

export interface LoadPlan {
  baseUrl: string;
  path: string;
  bodies: string[];
  perSecond: number;
  maxSockets: number;
}

export interface LoadResult {
  results: { status: number; ms: number; error: string | null }[];
  lateMs: number;
}

interface LoadThreadData {
  benchLoadThread: LoadPlan;
}

/** Sends `plan.bodies` at `plan.perSecond` from a worker thread; resolves with every answer. */
export function loadFromThread(plan: LoadPlan): Promise<LoadResult> {
  const self = import.meta.url;
  const data: LoadThreadData = { benchLoadThread: plan };
  // The bench runs under tsx, whose hooks Node 20 does not hand to a worker: register them there first.
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = self.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(self)}); });`,
        { eval: true, workerData: data },
      )
    : new Worker(new URL(self), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load thread stopped (exit code ${code})`)));
  });
}

async function runPlan(plan: LoadPlan): Promise<LoadResult> {
  const client = new HttpClient(plan.baseUrl, { maxSockets: plan.maxSockets });
  try {
    const { results, lateMs } = await openLoop(plan.bodies.length, plan.perSecond, (i) =>
      client.post(plan.path, plan.bodies[i] as string),
    );
    return { results: results.map(({ status, ms, error }) => ({ status, ms, error })), lateMs };
  } finally {
    client.close();
  }
}

const data = workerData as Partial<LoadThreadData> | null;
if (!isMainThread && data?.benchLoadThread && parentPort) {
  const port = parentPort;
  void runPlan(data.benchLoadThread).then((result) => port.postMessage(result));
}
