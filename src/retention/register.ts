/**
 * Plugs the retention purge into a Ringback process: every ten minutes, on the one replica holding the
 * `ringback.retention` lease, each purger of src/app/retention.ts runs in batches. Always on: data is
 * bounded whatever else is configured.
 */
import { type RegisterAdapter, runsJobs } from '../adapters/context.js';
import { PURGED_WHAT, type Purger, purgeRound, standardPurgers } from '../app/retention.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';
import { LeasedLoop } from '../zendesk/leasedLoop.js';

export const RETENTION_LEASE = 'ringback.retention';

export interface RetentionScheduleOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  purgers: Purger[];
  intervalMs?: number;
  /** After startup, before the first round: a process restarting in a loop must not purge on every start. */
  firstRunDelayMs?: number;
  /** Work per purger per round (src/app/retention.ts purgeRound). */
  budgetMs?: number;
}

const KNOWN_WHAT: ReadonlySet<string> = new Set(PURGED_WHAT);

export class RetentionSchedule {
  private readonly loop: LeasedLoop;
  private firstRun: NodeJS.Timeout | null = null;

  constructor(private readonly options: RetentionScheduleOptions) {
    const { store, clock, logger, metrics, purgers, budgetMs } = options;
    for (const what of PURGED_WHAT) metrics.purged.inc({ what }, 0);
    this.loop = new LeasedLoop({
      name: RETENTION_LEASE,
      store,
      clock,
      logger,
      intervalMs: options.intervalMs ?? 10 * 60_000,
      round: async () => {
        const { purged, more } = await purgeRound(purgers, { clock, logger, budgetMs });
        const done = Object.entries(purged).filter(([, count]) => count > 0);
        for (const [name, count] of done)
          metrics.purged.inc({ what: KNOWN_WHAT.has(name) ? name : 'other' }, count);
        if (done.length > 0) {
          logger.info(
            { purged: Object.fromEntries(done) },
            `retention: ${done.map(([name, count]) => `${name} ${count}`).join(', ')}`,
          );
        }
        return more;
      },
    });
  }

  /** This replica holds the lease (and so is the one purging). */
  get isLeader(): boolean {
    return this.loop.isLeader;
  }

  start(): void {
    if (this.firstRun) return;
    this.firstRun = setTimeout(() => this.loop.start(), this.options.firstRunDelayMs ?? 60_000);
    this.firstRun.unref();
  }

  async stop(): Promise<void> {
    if (this.firstRun) clearTimeout(this.firstRun);
    this.firstRun = null;
    await this.loop.stop();
  }
}

export const registerRetention: RegisterAdapter = (ctx) => {
  const { store, clock, logger, metrics, config } = ctx;
  const schedule = new RetentionSchedule({
    store,
    clock,
    logger,
    metrics,
    purgers: standardPurgers(store, config.routing.retention),
  });
  if (!runsJobs(ctx.role)) return;
  ctx.onStart(async () => schedule.start());
  ctx.onStop(() => schedule.stop());
};
