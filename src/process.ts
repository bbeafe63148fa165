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

const DATABASE_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** pg-pool's words when `connectMs` passes before the server answers. */
const DATABASE_CONNECT_TIMEOUT = 'Connection terminated due to connection timeout';

type SystemError = Error & { code?: unknown; syscall?: unknown; port?: unknown; hostname?: unknown };

/** The error and those an AggregateError gathers (Node tries each address of a host name in turn). */
function attempts(error: SystemError): SystemError[] {
  return [error, ...(error instanceof AggregateError ? (error.errors as SystemError[]) : [])];
}

/** DATABASE_URL as it may be shown: its password masked. */
function shownDatabaseUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return shown.href;
}

/**
 * One line naming the setting to fix, for the failures to start an admin meets on a first install (PORT
 * taken or privileged, the database not answering); null for anything else, whose stack is then the report.
 */
export function startupFailure(error: unknown, env: NodeJS.ProcessEnv): string | null {
  if (!(error instanceof Error)) return null;
  const failure = error as SystemError;
  if (failure.syscall === 'listen') {
    const port = typeof failure.port === 'number' ? failure.port : env.PORT?.trim();
    if (failure.code === 'EADDRINUSE')
      return `PORT ${port} is already in use (is Ringback already running?): stop what listens there, or set PORT to a free port`;
    if (failure.code === 'EACCES')
      return `PORT ${port} needs privileges this user does not have: set PORT above 1023 (e.g. 3000) and put a proxy in front for port 80 or 443`;
    return null;
  }
  const raw = env.DATABASE_URL?.trim();
  if (!raw || !/^postgres(ql)?:/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const where = `DATABASE_URL ${shownDatabaseUrl(url)}`;
  if (failure.message === DATABASE_CONNECT_TIMEOUT)
    return `the database at ${where} did not answer in time: check its host and port, and that its firewall lets this machine in`;
  // Only a failure to reach the database's own host and port: a vendor's refusal must keep its stack.
  const port = Number(url.port || 5432);
  const host = url.hostname;
  const reached = attempts(failure).find(
    (attempt) =>
      DATABASE_UNREACHABLE.has(String(attempt.code)) && (attempt.port === port || attempt.hostname === host),
  );
  if (!reached) return null;
  if (reached.code === 'ENOTFOUND' || reached.code === 'EAI_AGAIN')
    return `the database host "${host}" in ${where} was not found (${reached.code}): check the host name`;
  return `the database at ${where} could not be reached (${String(reached.code)}): check that PostgreSQL runs there and accepts connections, and DATABASE_URL's host and port`;
}

/**
 * Runs `main`, reporting a failure to start on stderr with exit code 1: one line for the common ones (the
 * stack too at LOG_LEVEL=debug or trace), the stack for the rest.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const known = startupFailure(error, process.env);
    const level = process.env.LOG_LEVEL?.trim();
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (known === null) process.stderr.write(`${name}: failed to start: ${stack}\n`);
    else if (level === 'debug' || level === 'trace')
      process.stderr.write(`${name}: failed to start: ${known}\n${stack}\n`);
    else process.stderr.write(`${name}: failed to start: ${known}\n`);
    process.exit(1);
  });
}
