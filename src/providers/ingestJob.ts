/**
 * The job side of every provider: a normalized CallEvent goes through ingest, and the outcome is counted.
 *
 * The deliveries whose jobs run in the same turn of the event loop (and, while a batch runs, those that
 * arrive meanwhile) are ingested in one transaction: one commit for all. The batch takes all its locks in
 * one statement (PostgreSQL; SQLite needs none), reads its calls in one and writes them in one. On
 * PostgreSQL, where every statement is a round trip, the ingest bench counted about 9 statements per
 * delivery before, about 4 with batches (with the take and the webhook's insert); on SQLite the same
 * batching, in place of a savepoint per delivery, raised the rate by 14 %. Without savepoints (on
 * PostgreSQL two more round trips each), any failure rolls the whole batch back and each delivery runs
 * again alone, with ingest's usual retries.
 */
import type { AdapterContext } from '../adapters/context.js';
import { type IngestDeps, type IngestResult, ingestCallEvent, ingestCallEventsIn } from '../app/ingest.js';
import type { CallEvent } from '../domain/callEvent.js';
import type { Store } from '../store/store.js';
import { TurnBatch } from '../store/turnBatch.js';
import type { IngestMetrics } from './metrics.js';

export function ingestDepsOf(ctx: AdapterContext): IngestDeps {
  return {
    store: ctx.store,
    clock: ctx.clock,
    planEffects: ctx.commands.planEffects,
    routing: ctx.config.routing,
    logger: ctx.logger,
  };
}

/**
 * Deliveries per shared transaction at most on SQLite. The transaction runs on the event loop
 * (better-sqlite3), so this bounds how long webhook answers wait behind it (about 0.5 ms of work per
 * delivery). Measured: 4 gave the same ingest rate as 16 (916 vs 875 events/s) and a lower acknowledgement
 * p99 (33 vs 43 ms).
 */
export const INGEST_BATCH_MAX = 4;

/**
 * The same on PostgreSQL, where the batch waits on the network, not on the event loop: every delivery
 * waiting when the previous batch ends goes into the next one, up to 64. Batches lock their calls and
 * numbers, and under a burst nearly every batch shares one with another (the ingest bench has 40 calls in
 * progress at once): four batches of 8 at once per replica spent most of their time waiting for each
 * other's locks (pg_stat_statements: 54 s of lock waits in a 25 s run), one of up to 64 at a time 7 s.
 * Measured (ingest bench, 2 replicas, alternating runs): 8 × 4 batches with 32 runner slots 836–956
 * events/s, 64 × 1 with 64 slots 992–1,286.
 */
export const POSTGRES_INGEST_BATCH_MAX = 64;

/** Batches in flight at once on PostgreSQL, per process: one (see above); SQLite runs one anyway. */
export const POSTGRES_INGEST_BATCHES_AT_ONCE = 1;

interface Pending {
  deps: IngestDeps;
  event: CallEvent;
}

/** A delivery ingested in the batch, or one to run again on its own (it failed inside the batch). */
type BatchAnswer = { result: IngestResult } | { alone: true };

const batches = new WeakMap<Store, TurnBatch<Pending, BatchAnswer>>();

function batchOf(store: Store): TurnBatch<Pending, BatchAnswer> {
  let batch = batches.get(store);
  if (!batch) {
    const postgres = store.dialect === 'postgres';
    batch = new TurnBatch(
      (items) => ingestTogether(store, items),
      postgres ? POSTGRES_INGEST_BATCH_MAX : INGEST_BATCH_MAX,
      postgres ? POSTGRES_INGEST_BATCHES_AT_ONCE : 1,
    );
    batches.set(store, batch);
  }
  return batch;
}

async function ingestTogether(store: Store, items: Pending[]): Promise<BatchAnswer[]> {
  if (items.length === 1) return [{ alone: true }];
  const deps = (items[0] as Pending).deps;
  if (items.some((item) => item.deps !== deps)) return items.map(() => ({ alone: true }));
  try {
    // One attempt: a lost race or a deadlock is retried by each delivery alone, with ingest's own retries.
    const results = await store.transaction(
      (repos) =>
        ingestCallEventsIn(
          repos,
          deps,
          items.map((item) => item.event),
        ),
      1,
    );
    return results.map((result) => ({ result }));
  } catch {
    // Whatever it was (a lost race, a unique index, a bug): nothing of the batch is stored, and each
    // delivery's own run reports it.
    return items.map(() => ({ alone: true }));
  }
}

/** Ingests one delivery: in the turn's shared transaction, or alone (by itself in its turn, or after a failure). */
async function ingest(deps: IngestDeps, event: CallEvent): Promise<IngestResult> {
  const answer = await batchOf(deps.store).add({ deps, event });
  if ('result' in answer) {
    deps.logger.debug(
      { provider: event.provider, event: event.eventName, outcome: answer.result.outcome },
      `ingest: ${event.provider} ${event.eventName} → ${answer.result.outcome}`,
    );
    return answer.result;
  }
  return ingestCallEvent(deps, event);
}

export async function ingestCounted(
  deps: IngestDeps,
  metrics: IngestMetrics,
  event: CallEvent,
): Promise<IngestResult> {
  const result = await ingest(deps, event);
  // `generic:twilio` counts as `generic`: the part after the colon is the sender's own word.
  metrics.ingested.inc({ provider: event.provider.split(':')[0], outcome: result.outcome });
  if (result.outcome === 'opened') metrics.episodes.inc({ type: 'opened' });
  if (result.outcome === 'joined') metrics.episodes.inc({ type: 'call_joined' });
  if (result.outcome === 'auto_resolved')
    metrics.episodes.inc({ type: 'auto_resolved' }, result.episodeIds.length);
  return result;
}
