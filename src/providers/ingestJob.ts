/**
 * The job side of every provider: a normalized CallEvent goes through ingest, and the outcome is counted.
 *
 * On SQLite the deliveries whose jobs run in the same turn of the event loop are ingested in one
 * transaction, each inside its own savepoint: one commit (and one write of the pages they share) for all,
 * and a delivery that fails rolls back alone and is run again on its own, with ingest's usual retries. On
 * PostgreSQL each delivery keeps its own transaction: the pool already runs them side by side, and one
 * transaction holding the advisory locks of many calls would make replicas wait on (or deadlock with) each
 * other.
 */
import { sql } from 'kysely';
import type { AdapterContext } from '../adapters/context.js';
import { type IngestDeps, type IngestResult, ingestCallEvent, ingestCallEventIn } from '../app/ingest.js';
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
 * Deliveries per shared transaction at most. The transaction runs on the event loop (better-sqlite3), so
 * this bounds how long webhook answers wait behind it (about 1 ms of work per delivery). Measured: 4 gave
 * the same ingest rate as 16 (916 vs 875 events/s) and a lower acknowledgement p99 (33 vs 43 ms).
 */
export const INGEST_BATCH_MAX = 4;

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
    batch = new TurnBatch((items) => ingestTogether(store, items), INGEST_BATCH_MAX);
    batches.set(store, batch);
  }
  return batch;
}

async function ingestTogether(store: Store, items: Pending[]): Promise<BatchAnswer[]> {
  if (items.length === 1) return [{ alone: true }];
  try {
    return await store.transaction(async (repos) => {
      const answers: BatchAnswer[] = [];
      for (const { deps, event } of items) {
        await sql`savepoint ingest_one`.execute(repos.db);
        try {
          answers.push({ result: await ingestCallEventIn(repos, deps, event) });
          await sql`release savepoint ingest_one`.execute(repos.db);
        } catch {
          // Whatever it was (a lost race, a unique index, a bug), the delivery's own run reports it.
          await sql`rollback to savepoint ingest_one`.execute(repos.db);
          await sql`release savepoint ingest_one`.execute(repos.db);
          answers.push({ alone: true });
        }
      }
      return answers;
    });
  } catch {
    // The shared commit itself failed: nothing of the batch is stored, each delivery runs on its own.
    return items.map(() => ({ alone: true }));
  }
}

/** Ingests one delivery: in the turn's shared transaction on SQLite, else (or after a failure there) alone. */
async function ingest(deps: IngestDeps, event: CallEvent): Promise<IngestResult> {
  if (deps.store.dialect === 'sqlite') {
    const answer = await batchOf(deps.store).add({ deps, event });
    if ('result' in answer) {
      deps.logger.debug(
        { provider: event.provider, event: event.eventName, outcome: answer.result.outcome },
        `ingest: ${event.provider} ${event.eventName} → ${answer.result.outcome}`,
      );
      return answer.result;
    }
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
