/** What every group of checks reads: the validated configuration and how long a vendor may take. */
import type { Env } from '../config/env.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface DoctorContext {
  env: Env;
  routing: RoutingConfig;
  /** Per vendor request (DOCTOR_TIMEOUT_MS unless a test shortens it). */
  timeoutMs: number;
  /** Where Teams credentials are exchanged for a token (a fake in tests). */
  teamsTokenUrl: string;
  logger: Logger;
  metrics: Metrics;
}
