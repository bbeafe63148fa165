/** A real Ringback on loopback for the fuzz files: silent counting logger, fast job retries, helpers to settle. */
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import type { Store } from '../../../src/store/store.js';
import { testConfig } from '../../helpers/config.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { countingLogger } from './fuzz.js';

export async function startFuzzedRingback(options: {
  database: TestDatabase;
  env: Record<string, string>;
  adapters: RegisterAdapter[];
  routingYaml?: string;
}): Promise<{ ringback: StartedRingback; logLines: () => number }> {
  const config = testConfig({
    database: options.database,
    env: { LOG_LEVEL: 'info', ...options.env },
    ...(options.routingYaml ? { routingYaml: options.routingYaml } : {}),
  });
  const { logger, lines } = countingLogger();
  const ringback = await startRingback(config, {
    logger,
    adapters: options.adapters,
    runner: { concurrency: 8, pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 500 },
  });
  return { ringback, logLines: lines };
}

/** Waits until no job of these kinds is pending or running (bounded). */
export async function settleJobs(store: Store, kinds: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await store.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['pending', 'running'])
      .where('kind', 'in', kinds)
      .where('run_at', '<=', Date.now() + 1_000)
      .executeTakeFirst();
    if (Number(open?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs ${kinds.join(', ')} still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Dead jobs of these kinds, with their last error (a hostile payload that passed validation broke them). */
export async function deadJobs(store: Store, kinds: string[]): Promise<string[]> {
  const dead = await store.jobs.list({ status: 'dead' });
  return dead.filter((j) => kinds.includes(j.kind)).map((j) => `${j.kind} #${j.id}: ${j.lastError}`);
}

/** How many jobs of this kind ran to their end (a completed job is deleted, so the runner's count says it). */
export async function completedJobs(ringback: StartedRingback, kind: string): Promise<number> {
  const { values } = await ringback.metrics.jobs.get();
  return values.find((v) => v.labels.kind === kind && v.labels.result === 'done')?.value ?? 0;
}
