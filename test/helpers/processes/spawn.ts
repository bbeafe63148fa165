/** Spawns test/helpers/processes/worker.ts as a real child process (TypeScript through tsx). */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TSX_IMPORT } from './tsx.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitForLine(text: string, timeoutMs?: number): Promise<void>;
}

export function spawnWorker(env: Record<string, string>): Child {
  let output = '';
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    exited,
    waitForLine: (text, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (output.includes(text)) return resolve();
          if (child.exitCode !== null) return reject(new Error(`worker exited before "${text}": ${output}`));
          if (Date.now() - started > timeoutMs)
            return reject(new Error(`no "${text}" after ${timeoutMs} ms: ${output}`));
          setTimeout(check, 25);
        };
        check();
      }),
  };
}
