/**
 * What the answering thread and the jobs thread of one Ringback process say to each other (src/threads/split.ts).
 * Events are fire-and-forget; questions get one answer (or an error) back. Every topic is listed here with its
 * payload, so both ends agree on the shapes at compile time; nothing but plain data crosses (structured clone).
 */
import type { MessagePort, Worker } from 'node:worker_threads';

export interface RunnerProgress {
  startedAt: number;
  lastFinishedAt: number | null;
  waitingKinds: string[];
}

/** Fire-and-forget messages, by topic. */
export interface LinkEvents {
  /** The main thread has migrated the database: the jobs half may open it. */
  'jobs.begin': null;
  /** The jobs half runs. */
  'jobs.ready': null;
  /** Jobs were committed by the answering thread: the runner looks now instead of at its next poll. */
  'jobs.enqueued': null;
  /** The jobs thread put this version of a Teams card in front of everyone (a click's answer waits for it). */
  'teams.delivered': { episodeId: string; version: number };
  /** The answering thread committed deliveries to its inbox (SQLite, src/threads/inbox.ts). */
  'inbox.filled': null;
  /** The jobs thread moved inbox rows up to this id into the jobs table. */
  'inbox.moved': { upTo: number };
  /** The jobs thread's runner, for /readyz on the answering thread (sent every second). */
  'runner.progress': RunnerProgress | null;
}

/** Questions with one answer, by topic. */
export interface LinkQuestions {
  /** One request from a vendor budget kept by the jobs thread: 0 when granted, else ms to wait. */
  'budget.take': { ask: { name: string; perMinute: number; burst?: number }; answer: number };
  'budget.pause': { ask: { name: string; perMinute: number; burst?: number; ms: number }; answer: null };
  /** The jobs thread's metrics (prom-client JSON), merged into /metrics. */
  metrics: { ask: null; answer: unknown[] };
  /** Stop taking jobs, finish the running ones, close; answered when done. */
  stop: { ask: null; answer: null };
}

export interface ThreadLink {
  send<T extends keyof LinkEvents>(topic: T, data: LinkEvents[T]): void;
  on<T extends keyof LinkEvents>(topic: T, listener: (data: LinkEvents[T]) => void): void;
  ask<T extends keyof LinkQuestions>(
    topic: T,
    data: LinkQuestions[T]['ask'],
    timeoutMs?: number,
  ): Promise<LinkQuestions[T]['answer']>;
  answer<T extends keyof LinkQuestions>(
    topic: T,
    handler: (data: LinkQuestions[T]['ask']) => Promise<LinkQuestions[T]['answer']>,
  ): void;
}

type Wire =
  | { kind: 'event'; topic: string; data: unknown }
  | { kind: 'ask'; id: number; topic: string; data: unknown }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; message: string };

/** How long a question waits for its answer by default: the other thread is busy, not gone. */
export const DEFAULT_ASK_TIMEOUT_MS = 10_000;

/** A link over a worker's port (`parentPort` inside it, the `Worker` outside). */
export function portLink(port: MessagePort | Worker): ThreadLink {
  const listeners = new Map<string, ((data: unknown) => void)[]>();
  const handlers = new Map<string, (data: unknown) => Promise<unknown>>();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;

  port.on('message', (message: Wire) => {
    if (message.kind === 'event') {
      for (const listener of listeners.get(message.topic) ?? []) listener(message.data);
      return;
    }
    if (message.kind === 'ask') {
      const handler = handlers.get(message.topic);
      const reply = (wire: Wire) => port.postMessage(wire);
      if (!handler) {
        reply({ kind: 'reply', id: message.id, ok: false, message: `nobody answers "${message.topic}"` });
        return;
      }
      handler(message.data).then(
        (value) => reply({ kind: 'reply', id: message.id, ok: true, value }),
        (error: unknown) =>
          reply({
            kind: 'reply',
            id: message.id,
            ok: false,
            message: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(new Error(message.message));
  });

  return {
    send(topic, data) {
      port.postMessage({ kind: 'event', topic, data } satisfies Wire);
    },
    on(topic, listener) {
      listeners.set(topic, [...(listeners.get(topic) ?? []), listener as (data: unknown) => void]);
    },
    ask(topic, data, timeoutMs = DEFAULT_ASK_TIMEOUT_MS) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`the other thread did not answer "${topic}" within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as never);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        port.postMessage({ kind: 'ask', id, topic, data } satisfies Wire);
      });
    },
    answer(topic, handler) {
      handlers.set(topic, handler as (data: unknown) => Promise<unknown>);
    },
  };
}
