/**
 * A loopback proxy in front of a fake vendor API that can be taken down and brought back: while down it
 * answers every request 503 (as a vendor's load balancer does in an outage) and counts them; while up it
 * forwards requests unchanged. The fake behind it keeps its own state and rate limits.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OutageProxy {
  /** The proxy's origin, `http://127.0.0.1:PORT`. */
  readonly origin: string;
  down(): void;
  up(): void;
  /** Requests answered 503 while down. */
  refused(): number;
  close(): Promise<void>;
}

export async function startOutageProxy(target: string): Promise<OutageProxy> {
  const upstream = new URL(target);
  if (upstream.hostname !== '127.0.0.1') throw new Error('the proxy only forwards to 127.0.0.1');
  let isDown = false;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (isDown) {
      refused += 1;
      req.resume();
      res
        .writeHead(503, { 'content-type': 'text/html' })
        .end('<html><body>503 Service Unavailable</body></html>');
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    down: () => {
      isDown = true;
    },
    up: () => {
      isDown = false;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
