/** What a job handler throws to tell the runner how a failure should be treated. */

/** Thrown by a handler when the remote side said when to come back, e.g. a 429. */
export class RetryAfter extends Error {
  /** Whole milliseconds, at least 0: run times are integers in both databases (PostgreSQL refuses 2500.25). */
  readonly delayMs: number;

  constructor(delayMs: number, reason = 'retry later') {
    super(reason);
    this.name = 'RetryAfter';
    this.delayMs = Number.isFinite(delayMs) ? Math.max(0, Math.ceil(delayMs)) : RETRY_AFTER_UNKNOWN_MS;
  }
}

/** The wait when a computed delay is not a number (a vendor's header read wrong): soon, but not at once. */
export const RETRY_AFTER_UNKNOWN_MS = 1_000;

/** Thrown by a handler for a failure no retry can fix (bad payload, 4xx other than 429): the job goes dead now. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/**
 * A PermanentFailure of the whole channel, not of the message (the app is not in it, it is archived or
 * gone): every post there meets it until someone fixes the channel, after which the cards it refused can go.
 */
export class ChannelRefused extends PermanentFailure {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelRefused';
  }
}
