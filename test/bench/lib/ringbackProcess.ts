/**
 * Ringback as a separate OS process, as it runs in production: `node main.js` with the environment, a
 * routing file, its own log file, and a guard preloaded so it can only reach 127.0.0.1. The bench and the
 * drills start, probe, kill -9 and restart it from here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFFLINE_GUARD } from './build.js';

export interface StartOptions {
  /** The built main.js (buildRingback()), or a .ts entry run with `loader` (tsx). */
  main: string;
  env: Record<string, string>;
  logFile: string;
  /** `--import` value for a TypeScript entry (TSX_IMPORT). */
  loader?: string;
  readyTimeoutMs?: number;
  /** Extra node flags (e.g. --cpu-prof when looking for a bottleneck). */
  nodeArgs?: string[];
}

/** A free TCP port on 127.0.0.1 (closed again at once; Ringback binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** GET on loopback that never throws: the status, or 0 when nothing answered. */
export function probe(url: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export class RingbackProcess {
  private exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
    /** Spawn → first 200 from /readyz. */
    readonly startupMs: number,
    exited: Promise<number | null>,
  ) {
    this.exited = exited;
    void exited.then((code) => {
      this.exitCode = code;
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Resident memory now, in MB (null once the process is gone). */
  rssMb(): number | null {
    const kb = procStatusKb(this.pid, 'VmRSS');
    return kb === null ? null : kb / 1024;
  }

  /** The highest resident memory the process reached, in MB. */
  peakRssMb(): number | null {
    const kb = procStatusKb(this.pid, 'VmHWM');
    return kb === null ? null : kb / 1024;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  static async start(options: StartOptions): Promise<RingbackProcess> {
    const port = options.env.PORT ? Number(options.env.PORT) : await freePort();
    // A working directory of its own: main.ts reads a .env next to it, and there must be none.
    const cwd = mkdtempSync(join(tmpdir(), 'ringback-bench-cwd-'));
    const log = openSync(options.logFile, 'a');
    const args = [
      ...(options.nodeArgs ?? []),
      '--require',
      OFFLINE_GUARD,
      ...(options.loader ? ['--import', options.loader] : []),
      options.main,
    ];
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (gone) {
        const text = readFileSync(options.logFile, 'utf8').slice(-3000);
        throw new Error(`Ringback exited before it was ready:\n${text}`);
      }
      if ((await probe(`http://127.0.0.1:${port}/readyz`, 500)) === 200) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Ringback was not ready after ${options.readyTimeoutMs ?? 30_000} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return new RingbackProcess(child, port, options.logFile, performance.now() - started, exited);
  }

  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (finish running jobs), then SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
