/**
 * What a Ringback process does around the composition: read the configuration (a bad one exits with
 * code 2 and one line per problem), and stop cleanly on SIGTERM/SIGINT. Shared by src/main.ts and the
 * failure drills' entry, so the drills kill the same process lifecycle that production runs.
 */
import { existsSync } from 'node:fs';
import { type Config, ConfigError, loadConfig } from './config/load.js';
import type { Ringback } from './ringback.js';

/** Reads .env (variables already set win) and the configuration; exits with code 2 when it is invalid. */
export function loadConfigOrExit(): Config {
  try {
    if (existsSync('.env')) process.loadEnvFile('.env');
  } catch (error) {
    process.stderr.write(`ringback: .env: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ringback: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * On SIGTERM/SIGINT: stop taking jobs, run the stop hooks (each bounded), let running jobs finish, close
 * the store, exit; whatever is still running after `graceMs` is abandoned to its lease.
 */
export function stopOnSignals(ringback: Pick<Ringback, 'logger' | 'stop'>, graceMs = 25_000): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    ringback.logger.info(`${signal}: taking no new jobs; finishing the running ones, then stopping`);
    const force = setTimeout(() => {
      ringback.logger.error(
        `shutdown took longer than ${graceMs / 1000} s; exiting anyway (unfinished jobs run again after their lease)`,
      );
      process.exit(1);
    }, graceMs);
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

/** Runs `main`, reporting a failure to start on stderr with exit code 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
