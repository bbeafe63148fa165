/**
 * Aircall webhook bodies (developer.aircall.io, "Webhooks" and the Call object). Only what Ringback reads is
 * checked; everything is optional or nullable where Aircall leaves it out on some events, and unknown
 * fields are dropped. The `token` is checked by the route before this schema runs.
 */
import { z } from 'zod';
import { clipText, withoutControls } from '../text.js';

const seconds = z.number().int().nonnegative();

/**
 * Text kept to `max` characters without control characters. Cut rather than refused: Aircall does not
 * fix a delivery we refuse, and a call with an overlong contact name is still a missed call.
 */
const clipped = (max: number) => z.string().transform((text) => clipText(withoutControls(text), max));

/** Aircall ids are integers; a numeric string is tolerated (some proxies re-serialize them). */
const aircallId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

export const aircallUserSchema = z.object({
  id: aircallId.optional(),
  name: clipped(200).nullish(),
  email: clipped(320).nullish(),
});

export const aircallCallSchema = z.object({
  id: aircallId,
  direction: z.enum(['inbound', 'outbound']),
  status: clipped(100).nullish(),
  missed_call_reason: clipped(100).nullish(),
  started_at: seconds.nullish(),
  answered_at: seconds.nullish(),
  ended_at: seconds.nullish(),
  duration: z.number().nullish(),
  raw_digits: clipped(100).nullish(),
  voicemail: clipped(2_000).nullish(),
  voicemail_short_url: clipped(2_000).nullish(),
  asset: clipped(2_000).nullish(),
  user: aircallUserSchema.nullish(),
  number: z
    .object({
      id: aircallId.optional(),
      name: clipped(200).nullish(),
      digits: clipped(100).nullish(),
      country: clipped(10).nullish(),
    })
    .nullish(),
  contact: z
    .object({
      first_name: clipped(200).nullish(),
      last_name: clipped(200).nullish(),
      company_name: clipped(200).nullish(),
    })
    .nullish(),
  /** The call's whole current tag list (`call.tagged` does not say which tag was just added). */
  tags: z
    .array(z.union([clipped(100), z.object({ name: clipped(100).nullish() })]))
    .max(200)
    .nullish(),
  /** On Aircall's automated callback (an outbound call): the id of the call that asked for it. */
  automatic_callback_call_id: aircallId.nullish(),
});

export type AircallCall = z.infer<typeof aircallCallSchema>;

/** A conversation-intelligence result (`transcription.created`, `summary.created`): shapes vary by plan. */
export const aircallInsightSchema = z.object({
  call_id: aircallId,
  content: z.unknown().optional(),
  transcription: z.unknown().optional(),
  summary: z.unknown().optional(),
  utterances: z.unknown().optional(),
});

export type AircallInsight = z.infer<typeof aircallInsightSchema>;

/** Every Aircall webhook body: an envelope around the resource. */
export const aircallEnvelopeSchema = z.object({
  resource: z.string().min(1),
  event: z.string().min(1),
  timestamp: seconds,
  token: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** The events Ringback acts on: every call event, and transcripts and summaries of calls. */
export const INSIGHT_EVENTS = ['transcription.created', 'summary.created'] as const;

export function isInterestingEvent(event: string): boolean {
  return event.startsWith('call.') || (INSIGHT_EVENTS as readonly string[]).includes(event);
}

/** What the route queues for the job: the envelope without the token (a secret has no place in the jobs table). */
export const aircallJobSchema = z.object({
  receivedAt: z.number(),
  event: z.string(),
  timestamp: seconds,
  data: z.record(z.string(), z.unknown()),
});

export type AircallJob = z.infer<typeof aircallJobSchema>;

/** Parses the resource of an interesting event; the error path is relative to the body (`data.direction`). */
export function parseAircallData(
  event: string,
  data: unknown,
):
  | { kind: 'call'; call: AircallCall }
  | { kind: 'insight'; insight: AircallInsight }
  | { kind: 'error'; error: z.ZodError } {
  if (event.startsWith('call.')) {
    const parsed = aircallCallSchema.safeParse(data);
    return parsed.success ? { kind: 'call', call: parsed.data } : { kind: 'error', error: parsed.error };
  }
  const parsed = aircallInsightSchema.safeParse(data);
  return parsed.success ? { kind: 'insight', insight: parsed.data } : { kind: 'error', error: parsed.error };
}
