/**
 * Closing the HTTP server on SIGTERM: a load balancer keeps its connections alive (65 s here), so a
 * connection that was busy when the server closed must end once its answer is out, or the shutdown waits
 * past its deadline and the jobs are never stopped in order.
 */
import { connect, type Socket } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../../src/http/server.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with how long `promise` took, or null when it took longer than `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<number | null> {
  const start = Date.now();
  const late = Symbol('late');
  const outcome = await Promise.race([promise, sleep(ms).then(() => late)]);
  return outcome === late ? null : Date.now() - start;
}

describe('closing the server with keep-alive connections', () => {
  let running: RunningServer | null = null;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    running?.server.closeAllConnections();
    running = null;
  });

  async function start(): Promise<{
    running: RunningServer;
    open(): Promise<Socket & { answer(): string; ended: Promise<void> }>;
  }> {
    const app = express();
    app.post('/webhook', express.json(), (req, res) => {
      res.json({ got: req.body });
    });
    app.get('/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part\n');
      setTimeout(() => res.end('last part\n'), 300);
    });
    const server = await listen(app, 0, '127.0.0.1');
    running = server;
    return {
      running: server,
      async open() {
        const socket = connect(server.port, '127.0.0.1') as Socket & {
          answer(): string;
          ended: Promise<void>;
        };
        sockets.push(socket);
        let answer = '';
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString();
        });
        socket.on('error', () => undefined);
        socket.answer = () => answer;
        socket.ended = new Promise((resolve) => socket.once('close', () => resolve()));
        await new Promise((resolve) => socket.once('connect', resolve));
        return socket;
      },
    };
  }

  it('ends a connection whose request was still arriving, with Connection: close, and closes in time', async () => {
    const { running: server, open } = await start();
    const socket = await open();
    const body = JSON.stringify({ call: 'missed' });
    socket.write(
      `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
    );
    socket.write(body.slice(0, 5));
    await sleep(100);

    const closed = server.close();
    await sleep(100);
    socket.write(body.slice(5));

    expect(await within(closed, 3_000)).not.toBeNull();
    await socket.ended;
    expect(socket.answer()).toMatch(/^HTTP\/1\.1 200/);
    expect(socket.answer()).toMatch(/\r\nConnection: close\r\n/i);
    expect(socket.answer()).toContain('"call":"missed"');
  });

  it('ends a connection whose answer was already being sent once that answer is out', async () => {
    const { running: server, open } = await start();
    const socket = await open();
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await sleep(100);
    expect(socket.answer()).toMatch(/keep-alive/i);

    const took = await within(server.close(), 3_000);
    expect(took).not.toBeNull();
    await socket.ended;
    expect(socket.answer()).toContain('last part');
  });
});
