/**
 * The yardstick for acknowledgements: a bare Node HTTP server in its own process that reads the body and
 * answers 200 with a small JSON, nothing else. Measured with the same load in the same run as Ringback,
 * its p99 says what this machine's loopback and scheduler cost right now, so the ratio holds on a noisy
 * machine where an absolute number does not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, probe } from './ringbackProcess.js';

const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"accepted"}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export class BareServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly exited: Promise<void>,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(timeoutMs = 10_000): Promise<BareServer> {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', SERVER], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port) },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    // Any answer (404 for GET /) means it listens.
    while ((await probe(`http://127.0.0.1:${port}/`, 500)) === 0) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`the bare HTTP server did not listen within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return new BareServer(child, port, exited);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
