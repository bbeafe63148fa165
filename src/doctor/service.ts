/**
 * The doctor inside a running Ringback, for `/readyz?verbose=1` and `/ringback doctor`: the database is
 * checked on every ask, the vendors at most once a minute (an operator's refresh or a dashboard polling
 * the endpoint must not turn into traffic against Slack, Zendesk, Aircall and Entra ID).
 */
import type { Config } from '../config/load.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';
import { type DoctorReport, localChecks, reportOf, vendorChecks } from './run.js';
import type { Check } from './types.js';

export const VENDOR_CHECKS_TTL_MS = 60_000;

export interface DoctorServiceDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  timeoutMs?: number;
  teamsTokenUrl?: string;
  ttlMs?: number;
}

export interface ServedReport extends DoctorReport {
  /** When the vendors were last asked (ISO time). */
  vendorsCheckedAt: string;
}

export class DoctorService {
  private vendors: { at: number; checks: Check[] } | null = null;
  private running: Promise<Check[]> | null = null;

  constructor(private readonly deps: DoctorServiceDeps) {}

  async report(): Promise<ServedReport> {
    const { config, store } = this.deps;
    const options = {
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      store,
      ...(this.deps.timeoutMs !== undefined ? { timeoutMs: this.deps.timeoutMs } : {}),
      ...(this.deps.teamsTokenUrl !== undefined ? { teamsTokenUrl: this.deps.teamsTokenUrl } : {}),
    };
    const [local, vendors] = await Promise.all([localChecks(config, options), this.vendorChecks(options)]);
    return {
      ...reportOf(config, [...local, ...vendors.checks]),
      vendorsCheckedAt: new Date(vendors.at).toISOString(),
    };
  }

  private async vendorChecks(
    options: Parameters<typeof vendorChecks>[1],
  ): Promise<{ at: number; checks: Check[] }> {
    const ttl = this.deps.ttlMs ?? VENDOR_CHECKS_TTL_MS;
    if (this.vendors && this.deps.clock.now() - this.vendors.at < ttl) return this.vendors;
    // Concurrent asks share one run.
    this.running ??= vendorChecks(this.deps.config, options, this.deps.store).finally(() => {
      this.running = null;
    });
    const checks = await this.running;
    if (!this.vendors || this.deps.clock.now() - this.vendors.at >= ttl) {
      this.vendors = { at: this.deps.clock.now(), checks };
    }
    return this.vendors;
  }
}
