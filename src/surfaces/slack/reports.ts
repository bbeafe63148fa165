/**
 * Files in Slack: a period's charts (the weekly summary, `/ringback summary week`) and a manager's CSV export.
 * Slack's external upload flow (what `files.uploadV2` does): files.getUploadURLExternal for each file, the
 * bytes POSTed to the URL it gives, then one files.completeUploadExternal that shares them all in one
 * message, so a retried job never leaves half a set of charts behind. Each image carries alt text with
 * every number it shows (screen readers, and the Slack clients that cannot load it).
 */
import { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Address } from '../../chat/jobs.js';
import { reportJobKinds } from '../../chat/reportJobs.js';
import type { RoutingConfig } from '../../config/routing.js';
import type { Clock } from '../../domain/clock.js';
import { PermanentFailure, RetryAfter } from '../../jobs/errors.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../observability/logger.js';
import { csvForPeriod } from '../../reports/exportCalls.js';
import { chartsForPeriod } from '../../reports/periodCharts.js';
import type { Store } from '../../store/store.js';
import type { SlackApi } from './api.js';
import { escapeMrkdwn } from './mrkdwn.js';

export const slackReportKinds = reportJobKinds('slack');

/** An upload's bytes may take a while on a slow link; the job's lease is longer. */
const UPLOAD_TIMEOUT_MS = 20_000;

export interface SlackFile {
  filename: string;
  title: string;
  bytes: Buffer;
  /** Images only: what it shows, in words and numbers. */
  alt?: string;
}

const uploadUrlAnswer = z.object({ upload_url: z.string().url(), file_id: z.string().min(1) });
const openAnswer = z.object({ channel: z.object({ id: z.string().min(1) }) });

/** Slack's refusals for the job runner: wait on a rate limit, give up on what no retry can fix. */
function translated(method: string, error: unknown): Error {
  const coded = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (coded.code === webApi.ErrorCode.RateLimitedError) {
    const seconds = typeof coded.retryAfter === 'number' && coded.retryAfter > 0 ? coded.retryAfter : 1;
    return new RetryAfter(seconds * 1000, `${method} rate limited`);
  }
  if (coded.code === webApi.ErrorCode.PlatformError) {
    const code = coded.data?.error ?? 'unknown_error';
    if (code === 'ratelimited') return new RetryAfter(1000, `${method} rate limited`);
    if (
      [
        'missing_scope',
        'not_allowed_token_type',
        'channel_not_found',
        'not_in_channel',
        'user_not_found',
      ].includes(code)
    )
      return new PermanentFailure(
        `slack ${method}: ${code}${code === 'missing_scope' ? ' (reinstall the app: the manifest asks for files:write and im:write)' : ''}`,
      );
    return new Error(`slack ${method}: ${code}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** One Web API call of the report and Home features, its failure translated for the job runner. */
export async function callSlack(
  api: SlackApi,
  method: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  try {
    // Under the breaker too: while Slack is down, reports and Home wait instead of each timing out.
    return await api.underPolicy(method, () => api.clientFor(method).apiCall(method, args));
  } catch (error) {
    throw translated(method, error);
  }
}

/** The DM channel between the app and a person (conversations.open, scope im:write). */
export async function openDirectMessage(api: SlackApi, user: string): Promise<string> {
  const answer = openAnswer.safeParse(await callSlack(api, 'conversations.open', { users: user }));
  if (!answer.success) throw new Error('slack conversations.open: the answer has no channel id');
  return answer.data.channel.id;
}

/** Uploads the files and shares them in one message of `channel` (a channel or a DM). */
export async function shareFiles(
  api: SlackApi,
  channel: string,
  files: SlackFile[],
  initialComment: string,
): Promise<void> {
  const uploaded: { id: string; title: string }[] = [];
  for (const file of files) {
    const answer = uploadUrlAnswer.safeParse(
      await callSlack(api, 'files.getUploadURLExternal', {
        filename: file.filename,
        length: file.bytes.length,
        // Slack's documented name is `alt_txt`.
        ...(file.alt ? { alt_txt: file.alt } : {}),
      }),
    );
    if (!answer.success) throw new Error('slack files.getUploadURLExternal: the answer has no upload_url');
    const response = await fetch(answer.data.upload_url, {
      method: 'POST',
      body: new Uint8Array(file.bytes),
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
    if (response.status === 429) throw new RetryAfter(5_000, 'file upload rate limited');
    if (!response.ok) throw new Error(`slack file upload answered ${response.status}`);
    uploaded.push({ id: answer.data.file_id, title: file.title });
  }
  await callSlack(api, 'files.completeUploadExternal', {
    files: JSON.stringify(uploaded),
    channel_id: channel,
    initial_comment: initialComment,
  });
}

export interface SlackReportDeps {
  api: SlackApi;
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
  logger: Logger;
  /**
   * The largest CSV sent in chat (characters). Only tests set it, small, to reach the "too large" answer
   * without seeding 50 MB of calls; unset, it is MAX_CHAT_EXPORT_CHARS.
   */
  maxExportChars?: number;
}

/** The channels an address means; people get their DM with the app. */
async function channelsOf(deps: SlackReportDeps, to: Address): Promise<string[]> {
  switch (to.kind) {
    case 'channel':
      return [to.channel];
    case 'people':
      return Promise.all([...new Set(to.people)].map((user) => openDirectMessage(deps.api, user)));
    case 'managers':
      return Promise.all(
        [...new Set(deps.routing.managers.slack)].map((user) => openDirectMessage(deps.api, user)),
      );
  }
}

const CHART_TITLES: Record<string, string> = {
  'missed-vs-returned': 'Missed vs returned calls per day',
  'missed-by-hour': 'Missed calls by hour of day',
  'callback-vs-sla': 'Time to call back vs SLA',
};

export function registerSlackReports(runner: JobRunner, deps: SlackReportDeps): void {
  runner.handle(slackReportKinds.charts, async ({ to, period, line, timezone, title, asOf }) => {
    const drawn = await chartsForPeriod(deps, {
      period,
      timezone,
      ...(line ? { line } : {}),
      ...(asOf !== undefined ? { asOf } : {}),
    });
    if (!drawn.ok) throw new PermanentFailure(`charts for ${period}: ${drawn.error}`);
    const files = drawn.charts.map((chart) => ({
      filename: `ringback-${chart.name}.png`,
      title: CHART_TITLES[chart.name] ?? chart.name,
      bytes: chart.png,
      alt: chart.alt,
    }));
    for (const channel of await channelsOf(deps, to)) {
      await shareFiles(deps.api, channel, files, `Charts: ${escapeMrkdwn(title)}`);
    }
    deps.logger.info(
      { period, line, files: files.length },
      `slack: shared ${files.length} charts of ${period}`,
    );
  });

  runner.handle(slackReportKinds.export, async ({ user, period, line, asOf }) => {
    const exported = await csvForPeriod(
      deps,
      { period, ...(line ? { line } : {}), ...(asOf !== undefined ? { asOf } : {}) },
      deps.maxExportChars,
    );
    const dm = await openDirectMessage(deps.api, user);
    if (!exported.ok) {
      // The command checked the period already; what is left (too large) is the asker's to know.
      await callSlack(deps.api, 'chat.postMessage', {
        channel: dm,
        text: `No export of ${escapeMrkdwn(period)}: ${escapeMrkdwn(exported.error)}.`,
      });
      deps.logger.info({ period, line, error: exported.error }, `slack: no export of ${period} for ${user}`);
      return;
    }
    await shareFiles(
      deps.api,
      dm,
      [{ filename: exported.filename, title: exported.filename, bytes: Buffer.from(exported.csv, 'utf8') }],
      `Your export of the calls of ${escapeMrkdwn(exported.scope.window.label)}${exported.scope.line ? ` · ${escapeMrkdwn(exported.scope.line)}` : ''} (times in each line's time zone, with its offset).`,
    );
    deps.logger.info({ period, line }, `slack: sent the export of ${period} to ${user}`);
  });
}
