/**
 * Whether this replica should get traffic: not while it stops, not when its database does not answer
 * within a second, and not when its job runner has stalled (work has been due for a while and no job
 * finished meanwhile). One function, so a verbose report can reuse the same checks.
 */
import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/store.js';

export const DATABASE_PING_TIMEOUT_MS = 1_000;
/** Work due this long, with no job finished for as long, means the runner is stuck. */
export const RUNNER_STALL_MS = 60_000;

export interface ReadinessDeps {
  store: Store;
  clock: Clock;
  isAcceptingTraffic: () => boolean;
  /**
   * True while this process's jobs thread is still starting (src/threads/split.ts): webhooks would be
   * accepted but nothing would come of them yet, so the load balancer waits.
   */
  jobsStarting?: () => boolean;
  /** The runner's progress, or null when it does not take jobs here (stopped, driven by hand). */
  runnerProgress?: () => {
    startedAt: number;
    lastFinishedAt: number | null;
    /** Kinds held back on purpose (their vendor is down): their waiting is not a stall. */
    waitingKinds: string[];
  } | null;
  pingTimeoutMs?: number;
  stallMs?: number;
}

export interface NotReady {
  error: 'shutting_down' | 'starting' | 'database_unreachable' | 'runner_stalled';
  detail: string;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Null when ready; otherwise what is wrong, for a 503. */
export async function notReadyReason(deps: ReadinessDeps): Promise<NotReady | null> {
  if (!deps.isAcceptingTraffic()) return { error: 'shutting_down', detail: 'this replica is stopping' };
  if (deps.jobsStarting?.()) return { error: 'starting', detail: 'the jobs thread is still starting' };
  const pingTimeoutMs = deps.pingTimeoutMs ?? DATABASE_PING_TIMEOUT_MS;
  try {
    await within(deps.store.ping(), pingTimeoutMs, 'the database');
  } catch {
    return {
      error: 'database_unreachable',
      detail: `the database did not answer within ${pingTimeoutMs} ms`,
    };
  }
  const progress = deps.runnerProgress?.();
  if (!progress) return null;
  const stallMs = deps.stallMs ?? RUNNER_STALL_MS;
  const now = deps.clock.now();
  const lastProgress = Math.max(progress.startedAt, progress.lastFinishedAt ?? 0);
  if (now - lastProgress < stallMs) return null;
  let oldestDue: number | null;
  try {
    oldestDue = await within(
      deps.store.jobs.nextRunAt(progress.waitingKinds),
      pingTimeoutMs,
      'the jobs table',
    );
  } catch {
    return { error: 'database_unreachable', detail: 'the jobs table did not answer in time' };
  }
  if (oldestDue !== null && now - oldestDue >= stallMs) {
    return {
      error: 'runner_stalled',
      detail: `jobs have been due for ${Math.round((now - oldestDue) / 1000)} s and none finished for ${Math.round((now - lastProgress) / 1000)} s`,
    };
  }
  return null;
}
