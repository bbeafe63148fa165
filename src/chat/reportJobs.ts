/**
 * The report deliveries every surface may have, named after the surface (`slack.charts`, `teams.charts`) so
 * the runner gives them the vendor's breaker and slots: a period's charts, drawn when the job runs (a few
 * seconds of work a command must not wait for), and a manager's CSV export. Planned by the scheduled
 * summaries and by the commands; each surface registers the handlers of its own kinds.
 */

import { z } from 'zod';
import { defineJob, type JobKind } from '../jobs/registry.js';
import { MAX_CHART_DAYS } from '../reports/chartData.js';
import { addressSchema } from './jobs.js';

export const chartsPayload = z.object({
  to: addressSchema,
  /** As `/ringback summary` reads it: `week`, `2026-11-16..2026-11-22`… */
  period: z.string().min(1),
  line: z.string().min(1).nullable(),
  /** The zone the summary was read in, so the charts' days and hours match its figures. */
  timezone: z.string().min(1),
  /** The summary's title, said with the charts. */
  title: z.string().min(1),
  /** When the period was asked for: `week` is read as of then (absent in jobs queued by older versions). */
  asOf: z.number().optional(),
});
export type ChartsPayload = z.infer<typeof chartsPayload>;

export const exportPayload = z.object({
  /** The manager who asked, as the surface knows them (Slack user id). */
  user: z.string().min(1),
  period: z.string().min(1),
  line: z.string().min(1).nullable(),
  /** When the export was asked for: `week` is read as of then (absent in jobs queued by older versions). */
  asOf: z.number().optional(),
});
export type ExportPayload = z.infer<typeof exportPayload>;

export interface ReportJobKinds {
  charts: JobKind<typeof chartsPayload>;
  export: JobKind<typeof exportPayload>;
}

export function reportJobKinds(surface: string): ReportJobKinds {
  return {
    charts: defineJob(`${surface}.charts`, chartsPayload),
    export: defineJob(`${surface}.export`, exportPayload),
  };
}

/** Scheduled summaries and commands whose period spans a week or more (up to MAX_CHART_DAYS) come with charts. */
export function wantsCharts(period: string): boolean {
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(period);
  if (!range) return period === 'week' || period === 'month';
  const days = (Date.parse(range[2] as string) - Date.parse(range[1] as string)) / 86_400_000 + 1;
  return days >= 7 && days <= MAX_CHART_DAYS;
}
