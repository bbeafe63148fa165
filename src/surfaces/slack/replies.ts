/**
 * Slack's private answers: a line only the clicker sees (chat.postEphemeral, drawn from its workspace tier)
 * and a slash command's answer POSTed to the response_url Slack gave with the (signed) command.
 */
import type { Pacing } from '../../chat/pacing.js';
import { PermanentFailure, RetryAfter } from '../../jobs/errors.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { SlackApi } from './api.js';
import { ephemeralKind, respondKind } from './jobKinds.js';
import { SLACK_BUCKETS } from './settings.js';

export interface ReplyDeps {
  api: SlackApi;
  pacing: Pacing;
  /** Where slash-command answers may be sent (response_url hosts). */
  responseOrigins: string[];
}

/** How long a response_url may take to answer. */
const RESPOND_TIMEOUT_MS = 10_000;

export function registerSlackReplies(runner: JobRunner, deps: ReplyDeps): void {
  runner.handle(ephemeralKind, async (message, job) => {
    await deps.pacing.forJob(job.id).token(SLACK_BUCKETS.ephemeral);
    await deps.api.postEphemeral(message);
  });

  runner.handle(respondKind, async (answer) => {
    const url = new URL(answer.responseUrl);
    if (!deps.responseOrigins.includes(url.origin)) {
      throw new PermanentFailure(`response_url ${url.origin} is not a Slack address`);
    }
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: answer.public ? 'in_channel' : 'ephemeral',
        replace_original: false,
        text: answer.text,
        ...(answer.blocks ? { blocks: answer.blocks } : {}),
      }),
      signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS),
    });
    if (response.ok) return;
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      throw new RetryAfter(
        (Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000,
        'response_url rate limited',
      );
    }
    if (response.status >= 400 && response.status < 500) {
      throw new PermanentFailure(
        `response_url answered ${response.status} (expired after 30 minutes or 5 uses)`,
      );
    }
    throw new Error(`response_url answered ${response.status}`);
  });
}
