/**
 * The naive baseline of the storm figure: what a minimal "missed call → Slack" bot does. It answers the
 * Aircall webhook, then posts one chat.postMessage per missed call at once, with no pacing, no queue and no
 * retry (a 429 is a lost message). Run against the same fake Slack limits and the same storm as Ringback,
 * so the table can put the two side by side.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NaiveBot {
  url: string;
  /** Posts that Slack refused (429 or error): messages nobody will ever see. */
  refused(): number;
  close(): Promise<void>;
}

interface AircallDelivery {
  event?: string;
  data?: {
    id?: number;
    raw_digits?: string;
    missed_call_reason?: string | null;
    answered_at?: number | null;
  };
}

export async function startNaiveBot(slackApiUrl: string, token: string, channel: string): Promise<NaiveBot> {
  let refused = 0;
  const post = async (text: string) => {
    try {
      const response = await fetch(`${slackApiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel, text }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { ok?: boolean };
      if (response.status !== 200 || body.ok !== true) refused += 1;
    } catch {
      refused += 1;
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      let delivery: AircallDelivery;
      try {
        delivery = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AircallDelivery;
      } catch {
        return;
      }
      const data = delivery.data;
      if (delivery.event !== 'call.ended' || !data || data.answered_at) return;
      const digits = (data.raw_digits ?? '').replace(/[^\d+]/g, '');
      void post(`Missed call from <tel:${digits}|${data.raw_digits}>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
