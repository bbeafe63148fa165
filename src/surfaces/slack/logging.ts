/** Bolt's and the Web API client's logger interface on top of our pino logger (so secrets stay masked). */

import type { Logger as SlackLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import type { Logger } from '../../observability/logger.js';

function text(parts: unknown[]): string {
  return parts
    .map((part) =>
      typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part),
    )
    .join(' ');
}

export function slackLogger(logger: Logger, name = 'slack'): SlackLogger {
  const child = logger.child({ component: name });
  let level: LogLevel = LogLevel.INFO;
  return {
    // Bolt is chatty at debug level (every body); ours stays at info unless asked.
    debug: (...parts: unknown[]) => child.debug(text(parts)),
    info: (...parts: unknown[]) => child.info(text(parts)),
    warn: (...parts: unknown[]) => child.warn(text(parts)),
    error: (...parts: unknown[]) => child.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
