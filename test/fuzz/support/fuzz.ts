/**
 * Drives hostile requests at one route of a running Ringback, in parallel over keep-alive connections,
 * and keeps what the assertions need: every answer's status, the cases that got a 5xx or no answer
 * (with their number, so `FUZZ_SEED=… ` replays them), and the heap after forced garbage collection.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { HttpClient } from '../../bench/lib/http.js';

export const FUZZ_CASES = 10_000;

export interface FuzzCase {
  body: Buffer | string;
  headers: Record<string, string>;
}

export interface FuzzReport {
  sent: number;
  byStatus: Record<string, number>;
  /** Cases answered 5xx or not at all. */
  failures: { index: number; status: number; error: string | null; excerpt: string }[];
  /** Heap after GC once a fifth of the cases ran, and at the end (MB). */
  heapWarmMb: number;
  heapEndMb: number;
}

/** Node's own gc(), exposed at run time (vitest does not pass --expose-gc). */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function heapAfterGcMb(): Promise<number> {
  const gc = gcFunction();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * Sends `count` cases made by `make(index)` to `path`, `concurrency` at a time; `settle` runs at the
 * warm-up checkpoint and at the end, before the heap is measured (e.g. to let queued jobs finish).
 */
export async function fuzzRoute(options: {
  baseUrl: string;
  path: string;
  count?: number;
  concurrency?: number;
  make: (index: number) => FuzzCase;
  settle?: () => Promise<void>;
}): Promise<FuzzReport> {
  const count = options.count ?? FUZZ_CASES;
  const concurrency = options.concurrency ?? 64;
  const client = new HttpClient(options.baseUrl, { maxSockets: concurrency, timeoutMs: 20_000 });
  const byStatus: Record<string, number> = {};
  const failures: FuzzReport['failures'] = [];
  let heapWarmMb = Number.NaN;
  const warmAt = Math.floor(count / 5);
  try {
    let next = 0;
    const runBatch = async (until: number) => {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (;;) {
            const index = next++;
            if (index >= until) return;
            const fuzzCase = options.make(index);
            const answer = await client.post(options.path, fuzzCase.body, fuzzCase.headers);
            const key = answer.status === 0 ? `no answer (${answer.error})` : String(answer.status);
            byStatus[key] = (byStatus[key] ?? 0) + 1;
            if (answer.status === 0 || answer.status >= 500) {
              const text = Buffer.isBuffer(fuzzCase.body) ? fuzzCase.body.toString('utf8') : fuzzCase.body;
              failures.push({
                index,
                status: answer.status,
                error: answer.error,
                excerpt: text.slice(0, 200),
              });
            }
          }
        }),
      );
      next = until;
    };
    await runBatch(warmAt);
    await options.settle?.();
    heapWarmMb = await heapAfterGcMb();
    await runBatch(count);
    await options.settle?.();
    const heapEndMb = await heapAfterGcMb();
    return { sent: count, byStatus, failures, heapWarmMb, heapEndMb };
  } finally {
    client.close();
  }
}

/** A logger that writes nowhere but counts lines (a fuzz run must not fill the test's memory with logs). */
export function countingLogger(): { logger: Logger; lines: () => number } {
  let lines = 0;
  const logger = createLogger({
    level: 'info',
    secrets: [],
    destination: {
      write: (chunk: string) => {
        lines += chunk.split('\n').filter(Boolean).length;
      },
    },
  });
  return { logger, lines: () => lines };
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Every JSON fixture under test/fixtures/<dir>, parsed. */
export function fixtures(dir: string): unknown[] {
  const root = join(FIXTURES, dir);
  const walk = (path: string): string[] =>
    readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(path, entry.name))
        : entry.name.endsWith('.json')
          ? [join(path, entry.name)]
          : [],
    );
  return walk(root).map((file) => JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** Header sets a hostile sender might use (content types, encodings). */
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
];

/** Prints the answer mix and the heap, once per route. */
export function logReport(path: string, seed: number, report: FuzzReport): void {
  console.info(
    `${path} fuzz (seed ${seed}): ${JSON.stringify(report.byStatus)}, heap ${report.heapWarmMb.toFixed(1)} → ${report.heapEndMb.toFixed(1)} MB`,
  );
}

/**
 * The checks every route shares: every request answered, never a 5xx, the mix reached each door (at least
 * `minimums[status]` answers of a status; `'400+422'` sums several), and a bounded heap.
 */
export function itSurvives(report: () => FuzzReport, seed: number, minimums: Record<string, number>): void {
  it(`answers all ${FUZZ_CASES} requests, none with a 5xx (seed ${seed})`, () => {
    const { failures, sent, byStatus } = report();
    expect(
      failures.slice(0, 5),
      `${failures.length} of ${sent} requests answered 5xx or not at all; the first ones`,
    ).toEqual([]);
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(sent);
    for (const [statuses, minimum] of Object.entries(minimums)) {
      const count = statuses.split('+').reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
      expect(count, `answers with status ${statuses}`).toBeGreaterThan(minimum);
    }
  });

  it('keeps its heap bounded (growth after warm-up under 40 MB)', () => {
    const { heapEndMb, heapWarmMb } = report();
    expect(heapEndMb - heapWarmMb).toBeLessThan(40);
  });
}
