/** Starts a real Ringback on a random loopback port for a test, and stops it after. */
import type { Config } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createRingback, type Ringback, type RingbackOptions } from '../../src/ringback.js';

export interface StartedRingback extends Ringback {
  baseUrl: string;
}

/** A logger that keeps lines in memory (tests assert on them) and prints nothing. */
export function memoryLogger(
  secrets: string[] = [],
  level = 'debug',
): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const logger = createLogger({
    level,
    secrets,
    destination: { write: (line: string) => chunks.push(line) },
  });
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export async function startRingback(config: Config, options: RingbackOptions = {}): Promise<StartedRingback> {
  const ringback = await createRingback(config, {
    logger: options.logger ?? memoryLogger(config.secrets).logger,
    port: 0,
    host: '127.0.0.1',
    ...options,
    runner: { pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 500, ...options.runner },
  });
  const http = await ringback.start();
  return Object.assign(ringback, { baseUrl: `http://127.0.0.1:${http.port}` });
}

/** A line from outside the chat (a Zendesk-side reply), queued for the call's thread as Zendesk's poll does. */
export async function queueOutsideText(
  ringback: Ringback,
  line: { episodeId: string; authorLabel: string; text: string; sourceRef: string },
): Promise<void> {
  await ringback.store.transaction((repos) =>
    repos.enqueue(ringback.threads.planExternalText({ ...line, source: 'zendesk' }), ringback.clock.now()),
  );
}
