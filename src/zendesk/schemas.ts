/**
 * The parts of Zendesk's answers Ringback reads, as zod schemas. Unknown fields are dropped and absent
 * optional ones default, so a richer or older payload never breaks a job.
 */
import { z } from 'zod';

const id = z.number().int();
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

export const ticketSchema = z.object({
  id,
  subject: text,
  status: z.string().default('new'),
  requester_id: id.nullish().transform((v) => v ?? null),
  assignee_id: id.nullish().transform((v) => v ?? null),
  group_id: id.nullish().transform((v) => v ?? null),
  external_id: text,
  tags: z.array(z.string()).default([]),
  /** Sent back as `updated_stamp` in safe updates. */
  updated_at: z.string(),
  via: z
    .object({
      channel: z.union([z.string(), z.number()]).nullish(),
      source: z
        .object({
          from: z.record(z.string(), z.unknown()).nullish(),
          to: z.record(z.string(), z.unknown()).nullish(),
          rel: text,
        })
        .nullish(),
    })
    .nullish(),
});
export type ZendeskTicket = z.infer<typeof ticketSchema>;

export const userSchema = z.object({
  id,
  name: z.string().default(''),
  email: text,
  phone: text,
  role: z.string().default('end-user'),
  active: z.boolean().default(true),
  external_id: text,
  /** BCP 47 (`fr`, `en-US`): the language Zendesk writes to this user in. */
  locale: text,
  /** Zendesk's zone name ("Paris", "Eastern Time (US & Canada)"). */
  time_zone: text,
  /** ISO 8601: tells a user create_or_update just made from one it found by external id. */
  created_at: text,
});
export type ZendeskUser = z.infer<typeof userSchema>;

/** One identity of a user: an e-mail, a phone number, … (`type` says which). */
export const identitySchema = z.object({
  id,
  type: z.string(),
  value: z.string(),
  primary: z.boolean().default(false),
});
export type ZendeskIdentity = z.infer<typeof identitySchema>;

export const commentSchema = z.object({
  id,
  type: z.string().default('Comment'),
  body: text,
  public: z.boolean().default(true),
  created_at: text,
  /** VoiceComment payload: call id, numbers, recording, transcript (field names partly UNCONFIRMED). */
  data: z.record(z.string(), z.unknown()).nullish(),
});
export type ZendeskComment = z.infer<typeof commentSchema>;

export const sideConversationSchema = z.object({
  id: z.string(),
  ticket_id: id.nullish(),
  subject: text,
  state: z.string().default('open'),
  external_ids: z.record(z.string(), z.string()).nullish(),
});
export type ZendeskSideConversation = z.infer<typeof sideConversationSchema>;

export const sideConversationEventSchema = z.object({
  id: z.string(),
  side_conversation_id: z.string(),
  ticket_id: id.nullish(),
  type: z.string(),
  via: z.string().nullish(),
  created_at: text,
  actor: z
    .object({
      user_id: id.nullish(),
      name: text,
      email: text,
    })
    .nullish(),
  message: z
    .object({
      subject: text,
      body: text,
      preview_text: text,
      external_ids: z.record(z.string(), z.string()).nullish(),
    })
    .nullish(),
});
export type ZendeskSideConversationEvent = z.infer<typeof sideConversationEventSchema>;

/** One call of the Talk incremental export (fields from the docs' example and the Airbyte schema). */
export const talkCallSchema = z.object({
  id,
  created_at: text,
  updated_at: text,
  direction: z.string().nullish(),
  completion_status: text,
  agent_id: id.nullish().transform((v) => v ?? null),
  ticket_id: id.nullish().transform((v) => v ?? null),
  customer_id: id.nullish().transform((v) => v ?? null),
  phone_number_id: id.nullish().transform((v) => v ?? null),
  phone_number: text,
  duration: z.number().nullish(),
  wait_time: z.number().nullish(),
  time_to_answer: z.number().nullish(),
  talk_time: z.number().nullish(),
  voicemail: z.boolean().nullish(),
  outside_business_hours: z.boolean().nullish(),
  recording_time: z.number().nullish(),
  /** The caller asked to be called back (Talk callback requests). */
  callback: z.boolean().nullish(),
  /** Where the request came from (`queue`, `web widget`; other values possible). */
  callback_source: text,
});
export type TalkCall = z.infer<typeof talkCallSchema>;

/** One leg of the Talk incremental export: one agent (or the customer) on a call. */
export const talkLegSchema = z.object({
  id,
  call_id: id,
  type: text,
  agent_id: id.nullish().transform((v) => v ?? null),
  user_id: id.nullish().transform((v) => v ?? null),
  completion_status: text,
  created_at: text,
  updated_at: text,
});
export type TalkLeg = z.infer<typeof talkLegSchema>;

export const talkExportSchema = z.object({
  calls: z.array(z.unknown()).optional(),
  legs: z.array(z.unknown()).optional(),
  count: z.number().int().nonnegative().default(0),
  end_time: z.number().int().nullish(),
  next_page: z.string().nullish(),
});

/** The requester as the pre-brief reads them (src/zendesk/prebrief.ts). */
export const userProfileSchema = z.object({
  id,
  name: z.string().default(''),
  organization_id: id.nullish().transform((v) => v ?? null),
  tags: z.array(z.string()).default([]),
  /** Zendesk's own zone name ("Eastern Time (US & Canada)"). */
  time_zone: text,
  /** The same zone as IANA names it (read-only; absent on older accounts). */
  iana_time_zone: text,
});
export type ZendeskUserProfile = z.infer<typeof userProfileSchema>;

/** A requested ticket as the pre-brief reads it. */
export const ticketSummarySchema = z.object({
  id,
  subject: text,
  status: z.string().default('new'),
  priority: text,
  assignee_id: id.nullish().transform((v) => v ?? null),
  updated_at: text,
  via: z.object({ channel: z.union([z.string(), z.number()]).nullish() }).nullish(),
});
export type ZendeskTicketSummary = z.infer<typeof ticketSummarySchema>;

export const organizationSchema = z.object({
  id,
  name: z.string().default(''),
  tags: z.array(z.string()).default([]),
});
export type ZendeskOrganization = z.infer<typeof organizationSchema>;
