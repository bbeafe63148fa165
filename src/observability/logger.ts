/**
 * pino logs that never carry a secret or a full phone number: known secret values are replaced
 * wherever they appear, and anything that looks like a phone number keeps only its last 4 digits.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

// A run of 7+ digits, optionally with a leading + and separators (spaces, dots, dashes, parentheses),
// standing on its own: not glued to letters or digits, so ids such as UUIDs are left whole.
const PHONE_LIKE = /(?<![0-9A-Za-z])\+?\(?\d[\d\s().-]{5,}\d(?![0-9A-Za-z]|-[0-9A-Za-z])/g;

export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    // E.164 numbers have at most 15 digits.
    if (digits.length < 7 || digits.length > 15) return match;
    // ISO timestamps and epoch numbers are not phone numbers.
    if (/^\d{4}-\d{2}-\d{2}/.test(match) || /^\d{10,13}$/.test(match)) return match;
    return `…${digits.slice(-4)}`;
  });
}

function scrub(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets)
      if (secret.length >= 4 && text.includes(secret)) text = text.split(secret).join('[secret]');
    return maskPhoneNumbers(text);
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrub(value.message, secrets, depth + 1),
      stack: scrub(value.stack ?? '', secrets, depth + 1),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        /token|secret|password|authorization|signature|cookie/i.test(key) && typeof item === 'string'
          ? '[secret]'
          : scrub(item, secrets, depth + 1);
    }
    return out;
  }
  return value;
}

export interface LoggerOptions {
  level: string;
  /** Values that must never appear in a log line (tokens, passwords). */
  secrets: readonly string[];
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets.filter((s) => s.length >= 4);
  return pino(
    {
      level: options.level,
      base: { app: 'ringback' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // The message string is scrubbed too, not only the merged object.
          const cleaned = args.map((arg) =>
            typeof arg === 'string' ? scrub(arg, secrets) : arg,
          ) as typeof args;
          method.apply(this, cleaned);
        },
      },
    },
    options.destination,
  );
}
