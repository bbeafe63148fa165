/**
 * What every inbound telephony webhook route shares: a raw body capped at 1 MB (signatures are computed over
 * the exact bytes), one JSON answer per outcome, one counter increment and at most one log line per request,
 * and a fast, bounded hand-off to the jobs table. Senders such as Aircall disable a webhook that answers
 * slowly or with 5xx, so nothing here ever answers 5xx.
 */

import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import { formatIssues } from '../config/load.js';
import { BODY_LIMIT } from '../http/server.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { withinDeadline } from '../resilience/deadline.js';
import type { NewJob } from '../store/jobs.js';
import type { SignatureRepository, SignatureSource } from '../store/signatures.js';
import type { Store } from '../store/store.js';
import { TurnBatch } from '../store/turnBatch.js';

export type WebhookAnswer =
  | { status: 200; outcome: 'accepted' | 'duplicate' | 'ignored'; body: Record<string, unknown> }
  | { status: 400 | 401 | 413 | 415 | 422 | 429; outcome: string; error: string; detail: string };

export interface WebhookEndpoint {
  /** `/webhooks/aircall`; also the `route` label of the request counter. */
  path: string;
  /** Decides the answer from the raw body; throwing is answered with 429 so the sender retries later. */
  handle(raw: Buffer, req: Request): Promise<WebhookAnswer>;
}

export interface WebhookDeps {
  metrics: Metrics;
  logger: Logger;
}

export function reject(
  status: Exclude<WebhookAnswer['status'], 200>,
  outcome: string,
  detail: string,
): WebhookAnswer {
  return { status, outcome, error: outcome, detail };
}

/** `data.direction: Invalid option…` — the first failing path, named from the body's root. */
export function schemaProblem(error: z.ZodError, prefix = ''): string {
  return formatIssues(error.issues.slice(0, 3), prefix).join('; ');
}

/**
 * Deeper than this, a body is refused: no vendor nests its payload more than a few levels, and a body of
 * a million nested arrays parses but then overflows the stack of every recursive walk (storing it as a job
 * payload threw, and the delivery was answered 429 at every retry).
 */
export const MAX_JSON_DEPTH = 64;

/** How deep a parsed JSON value nests (a scalar: 0), stopping as soon as it exceeds `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}

export function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, detail: 'the request body is not valid JSON' };
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH))
    return { ok: false, detail: `the request body nests deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value };
}

/**
 * Remembers a request's signature (true: first sighting), giving up after `timeoutMs`. When it gives up,
 * the request is answered "try again later" while the insert may still land, and the sender's retry of
 * this very request would then be refused as a replay, for good: the signature is forgotten once it lands.
 */
export async function rememberSignatureWithin(
  signatures: Pick<SignatureRepository, 'rememberOnce' | 'forget'>,
  source: SignatureSource,
  signature: string,
  expiresAt: number,
  timeoutMs: number,
): Promise<boolean> {
  const remembering = signatures.rememberOnce(source, signature, expiresAt);
  try {
    return await withinDeadline(remembering, timeoutMs, 'the signatures table');
  } catch (error) {
    remembering
      .then((inserted) => (inserted ? signatures.forget(source, signature) : undefined))
      .catch(() => undefined);
    throw error;
  }
}

type DeliveryJob = NewJob & { dedupeKey: string };

/** Stores deliveries somewhere other than the jobs table; for each, true when it was new. */
export type DeliverySink = (items: { job: NewJob; now: number }[]) => Promise<boolean[]>;

/** Stores whose deliveries go to a sink (the answering thread's inbox on SQLite, src/threads/inbox.ts). */
const deliverySinks = new WeakMap<Store, DeliverySink>();

/** From now on, `store`'s deliveries go to `sink` instead of its jobs table. */
export function sendDeliveriesTo(store: Store, sink: DeliverySink): void {
  deliverySinks.set(store, sink);
  deliveryBatches.delete(store);
}

/** One group commit per store: the deliveries answered in one turn of the event loop share a transaction. */
const deliveryBatches = new WeakMap<Store, TurnBatch<{ job: NewJob; now: number }, boolean>>();

function deliveryBatchOf(store: Store): TurnBatch<{ job: NewJob; now: number }, boolean> {
  let batch = deliveryBatches.get(store);
  if (!batch) {
    const sink = deliverySinks.get(store);
    batch = new TurnBatch(
      sink ??
        (async (items) => {
          const fresh = items.map(() => false);
          const jobs = items.map((item) => item.job as DeliveryJob);
          await store.enqueue(jobs, Math.max(...items.map((item) => item.now)), (index) => {
            fresh[index] = true;
          });
          return fresh;
        }),
      undefined,
      undefined,
      // The senders wait for this commit: it goes before the jobs' batches of the same turn.
      { urgent: true },
    );
    deliveryBatches.set(store, batch);
  }
  return batch;
}

/** How long a webhook waits for its delivery to be stored before answering 429: well within senders' 5 s. */
export const DELIVERY_DEADLINE_MS = 2_500;

/**
 * Stores the delivery as a job, giving up after `timeoutMs` so a slow database cannot make the sender time
 * out. A delivery seen before (same dedupe key) is a duplicate. When the insert lands after the timeout,
 * the sender's retry is recognised as a duplicate, so nothing runs twice. Deliveries that arrive together
 * are committed together (src/store/turnBatch.ts); each is answered only once its transaction committed.
 */
export async function enqueueDelivery(
  store: Store,
  job: NewJob,
  now: number,
  timeoutMs = DELIVERY_DEADLINE_MS,
): Promise<'queued' | 'duplicate'> {
  const { dedupeKey } = job;
  const stored =
    dedupeKey === undefined && !deliverySinks.has(store)
      ? store.enqueue([job], now).then((inserted) => inserted > 0)
      : deliveryBatchOf(store).add({ job, now });
  const inserted = await withinDeadline(stored, timeoutMs, 'the jobs table');
  return inserted ? 'queued' : 'duplicate';
}

function send(res: Response, answer: WebhookAnswer): void {
  if (answer.status === 200) {
    res.status(200).json(answer.body);
    return;
  }
  if (answer.status === 429) res.set('Retry-After', '30');
  res.status(answer.status).json({ error: answer.error, detail: answer.detail });
}

export function mountWebhook(app: Express, endpoint: WebhookEndpoint, deps: WebhookDeps): void {
  const { metrics, logger } = deps;
  const count = (outcome: string) => metrics.webhooks.inc({ route: endpoint.path, outcome });
  const finish = (res: Response, answer: WebhookAnswer) => {
    count(answer.outcome);
    if (answer.status !== 200) {
      // The detail names a schema path or a reason, never the body: the logger masks numbers anyway.
      logger.info(
        { route: endpoint.path, status: answer.status, outcome: answer.outcome, detail: answer.detail },
        `webhook ${endpoint.path}: ${answer.status} ${answer.outcome}: ${answer.detail}`,
      );
    }
    send(res, answer);
  };

  app.post(
    endpoint.path,
    express.raw({ type: () => true, limit: BODY_LIMIT }),
    async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let answer: WebhookAnswer;
      try {
        answer = await endpoint.handle(raw, req);
      } catch (error) {
        logger.error(
          { err: error, route: endpoint.path },
          `webhook ${endpoint.path}: could not store the delivery`,
        );
        answer = reject(
          429,
          'unavailable',
          'the delivery could not be stored right now; send it again later',
        );
        count(answer.outcome);
        send(res, answer);
        return;
      }
      finish(res, answer);
    },
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      const type = (error as { type?: unknown } | null)?.type;
      if (type === 'entity.too.large') {
        finish(res, reject(413, 'too_large', 'request bodies are limited to 1 MB'));
        return;
      }
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        finish(
          res,
          reject(415, 'unsupported_encoding', 'send the body as identity, gzip or deflate, in UTF-8'),
        );
        return;
      }
      if (type === 'request.aborted') {
        count('aborted');
        return;
      }
      next(error);
    },
  );
}
