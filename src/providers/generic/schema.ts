/**
 * The generic call webhook (POST /webhooks/calls): one JSON object per call update, from any telephony
 * system. The contract is documented in docs/generic-webhook.md; unknown fields are ignored so senders may
 * add their own.
 */
import { z } from 'zod';
import { clipText, withoutControls } from '../text.js';

const instant = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 time like 2026-11-21T09:32:10Z',
});
/** Required text, without control characters (a NUL made PostgreSQL refuse the call's ingest). */
const text = (max: number) => z.string().transform(withoutControls).pipe(z.string().trim().min(1).max(max));
/** Optional free text (a transcript), without control characters; line breaks and tabs stay. */
const freeText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((value) => (value === null || value === undefined ? value : withoutControls(value)));

/*
 * Optional extras are cut or dropped, never refused: a sender is rarely fixed in time, and refusing the
 * update for a long caller name or an odd agent e-mail loses the missed call itself.
 */
/** Optional text cut to `max` characters. */
const clippedText = (max: number) =>
  z
    .string()
    .nullish()
    .transform((value) =>
      value === null || value === undefined ? value : clipText(withoutControls(value), max),
    );
/** An agent's e-mail if it looks like one (`name@domain`, any script), else null. */
const lenientEmail = z
  .string()
  .nullish()
  .transform((value) => {
    const trimmed = value?.trim() ?? '';
    return /^[^\s@]+@[^\s@]+$/.test(trimmed) && trimmed.length <= 320 ? trimmed : null;
  });
/** Long pre-signed storage links exist; a longer link than this is dropped rather than kept. */
const MAX_VOICEMAIL_URL = 8_000;

export const genericLegSchema = z.object({
  /** The agent's name as the sender knows it. */
  agent: text(200),
  email: lenientEmail,
  result: z.enum(['ringing', 'missed', 'declined', 'answered']),
  at: instant.nullish(),
});

export const genericCallSchema = z.object({
  /** `twilio`, `dialpad`, `ringcentral`, … : namespaces `callId`. */
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
    message: 'expected a short lowercase name like twilio or dialpad',
  }),
  /** Unique per provider; updates of the same call carry the same id. */
  callId: text(200),
  direction: z.enum(['inbound', 'outbound']),
  /** The customer's number: the caller (inbound) or the person called (outbound). Null or "anonymous" when withheld. */
  from: z
    .string()
    .max(100)
    .nullable()
    .transform((value) => (value === null ? value : withoutControls(value))),
  /** The line: its name (matched by `genericLine`) or the number dialled (matched by `number`). */
  line: text(200),
  startedAt: instant,
  /** Absent or null while the call is still going on. */
  endedAt: instant.nullish(),
  /** Did an agent (inbound) or the customer (outbound) pick up? */
  answered: z.boolean(),
  answeredAt: instant.nullish(),
  /** Why it was missed, e.g. `no-answer`, `busy`, `abandoned_in_queue`; any text is kept. */
  missedReason: clippedText(100),
  callerName: clippedText(200),
  /** Kept only when an absolute https: URL; anything else is dropped at normalization, not refused. */
  voicemailUrl: z
    .string()
    .nullish()
    .transform((value) => (value && value.length > MAX_VOICEMAIL_URL ? null : value)),
  voicemailDurationSeconds: z.number().nonnegative().nullish(),
  transcript: freeText(100_000),
  summary: freeText(20_000),
  /** Who answered (inbound) or placed the call (outbound): named on automatically resolved cards. */
  agent: z.object({ name: text(200), email: lenientEmail }).nullish(),
  legs: z.array(genericLegSchema).max(100).default([]),
  /** The caller asked to be called back (a callback request in a queue, a web form…). */
  callbackRequested: z.boolean().nullish(),
  /** Where to call back when not `from` (international, or national in the line's `country`). */
  callbackNumber: z
    .string()
    .regex(/^\+?[\d\s().-]{6,30}$/, { message: 'expected a phone number like +33 6 12 34 56 78' })
    .nullish(),
  /** When the sender built this update; a later update wins over an earlier one. Default: when received. */
  occurredAt: instant.nullish(),
});

export type GenericCall = z.infer<typeof genericCallSchema>;

export const genericJobSchema = z.object({ receivedAt: z.number(), call: genericCallSchema });
