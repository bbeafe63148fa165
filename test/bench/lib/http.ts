/**
 * A small HTTP client for load on loopback: keep-alive connections, a bounded socket pool, and the time
 * from handing the request to the socket layer until the last byte of the answer, per request. It never
 * throws: a failed request comes back with status 0 and the error's code.
 */
import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
  /** Request start → response end, milliseconds. */
  ms: number;
  /** performance.now() when the request was started (for timelines). */
  startedAt: number;
  error: string | null;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: { maxSockets?: number; timeoutMs?: number } = {}) {
    this.url = new URL(baseUrl);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    if (this.url.hostname !== '127.0.0.1') throw new Error('the bench only talks to 127.0.0.1');
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'fifo' });
  }

  send(
    method: 'GET' | 'POST',
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (status: number, text: string, error: string | null) => {
        if (settled) return;
        settled = true;
        resolve({ status, body: text, ms: performance.now() - startedAt, startedAt, error });
      };
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            ...(body !== undefined
              ? { 'content-length': String(Buffer.byteLength(body)), 'content-type': 'application/json' }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), null));
          res.on('error', (error) => finish(0, '', error.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => finish(0, '', error.code ?? error.message));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('POST', path, body, headers);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('GET', path, undefined, headers);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Open-loop load: calls `fire(i)` for i = 0..count-1 at `perSecond`, on schedule whether or not earlier
 * requests have answered (a slow server must not slow the offered load down), and resolves with every
 * answer once all have come back. Bounded: `count` requests, then it stops by itself.
 */
export async function openLoop<T>(
  count: number,
  perSecond: number,
  fire: (index: number) => Promise<T>,
): Promise<{ results: T[]; lateMs: number }> {
  const results: Promise<T>[] = [];
  const interval = 1000 / perSecond;
  const start = performance.now();
  let lateMs = 0;
  let index = 0;
  while (index < count) {
    const now = performance.now();
    const due = Math.min(count, Math.floor((now - start) / interval) + 1);
    while (index < due) {
      lateMs = Math.max(lateMs, now - (start + index * interval));
      results.push(fire(index));
      index += 1;
    }
    if (index >= count) break;
    const next = start + index * interval;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  return { results: await Promise.all(results), lateMs };
}

/** Runs `work` over items with at most `concurrency` in flight (closed loop, as fast as answers come). */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
  return results;
}
