/** What an adapter (a provider, a surface, Zendesk) gets to plug itself into a Ringback process. */
import type { CommandDeps } from '../app/commands.js';
import type { AgentDirectory, AgentLookup } from '../app/directory.js';
import type { IntentTranslator } from '../app/intents.js';
import type { NoticeHub } from '../app/notices.js';
import type { ThreadHub } from '../app/threads.js';
import type { Config } from '../config/load.js';
import type { DoctorHandle } from '../doctor/readyz.js';
import type { Clock } from '../domain/clock.js';
import type { RouteMount } from '../http/server.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { BudgetSource } from '../resilience/budgets.js';
import type { Store } from '../store/store.js';
import type { ThreadLink } from '../threads/link.js';

/**
 * What this Ringback does. `all`: one thread answers HTTP and runs the jobs (the default, tests, the demo).
 * With RINGBACK_THREADS=2 a process is split in two (src/threads/split.ts): `web` answers HTTP and queues
 * work, `jobs` runs it, so an acknowledgement never waits behind a job.
 */
export type ProcessRole = 'all' | 'web' | 'jobs';

/** Whether work that belongs with the jobs (pollers, lane wake-ups, schedules) starts in this thread. */
export function runsJobs(role: ProcessRole): boolean {
  return role !== 'web';
}

/** Whether this thread receives what users send (HTTP routes, Slack's Socket Mode connection). */
export function servesUsers(role: ProcessRole): boolean {
  return role !== 'jobs';
}

export interface AdapterContext {
  config: Config;
  role: ProcessRole;
  /** The other half of a split process (null when this thread does everything). */
  link: ThreadLink | null;
  store: Store;
  runner: JobRunner;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Vendor request budgets: one per account for the whole cluster on PostgreSQL, in process on SQLite. */
  budgets: BudgetSource;
  /** Everything a use case needs to run a command (planEffects: the reactions table, then translators). */
  commands: CommandDeps;
  directory: AgentDirectory;
  /** The install checks of `npm run doctor`, for `/ringback doctor` (vendors asked at most once a minute). */
  doctor: DoctorHandle;
  /** Where thread messages meet their mirrors (Slack/Teams threads ↔ Zendesk side conversations). */
  threads: ThreadHub;
  /** Escalations, reminders and scheduled summaries, said by every surface that is on. */
  notices: NoticeHub;
  /** Turns the reactions table's intents into this adapter's jobs (queued in the change's transaction). */
  addIntentTranslator(translator: IntentTranslator): void;
  /** Routes on the shared HTTP app. */
  addMount(mount: RouteMount): void;
  addAgentLookup(lookup: AgentLookup): void;
  /** Runs after the HTTP server listens (pollers, socket connections). */
  onStart(hook: () => Promise<void>): void;
  /** Runs at shutdown, before the job runner and the store stop. */
  onStop(hook: () => Promise<void>): void;
}

/** Every adapter exports one of these. */
export type RegisterAdapter = (context: AdapterContext) => void | Promise<void>;
