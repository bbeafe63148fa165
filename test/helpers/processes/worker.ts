/**
 * A separate Ringback-like process for crash and race tests, driven by environment variables:
 *   MODE=hang     take 'test.crashable' jobs, mark them started, never finish (the test kill -9s us)
 *   MODE=finish   take 'test.crashable' jobs and finish them, recording who finished
 *   MODE=claim    at START_AT (epoch ms) fire CLAIMS concurrent claims on EPISODE_ID; print the results as JSON
 */
import { runCommand } from '../../../src/app/commands.js';
import { systemClock } from '../../../src/domain/clock.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { openDatabase, parseDatabaseUrl } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';

const target = parseDatabaseUrl(process.env.DATABASE_URL);
if (typeof target === 'string') throw new Error(target);
const store = new Store(openDatabase(target, { onConnectionError: () => undefined }));
const mode = process.env.MODE;
const workerId = `${mode}-${process.pid}`;

async function main(): Promise<void> {
  if (mode === 'claim') {
    const startAt = Number(process.env.START_AT);
    const claims = Number(process.env.CLAIMS ?? 25);
    const episodeId = process.env.EPISODE_ID ?? '';
    await store.ping();
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
    const results = await Promise.all(
      Array.from({ length: claims }, (_, i) =>
        runCommand({ store, clock: systemClock, planEffects: () => [] }, episodeId, {
          type: 'claim',
          actor: {
            id: `slack:U${process.pid}x${i}`,
            name: `Agent ${process.pid}/${i}`,
            email: null,
            surface: 'slack',
          },
          at: Date.now(),
        }),
      ),
    );
    process.stdout.write(`${JSON.stringify(results.map((r) => r.status))}\n`);
    await store.close();
    return;
  }

  const runner = new JobRunner({
    store,
    clock: systemClock,
    logger: createLogger({ level: 'silent', secrets: [] }),
    metrics: new Metrics({ defaultMetrics: false }),
    workerId,
    pollIntervalMs: 50,
    leaseMs: Number(process.env.LEASE_MS ?? 1000),
  });
  runner.register('test.crashable', async (_payload, job) => {
    await store.cursors.set(`started:${job.id}:${workerId}`, String(Date.now()), Date.now());
    if (mode === 'hang') await new Promise(() => undefined);
    await store.cursors.set(`finished:${job.id}:${workerId}`, String(Date.now()), Date.now());
  });
  runner.start();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void runner
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
