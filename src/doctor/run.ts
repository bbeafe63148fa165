/**
 * Runs every group of checks for what is configured and renders the report: one line per check, the fix and
 * the guide section under each problem. Secrets from the environment never reach the text.
 */
import type { Config } from '../config/load.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';
import { aircallChecks } from './aircall.js';
import type { DoctorContext } from './context.js';
import { openAndPing, pingCheck, portCheck, routingChecks, secretChecks } from './local.js';
import { slackChecks } from './slack.js';
import { DEFAULT_TEAMS_TOKEN_URL, teamsChecks } from './teams.js';
import { type Check, DOCTOR_TIMEOUT_MS, reason } from './types.js';
import { zendeskChecks } from './zendesk.js';

export interface DoctorOptions {
  logger: Logger;
  metrics: Metrics;
  timeoutMs?: number;
  teamsTokenUrl?: string;
  /** The server's own store: used as is, and PORT is not probed (the server holds it). */
  store?: Store;
}

export interface DoctorReport {
  checks: Check[];
  /** True when nothing failed (warnings and skipped checks do not count). */
  healthy: boolean;
}

export function contextFor(config: Config, options: DoctorOptions): DoctorContext {
  return {
    env: config.env,
    routing: config.routing,
    timeoutMs: options.timeoutMs ?? DOCTOR_TIMEOUT_MS,
    teamsTokenUrl: options.teamsTokenUrl ?? DEFAULT_TEAMS_TOKEN_URL,
    logger: options.logger,
    metrics: options.metrics,
  };
}

/** Runs a group and turns a bug in it into one failed line rather than a crash of the whole report. */
async function guarded(area: string, run: () => Promise<Check[]>): Promise<Check[]> {
  try {
    return await run();
  } catch (error) {
    return [{ area, name: 'doctor', status: 'fail', detail: `the check itself failed: ${reason(error)}` }];
  }
}

export async function localChecks(
  config: Config,
  options: DoctorOptions & { store: Store },
): Promise<Check[]> {
  const context = contextFor(config, options);
  return [
    ...routingChecks(config, context),
    ...secretChecks(config.env),
    await pingCheck(options.store, context),
  ];
}

export async function runDoctor(config: Config, options: DoctorOptions): Promise<DoctorReport> {
  const context = contextFor(config, options);
  const checks: Check[] = [...routingChecks(config, context), ...secretChecks(config.env)];
  let store = options.store ?? null;
  let opened: Store | null = null;
  if (store) {
    checks.push(await pingCheck(store, context));
  } else {
    const result = await openAndPing(config, context);
    checks.push(result.check);
    store = opened = result.store;
  }
  try {
    if (!options.store) checks.push(await portCheck(config.env.PORT));
    checks.push(...(await vendorChecks(config, options, store)));
  } finally {
    await opened?.close().catch(() => undefined);
  }
  return reportOf(config, checks);
}

/** The checks against the vendors' live APIs (and the Teams channels the bot has seen). */
export async function vendorChecks(
  config: Config,
  options: DoctorOptions,
  store: Store | null,
): Promise<Check[]> {
  const context = contextFor(config, options);
  // Sequential on purpose: a few requests, and the report keeps a stable order.
  return [
    ...(await guarded('slack', () => slackChecks(context))),
    ...(await guarded('teams', () => teamsChecks(context, store))),
    ...(await guarded('zendesk', () => zendeskChecks(context))),
    ...(await guarded('aircall', () => aircallChecks(context))),
  ];
}

export function reportOf(config: Pick<Config, 'secrets'>, checks: Check[]): DoctorReport {
  const clean = checks.map((check) => redact(check, config.secrets));
  return { checks: clean, healthy: clean.every((c) => c.status !== 'fail') };
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[secret]');
  return out;
}

/** Belt and braces: details are built from names and codes, but a vendor message could echo anything. */
function redact(check: Check, secrets: string[]): Check {
  return {
    ...check,
    detail: scrub(check.detail, secrets),
    ...(check.fix ? { fix: scrub(check.fix, secrets) } : {}),
  };
}

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'off ' };

/** The report as text: `ok   slack token: …`, and under a problem `fix:` and `see:` lines. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.area} ${check.name}: ${check.detail}`);
    if (check.status === 'fail' || check.status === 'warn') {
      if (check.fix) lines.push(`       fix: ${check.fix}`);
      if (check.docs) lines.push(`       see: ${check.docs}`);
    }
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed === 0
      ? `ringback doctor: everything configured works${warned > 0 ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`
      : `ringback doctor: ${failed} problem${failed > 1 ? 's' : ''} to fix${warned > 0 ? `, ${warned} warning${warned > 1 ? 's' : ''}` : ''}`,
  );
  return lines.join('\n');
}
