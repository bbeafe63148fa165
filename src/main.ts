/** Entry point: read config, compose, start, and stop cleanly on SIGTERM/SIGINT. */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/load.js';
import { createRingback } from './ringback.js';

async function main(): Promise<void> {
  // A .env next to the process is read like the real environment; variables already set win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ringback: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const ringback = await createRingback(config);
  await ringback.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    ringback.logger.info(`${signal}: finishing running jobs, then stopping`);
    const force = setTimeout(() => {
      ringback.logger.error(
        'shutdown took longer than 25 s; exiting anyway (unfinished jobs run again after their lease)',
      );
      process.exit(1);
    }, 25_000);
    force.unref();
    ringback.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        ringback.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ringback: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
