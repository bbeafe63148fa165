/**
 * Typed job kinds: each kind names its payload schema once, so a job is built from a typed payload and its
 * handler receives the parsed payload (a payload the table holds in an old shape fails the job for good,
 * with the schema's message, instead of reaching the handler).
 *
 * Ideas taken from graphile-worker: a typed task list, queue names for work that must run one at a time
 * (here `queueKey`: jobs sharing one run serially across every replica), job keys for dedupe (`dedupeKey`:
 * once ever; `coalesceKey`: once while pending).
 */
import type { z } from 'zod';
import type { Job, NewJob } from '../store/jobs.js';

export interface JobKind<S extends z.ZodType = z.ZodType> {
  /** The name stored in the jobs table: never rename a kind that may have jobs in flight. */
  readonly name: string;
  readonly schema: S;
  /** Jobs of this kind with the same queue key run one at a time, in order, across all replicas. */
  readonly queueKey?: (payload: z.infer<S>) => string;
}

export function defineJob<S extends z.ZodType>(
  name: string,
  schema: S,
  options: { queueKey?: (payload: z.infer<S>) => string } = {},
): JobKind<S> {
  return { name, schema, ...(options.queueKey ? { queueKey: options.queueKey } : {}) };
}

export interface JobOptions {
  runAt?: number;
  dedupeKey?: string;
  coalesceKey?: string;
  /** See NewJob.foldedUnderLock: for coalesced jobs that read one episode's state when they run. */
  foldedUnderLock?: boolean;
  maxAttempts?: number;
}

/** A job of `kind` ready to enqueue; the payload is checked against the schema now, not when it runs. */
export function jobOf<S extends z.ZodType>(
  kind: JobKind<S>,
  payload: z.input<S>,
  options: JobOptions = {},
): NewJob {
  const parsed = kind.schema.parse(payload) as z.infer<S>;
  const queueKey = kind.queueKey?.(parsed);
  return { kind: kind.name, payload: parsed, ...options, ...(queueKey ? { queueKey } : {}) };
}

/** A handler that receives the parsed payload of its kind. */
export type TypedJobHandler<S extends z.ZodType> = (payload: z.infer<S>, job: Job) => Promise<void>;
