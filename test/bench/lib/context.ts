/** What every scenario gets: the built Ringback, where to write, a seed, and one running world at a time. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../../src/store/store.js';
import type { TestDatabase } from '../../helpers/databases.js';
import type { Runtime } from './build.js';
import { createDatabase, type DatabaseName, inspector } from './database.js';
import { HttpClient } from './http.js';
import type { FigureResult } from './report.js';
import { RingbackProcess } from './ringbackProcess.js';
import { type Fakes, ringbackEnv, startFakes, writeRouting } from './world.js';

export interface BenchContext {
  /** How Ringback is started (built JavaScript, or tsx when that does not load). */
  runtime: Runtime;
  /** test-results/bench */
  outDir: string;
  seed: number;
  log(line: string): void;
  /** Extra node flags for every Ringback started (`--profile` puts --cpu-prof here). */
  nodeArgs?: string[];
}

export type Scenario = (ctx: BenchContext) => Promise<FigureResult[]>;

export interface World {
  fakes: Fakes;
  database: TestDatabase;
  store: Store;
  routingPath: string;
  env: Record<string, string>;
  /** Starts one more Ringback on this world's database (its own log file). */
  startRingback(
    label: string,
    extraEnv?: Record<string, string>,
    nodeArgs?: string[],
  ): Promise<RingbackProcess>;
  client(ringback: RingbackProcess, maxSockets?: number): HttpClient;
  stop(): Promise<void>;
}

/** Fakes, a fresh database and a routing file; every process and client started through it is stopped with it. */
export async function startWorld(ctx: BenchContext, name: string, kind: DatabaseName): Promise<World> {
  const dir = join(ctx.outDir, 'runs', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const fakes = await startFakes();
  const database = await createDatabase(kind);
  const store = await inspector(database);
  const routingPath = writeRouting(dir);
  const env = ringbackEnv(fakes, database.url, routingPath);
  const processes: RingbackProcess[] = [];
  const clients: HttpClient[] = [];
  let started = 0;
  return {
    fakes,
    database,
    store,
    routingPath,
    env,
    async startRingback(label, extraEnv = {}, nodeArgs = []) {
      started += 1;
      const process = await RingbackProcess.start({
        main: ctx.runtime.main,
        ...(ctx.runtime.loader ? { loader: ctx.runtime.loader } : {}),
        env: {
          ...env,
          ...extraEnv,
          ...(globalThis.process.env.BENCH_LOG_LEVEL
            ? { LOG_LEVEL: globalThis.process.env.BENCH_LOG_LEVEL }
            : {}),
        },
        logFile: join(dir, `${label}-${started}.log`),
        nodeArgs: [...ctx.runtime.nodeArgs, ...(ctx.nodeArgs ?? []), ...nodeArgs],
      });
      processes.push(process);
      return process;
    },
    client(ringback, maxSockets = 64) {
      const client = new HttpClient(ringback.baseUrl, { maxSockets });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      await Promise.all(processes.map((p) => p.stop()));
      await store.close();
      await fakes.stop();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
