/** What a job handler throws to tell the runner how a failure should be treated. */

/** Thrown by a handler when the remote side said when to come back, e.g. a 429. */
export class RetryAfter extends Error {
  constructor(
    readonly delayMs: number,
    reason = 'retry later',
  ) {
    super(reason);
    this.name = 'RetryAfter';
  }
}

/** Thrown by a handler for a failure no retry can fix (bad payload, 4xx other than 429): the job goes dead now. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}
