/** What a failed Zendesk request means to a job: wait, give up, or retry with backoff. */
import { PermanentFailure, RetryAfter } from '../jobs/runner.js';

/**
 * A request Zendesk certainly did not carry out: our own budget held it back before it was sent, or Zendesk
 * answered 429. Unlike a timeout (Zendesk may have done it), a write that failed this way can be forgotten.
 */
export class ZendeskHeldBack extends RetryAfter {
  constructor(delayMs: number, reason: string) {
    super(delayMs, reason);
    this.name = 'ZendeskHeldBack';
  }
}

/** A Zendesk answer with a 4xx/5xx status other than 429 (429 becomes RetryAfter at the client). */
export class ZendeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {
    super(`Zendesk ${method} ${path} answered ${status}${describeBody(body)}`);
    this.name = 'ZendeskApiError';
  }
}

function describeBody(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const { error, description } = body as { error?: unknown; description?: unknown };
  const parts = [error, description].filter((p) => typeof p === 'string' && p !== '');
  if (typeof error === 'object' && error !== null) {
    const title = (error as { title?: unknown }).title;
    if (typeof title === 'string') parts.push(title);
  }
  // A 422's reasons, field by field ("Assignee: is not a member of the group"): what an admin must fix.
  const details = (body as { details?: unknown }).details;
  if (details && typeof details === 'object') {
    for (const reasons of Object.values(details)) {
      if (!Array.isArray(reasons)) continue;
      for (const reason of reasons) {
        const text = (reason as { description?: unknown } | null)?.description;
        if (typeof text === 'string' && text !== '') parts.push(text);
      }
    }
  }
  return parts.length > 0 ? `: ${parts.join(' — ')}` : '';
}

export function isZendeskStatus(error: unknown, ...statuses: number[]): error is ZendeskApiError {
  return error instanceof ZendeskApiError && statuses.includes(error.status);
}

/** A safe update lost against another writer (Talk, a side conversation, an agent): re-read and retry. */
export function isConflict(error: unknown): boolean {
  return isZendeskStatus(error, 409);
}

/**
 * Turns what the API said into what the job runner understands: 4xx that no retry can fix → dead now;
 * pacing → RetryAfter (already); everything else (5xx, network) → retried with backoff. A 401 is the API
 * token (rotated, revoked): nothing about this job is wrong, and jobs that died on it during a rotation
 * lost their tickets for good, so it is retried like an outage until someone fixes ZENDESK_API_TOKEN.
 */
export function forJobRunner(error: unknown): unknown {
  if (error instanceof RetryAfter || error instanceof PermanentFailure) return error;
  if (error instanceof ZendeskApiError && [400, 403, 404, 422].includes(error.status)) {
    return new PermanentFailure(error.message);
  }
  return error;
}
