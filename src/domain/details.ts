/**
 * What a card shows besides the state machine: filled by ingest from provider events and by Zendesk,
 * read by the card builders. Stored as JSON on the episode; parsed defensively on the way out.
 */
import { z } from 'zod';
import { prebriefSchema, repeatCallsSchema } from './prebrief.js';

export const episodeDetailsSchema = z.object({
  /** The number the caller dialled, formatted for display. */
  lineNumber: z.string().nullable().default(null),
  /** The caller's country (ISO 3166 alpha-2) when the number says so. */
  callerCountry: z.string().nullable().default(null),
  /** The episode's missed calls, oldest first: the newest DETAILS_CALLS_KEPT (the count is the episode's). */
  calls: z
    .array(
      z.object({
        key: z.string(),
        at: z.number(),
        reason: z.string().nullable(),
        /** How long the caller waited before giving up, in seconds. */
        waitedSeconds: z.number().nullable(),
      }),
    )
    .default([]),
  /** Agents the calls rang, unique, in order ("rang Ana, Ben, Chloé"). */
  rang: z.array(z.string()).default([]),
  voicemail: z
    .object({ url: z.string().nullable(), durationSeconds: z.number().nullable(), at: z.number().nullable() })
    .nullable()
    .default(null),
  transcript: z.string().nullable().default(null),
  summary: z.string().nullable().default(null),
  /** The Zendesk requester, when the ticket has one. */
  requester: z.object({ id: z.number(), name: z.string() }).nullable().default(null),
  /** The call came in outside the line's business hours. */
  outOfHours: z.boolean().default(false),
  /** What Zendesk says about the caller (src/domain/prebrief.ts); absent until it answered. */
  prebrief: prebriefSchema.optional().catch(undefined),
  /** Ringback's own history of the number ("3rd call in 7 days"); absent until the triage job ran. */
  repeat: repeatCallsSchema.optional().catch(undefined),
});

export type EpisodeDetails = z.infer<typeof episodeDetailsSchema>;

/** How many missed calls an episode's details list: a card shows the last one and the longest wait. */
export const DETAILS_CALLS_KEPT = 50;

export function emptyDetails(): EpisodeDetails {
  return episodeDetailsSchema.parse({});
}

/** Reads stored details; unknown or broken fields fall back to defaults rather than breaking a card. */
export function parseDetails(value: unknown): EpisodeDetails {
  const parsed = episodeDetailsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : emptyDetails();
}
