/**
 * One resilience policy per vendor (Slack, Teams, Zendesk, Aircall), built on cockatiel: every request
 * has a timeout shorter than a job's lease, and a consecutive-failure circuit breaker stops sending to a
 * vendor that hangs or fails, then lets one request through after a pause to see whether it is back.
 * While a breaker is open, requests fail at once with VendorUnavailable (a RetryAfter), so the job runner
 * puts that vendor's jobs back for later instead of letting them occupy its slots.
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { PermanentFailure, RetryAfter } from '../jobs/errors.js';

export const VENDORS = ['slack', 'teams', 'zendesk', 'aircall'] as const;
export type Vendor = (typeof VENDORS)[number];

export interface VendorPolicySettings {
  /** The longest one request may take; shorter than a job's lease (15 s by default). */
  timeoutMs: number;
  /** Outages in a row (timeouts, network errors, 5xx) that open the breaker. */
  failuresToOpen: number;
  /** How long an open breaker refuses requests before it lets one through to test the vendor. */
  halfOpenAfterMs: number;
}

export const DEFAULT_VENDOR_POLICY: VendorPolicySettings = {
  timeoutMs: 10_000,
  failuresToOpen: 5,
  halfOpenAfterMs: 10_000,
};

/** The vendor's breaker is open: nothing was sent; come back later. Not counted as a job attempt. */
export class VendorUnavailable extends RetryAfter {
  constructor(
    readonly vendor: Vendor,
    operation: string,
    delayMs: number,
  ) {
    super(delayMs, `${vendor} is not answering (circuit open); ${operation} not sent`);
    this.name = 'VendorUnavailable';
  }
}

/** One request took longer than the vendor's timeout and was abandoned. */
export class VendorTimeout extends Error {
  constructor(
    readonly vendor: Vendor,
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${vendor} ${operation}: no answer within ${timeoutMs} ms`);
    this.name = 'VendorTimeout';
  }
}

/**
 * Whether a failure says the vendor is down (so it counts towards opening the breaker) rather than that
 * this one request was wrong: pacing, unfixable input and 4xx answers prove the vendor is up.
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof RetryAfter || error instanceof PermanentFailure) return false;
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : null;
  if (code !== null) return code >= 500 || code === 408;
  return true;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class VendorPolicy {
  private settings: VendorPolicySettings = DEFAULT_VENDOR_POLICY;
  private breaker!: CircuitBreakerPolicy;
  private deadline!: TimeoutPolicy;
  private openedAt: number | null = null;

  constructor(
    readonly vendor: Vendor,
    settings: Partial<VendorPolicySettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.reset(settings);
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  /** Starts afresh (closed breaker) with these settings; clients holding this policy keep using it. */
  reset(settings: Partial<VendorPolicySettings> = {}): void {
    this.settings = { ...DEFAULT_VENDOR_POLICY, ...settings };
    this.openedAt = null;
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: this.settings.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.settings.failuresToOpen),
    });
    this.breaker.onBreak(() => {
      this.openedAt = this.now();
    });
    this.breaker.onReset(() => {
      this.openedAt = null;
    });
    // Aggressive: a request that ignores its abort signal is abandoned anyway when the time is up.
    this.deadline = timeout(this.settings.timeoutMs, TimeoutStrategy.Aggressive);
  }

  /** Milliseconds until the open breaker lets a test request through; 0 when requests may be sent. */
  pausedForMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.settings.halfOpenAfterMs - this.now());
  }

  /**
   * Sends one request under the timeout and the breaker. `send` should pass `signal` on to its HTTP call.
   * Only failures that `outage` recognises count towards opening the breaker; others are rethrown as is.
   */
  async request<T>(
    operation: string,
    send: (signal: AbortSignal) => Promise<T>,
    outage: (error: unknown) => boolean = isOutage,
  ): Promise<T> {
    let settled: Settled<T>;
    try {
      settled = await this.breaker.execute(() =>
        this.deadline.execute(async ({ signal }): Promise<Settled<T>> => {
          try {
            return { ok: true, value: await send(signal) };
          } catch (error) {
            // The vendor answered (a 4xx, a 429): it is up, so the breaker must see a success.
            if (!outage(error)) return { ok: false, error };
            throw error;
          }
        }),
      );
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new VendorUnavailable(this.vendor, operation, Math.max(1_000, this.pausedForMs()));
      }
      if (error instanceof TaskCancelledError) {
        throw new VendorTimeout(this.vendor, operation, this.settings.timeoutMs);
      }
      throw error;
    }
    if (!settled.ok) throw settled.error;
    return settled.value;
  }
}

/** The four vendors' policies of one process. */
export class VendorPolicies {
  private readonly policies: Record<Vendor, VendorPolicy>;

  constructor(settings: Partial<Record<Vendor, Partial<VendorPolicySettings>>> = {}) {
    this.policies = {
      slack: new VendorPolicy('slack', settings.slack),
      teams: new VendorPolicy('teams', settings.teams),
      zendesk: new VendorPolicy('zendesk', settings.zendesk),
      aircall: new VendorPolicy('aircall', settings.aircall),
    };
  }

  get(vendor: Vendor): VendorPolicy {
    return this.policies[vendor];
  }

  /** Closes every breaker and applies new settings (each Ringback does this when it is created). */
  reset(settings: Partial<Record<Vendor, Partial<VendorPolicySettings>>> = {}): void {
    for (const vendor of VENDORS) this.policies[vendor].reset(settings[vendor]);
  }
}

/**
 * The process's policies. Clients are built deep inside the adapters, so they find their vendor's policy
 * here unless given one; a process runs one Ringback, and createRingback resets them with its settings.
 */
export const vendorPolicies = new VendorPolicies();

/** Job kinds that are named after a vendor but never call it (ingest of a delivery already received). */
const LOCAL_KINDS = new Set(['aircall.event']);

/** The vendor a job kind talks to (`slack.post_card` → slack), or null for local work. */
export function vendorOfJobKind(kind: string): Vendor | null {
  if (LOCAL_KINDS.has(kind)) return null;
  const prefix = kind.split('.', 1)[0];
  return (VENDORS as readonly string[]).includes(prefix ?? '') ? (prefix as Vendor) : null;
}
