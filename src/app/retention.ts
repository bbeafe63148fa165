/**
 * Bounded data: what is deleted or erased, and when. Each purger removes one batch of what has outlived its
 * retention and answers how many rows it touched; `purgeRound` calls it again while it keeps filling
 * batches, yielding between statements so a backlog (the first run after an upgrade) never blocks the
 * event loop or holds a long lock, and stops at a time budget so a round cannot delay a shutdown.
 */
import { SHARED_SENDS_PREFIX } from '../chat/sharedSends.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../observability/logger.js';
import { AvailabilityRepository } from '../store/availability.js';
import type { Store } from '../store/store.js';

/** Rows per statement: small enough that a delete or an erase holds its locks for milliseconds. */
export const PURGE_BATCH = 500;

const DAY = 24 * 60 * 60 * 1000;

export const JOB_RETENTION = {
  /** Dead jobs wait for a human: two weeks covers a holiday. (A job that completes is deleted at once.) */
  deadMs: 14 * DAY,
  /** Cards a surface refused for good say why a card is missing for as long as dead jobs do. */
  failedCardMs: 14 * DAY,
  /** Replicas' recent sends per channel (src/chat/sharedSends.ts) matter for seconds; a day is plenty. */
  sharedSendsMs: DAY,
  /**
   * Dedupe keys that only stop a webhook body (or a timer slot) from being queued twice: a vendor retries a
   * delivery for hours, not weeks, and ingest merges a call delivered again anyway. Every Aircall event of
   * every call has one, so at the call retention they were the largest table (13 million rows a year at
   * 2,000 missed calls a day).
   */
  shortLivedKeysMs: 7 * DAY,
};

/** An expired lease means nothing (the next holder overwrites it); an hour past its end it is deleted. */
const EXPIRED_LEASE_KEPT_MS = 60 * 60 * 1000;

/**
 * Names of what is purged: the `what` label of ringback_purged_total. A fixed set, so a purger the lead adds
 * later under another name is counted as `other` rather than growing the label space.
 */
export const PURGED_WHAT = [
  'jobs_dead',
  'job_keys',
  'webhook_keys',
  'cards_failed',
  'cards_posted',
  'deliveries',
  'identities',
  'episodes',
  'provider_calls',
  'signatures',
  'agent_identities',
  'pacing_sends',
  'leases',
  'agent_availability',
  'teams_members',
] as const;

export interface Purger {
  name: string;
  /** Removes what has expired at `now`, ideally at most PURGE_BATCH rows; answers how many. */
  run(now: number): Promise<number>;
}

/**
 * Everything Ringback keeps a bounded time. `retentionMs` is the routing file's `retention`: past it call
 * records lose caller numbers, names, voicemail links and transcripts (counts, times and outcomes stay).
 * Delivery markers and job dedupe keys follow the same retention rather than a short window: they guard
 * effects that must happen once per episode or per Zendesk event, so one may only go once the episode it
 * protects has been erased. A side conversation is re-read whole whenever Zendesk calls, however old: its
 * events past the retention are skipped there (zendesk/sideConversations.ts `pastRetention`), since their
 * markers may be gone.
 */
export function standardPurgers(store: Store, retentionMs: number): Purger[] {
  return [
    {
      name: 'jobs_dead',
      // A dead job's payload is a webhook body or a card's text (caller numbers, names): never kept past the
      // call retention, even a shorter one than the two weeks dead jobs wait. The retention counts from when
      // the job was queued with that data, as the calls' does: counted from its death, a job retried or held
      // back by Retry-After for days kept the caller's number that long past the call's erasure.
      run: (now) =>
        store.finishedJobs.purgeDead(
          { diedBefore: now - JOB_RETENTION.deadMs, queuedBefore: now - retentionMs },
          PURGE_BATCH,
        ),
    },
    { name: 'job_keys', run: (now) => store.finishedJobs.purgeKeys(now - retentionMs, PURGE_BATCH) },
    {
      name: 'webhook_keys',
      run: (now) => store.finishedJobs.purgeShortLivedKeys(now - JOB_RETENTION.shortLivedKeysMs, PURGE_BATCH),
    },
    {
      name: 'cards_failed',
      run: (now) => store.cardQueue.purgeFailed(now - JOB_RETENTION.failedCardMs, PURGE_BATCH),
    },
    // Rows of cards already posted wait for nothing: left by versions that queued a posted card again.
    { name: 'cards_posted', run: () => store.cardQueue.purgePosted(PURGE_BATCH) },
    { name: 'deliveries', run: (now) => store.deliveries.purgeOlderThan(now - retentionMs, PURGE_BATCH) },
    { name: 'identities', run: (now) => store.identities.purgeExpired(now, PURGE_BATCH) },
    { name: 'signatures', run: (now) => store.signatures.purgeExpired(now) },
    { name: 'agent_identities', run: (now) => store.agentIdentities.purgeExpired(now) },
    { name: 'leases', run: (now) => store.leases.purgeExpired(now - EXPIRED_LEASE_KEPT_MS, PURGE_BATCH) },
    // Names and e-mails of agents who left the phone system go with the call retention.
    {
      name: 'agent_availability',
      run: (now) => new AvailabilityRepository(store.db).purgeNotUpdatedSince(now - retentionMs, PURGE_BATCH),
    },
    // People met in Teams (ids, name, e-mail, personal chat) whom Ringback has not met again for the call
    // retention: the same term as agents the phone system stopped mentioning.
    {
      name: 'teams_members',
      run: (now) => store.teams.purgeNotSeenSince(now - retentionMs, PURGE_BATCH),
    },
    {
      name: 'pacing_sends',
      run: (now) =>
        store.cursors.purgeNamedOlderThan(
          SHARED_SENDS_PREFIX,
          now - JOB_RETENTION.sharedSendsMs,
          PURGE_BATCH,
        ),
    },
    // One transaction per batch: one commit instead of one per row, and on SQLite one short write lock.
    {
      name: 'episodes',
      run: (now) =>
        store.transaction((repos) => repos.episodes.eraseCallerData(now - retentionMs, now, PURGE_BATCH)),
    },
    {
      name: 'provider_calls',
      run: (now) =>
        store.transaction((repos) =>
          repos.providerCalls.eraseCallerData(now - retentionMs, now, PURGE_BATCH),
        ),
    },
  ];
}

export interface PurgeRoundOptions {
  clock: Clock;
  logger: Logger;
  /** A run answering fewer rows than this is taken to have found nothing more. */
  batchSize?: number;
  /** Work per purger per round; what is left waits for the next round. */
  budgetMs?: number;
  /** Between two batches; defaults to a turn of the event loop. */
  pause?: () => Promise<void>;
}

export interface PurgeRoundResult {
  purged: Record<string, number>;
  /** Some purger stopped at its budget with more to do. */
  more: boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs every purger until it has nothing left or its budget is spent. One failing purger spares the others. */
export async function purgeRound(purgers: Purger[], options: PurgeRoundOptions): Promise<PurgeRoundResult> {
  const { clock, logger } = options;
  const batchSize = options.batchSize ?? PURGE_BATCH;
  const budgetMs = options.budgetMs ?? 2_000;
  const pause = options.pause ?? nextTurn;
  const purged: Record<string, number> = {};
  let more = false;
  for (const purger of purgers) {
    const started = performance.now();
    purged[purger.name] = 0;
    try {
      for (;;) {
        const count = await purger.run(clock.now());
        purged[purger.name] = (purged[purger.name] ?? 0) + count;
        if (count < batchSize) break;
        if (performance.now() - started >= budgetMs) {
          more = true;
          break;
        }
        await pause();
      }
    } catch (error) {
      logger.warn(
        { err: error, purger: purger.name },
        `retention: purging ${purger.name} failed; next round retries`,
      );
    }
  }
  return { purged, more };
}
