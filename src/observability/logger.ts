/**
 * pino logs that never carry a secret, a full phone number or a full e-mail address: known secret values
 * are replaced wherever they appear, anything that looks like a phone number keeps only its last 4 digits,
 * and an e-mail address keeps its first letter and its domain.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

// A run of 7+ digits, optionally with a leading + (or %2B, URL-encoded) and separators (spaces, dots,
// dashes, parentheses), standing on its own: not glued to letters or digits, so ids such as UUIDs are left
// whole.
const PHONE_LIKE = /(?<![0-9A-Za-z])(?:\+|%2[Bb])?\(?\d[\d\s().-]{5,}\d(?![0-9A-Za-z]|-[0-9A-Za-z])/g;

// Long digit runs that are never phone numbers, set aside before masking: UUIDs, Slack message
// timestamps (`1700000000.000100`) and ISO dates and times. Only a date that could be one (a year of this
// century or the last, a month, a day): 0622-33-44-66 is a number written in pairs, not a date and a 66.
const NEVER_A_PHONE =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![\d.])\d{10}\.\d{6}(?![\d.])|(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/gi;

// Epoch seconds (10 digits) and milliseconds (13 digits) of the years 2001 to 2033 all start with 1; no
// national number has 10 digits starting with 1 (NANP area codes never do) and no E.164 number has 13.
const EPOCH_LIKE = /^1(?:\d{9}|\d{12})$/;

const EMAIL = /(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;

function maskRuns(text: string): string {
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    // E.164 numbers have at most 15 digits.
    if (digits.length < 7 || digits.length > 15) return match;
    if (EPOCH_LIKE.test(match)) return match;
    return `…${digits.slice(-4)}`;
  });
}

/**
 * Keeps the last 4 digits of every run of 7 to 15 digits, written with or without `+` and separators
 * (`+33 1 76 36 06 95`, `33176360695`, `0176360695`), except UUIDs, Slack timestamps, ISO times and
 * epoch seconds or milliseconds. Short numbers (ticket 456) stay whole.
 */
export function maskPhoneNumbers(text: string): string {
  let out = '';
  let from = 0;
  for (const kept of text.matchAll(NEVER_A_PHONE)) {
    out += maskRuns(text.slice(from, kept.index)) + kept[0];
    from = kept.index + kept[0].length;
  }
  return out + maskRuns(text.slice(from));
}

/** `ana.lopez@example.com` → `a…@example.com`: enough to tell people apart in a log, not to reach them. */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, (_match, first: string, domain: string) => `${first}…@${domain}`);
}

export function maskPersonalData(text: string): string {
  return maskPhoneNumbers(maskEmails(text));
}

function scrub(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets)
      if (secret.length >= 4 && text.includes(secret)) text = text.split(secret).join('[secret]');
    return maskPersonalData(text);
  }
  // A phone number logged as a number (33176360695, at least 9 digits without its leading 0 or +) is
  // masked like its text; counts, durations and ids of fewer digits stay numbers.
  if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) >= 100_000_000) {
    const masked = maskPhoneNumbers(String(value));
    return masked === String(value) ? value : masked;
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
