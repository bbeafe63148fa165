import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { emptySchedule, parseDayKey, parseTimeRanges, type WeeklySchedule } from '../domain/schedule.js';
import { OUTCOMES } from '../domain/types.js';
import { parseDuration } from './duration.js';

/** A duration such as `90s`, `15m`, `2h`, `1h30m`, parsed to milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 15m or 2h, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

/** An IANA time zone name such as `Europe/Paris`. */
const timeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  message: 'expected an IANA time zone like Europe/Paris or America/New_York',
});

/** A Slack channel id (public `C…`, private `G…` or a DM `D…`), never a channel name. */
const slackChannelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{6,}$/, { message: 'expected a Slack channel id like C0123456789' });

/** A Teams channel conversation id such as `19:abc@thread.tacv2`. */
const teamsChannelId = z.string().regex(/^19:.+@thread\.(tacv2|skype|v2)$/, {
  message: 'expected a Teams channel id like 19:abc@thread.tacv2 (ask "@Ringback channels")',
});

/** A calendar date `YYYY-MM-DD` (YAML may hand it over as a Date). */
const isoDate = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !DateTime.fromISO(text).isValid) {
    ctx.addIssue({ code: 'custom', message: `expected a date like 2026-12-25, got "${text}"` });
    return z.NEVER;
  }
  return text;
});

/** `mon-fri: "09:00-18:00"`, `sat: "10:00-13:00"`; days not named are closed. */
const businessHours = z.record(z.string(), z.string()).transform((entries, ctx): WeeklySchedule => {
  const schedule = emptySchedule();
  for (const [key, value] of Object.entries(entries)) {
    const days = parseDayKey(key);
    if (typeof days === 'string') {
      ctx.addIssue({ code: 'custom', message: days, path: [key] });
      continue;
    }
    const intervals = parseTimeRanges(value);
    if (typeof intervals === 'string') {
      ctx.addIssue({ code: 'custom', message: intervals, path: [key] });
      continue;
    }
    for (const day of days) schedule[day].push(...intervals);
  }
  return schedule;
});

/** Which calls belong to a line: `"*"` for every call, or one of the keys below. */
const lineMatch = z.union([
  z.literal('*'),
  z
    .object({
      /** The Aircall number the caller dialled, as Aircall shows it (`"+33 1 76 36 06 95"`). */
      aircallNumber: z.string().min(1).optional(),
      /** The Zendesk Talk phone number id (`phone_number_id` in the Talk exports). */
      zendeskPhoneNumberId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
      /** The number dialled, from any provider (generic webhook `line` that looks like a number too). */
      number: z.string().min(1).optional(),
      /** The `line` field of the generic webhook, compared as text. */
      genericLine: z.string().min(1).optional(),
    })
    .strict()
    .refine((m) => Object.values(m).some((v) => v !== undefined), {
      message: 'expected "*" or at least one of aircallNumber, zendeskPhoneNumberId, number, genericLine',
    }),
]);

/** One escalation step: after a duration without a claim, notify someone. */
const escalationStep = z
  .object({
    /** How long after the call was missed (business hours when the line has them). */
    after: duration,
    /** Who to mention: `@here`, `@channel`, `<!subteam^S0123>`, `<@U0123>`, or a Teams mention text. */
    notify: z.string().min(1),
    /** Where: `thread` (the card's thread, default), `managers` (the managers' channel) or `dm` (managers by DM). */
    to: z.enum(['thread', 'managers', 'dm']).default('thread'),
  })
  .strict();

const line = z
  .object({
    /** Shown on cards and summaries; unique across lines. */
    name: z.string().min(1),
    /** Which calls belong here; the first matching line wins. */
    match: lineMatch,
    /** Where this line's cards go in Slack. */
    slack: z.object({ channel: slackChannelId }).strict().optional(),
    /** Where this line's cards go in Microsoft Teams. */
    teams: z.object({ channel: teamsChannelId }).strict().optional(),
    /** Missed-call reasons to ignore, e.g. `short_abandoned`, `out_of_opening_hours`. */
    ignore: z.array(z.string().min(1)).default([]),
    /** Targets for this line's callbacks. */
    sla: z
      .object({
        /** A missed call should be claimed within this long. */
        claimWithin: duration.optional(),
        /** A missed call should be resolved within this long. */
        resolveWithin: duration.optional(),
      })
      .strict()
      .default({}),
    /** Escalation ladder for unclaimed calls, in increasing `after` order. */
    escalate: z.array(escalationStep).default([]),
    /** Weekly opening hours in the line's time zone; absent → SLA clocks run around the clock. */
    businessHours: businessHours.optional(),
    /** Days the line is closed all day. */
    holidays: z.array(isoDate).default([]),
    /** Overrides the top-level time zone for this line. */
    timezone: timeZone.optional(),
    /** Two-letter country used to read numbers written without a country code, e.g. `FR`. */
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, { message: 'expected a two-letter country code like FR or US' })
      .optional(),
    /** Zendesk group that tickets for this line are assigned to. */
    zendeskGroupId: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const afters = value.escalate.map((step) => step.after);
    for (let i = 1; i < afters.length; i++) {
      if ((afters[i] ?? 0) <= (afters[i - 1] ?? 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalate', i, 'after'],
          message: 'steps must come in increasing order',
        });
      }
    }
  });

const zendeskStatus = z.enum(['open', 'pending', 'hold', 'solved']);

export const routingSchema = z
  .object({
    /** The team's time zone: summaries, card times and business hours use it. */
    timezone: timeZone.default('UTC'),
    /** Lines, matched in order; a call that matches none is stored but posted nowhere. */
    lines: z.array(line).default([]),
    /** What Ringback writes to Zendesk. */
    zendesk: z
      .object({
        /** Create a ticket for a missed call when Zendesk Talk did not. */
        createTickets: z.boolean().default(true),
        /** What happens to the ticket when the callback is resolved. */
        onResolve: z
          .object({
            /** Ticket status after resolve. */
            status: zendeskStatus.default('solved'),
            /** Tags added on resolve (the outcome tag `ringback_outcome_<code>` is always added). */
            addTags: z.array(z.string().min(1)).default(['ringback_resolved']),
            /** Optional custom field id that receives the outcome code. */
            outcomeFieldId: z.number().int().positive().optional(),
          })
          .strict()
          .default({ status: 'solved', addTags: ['ringback_resolved'] }),
        /** Mirror each card's thread as a side conversation on the ticket. */
        sideConversation: z
          .object({
            /** Who the side conversation is addressed to. */
            to: z.object({ email: z.email() }).strict(),
            /** Close the side conversation when the callback is resolved. */
            closeOnResolve: z.boolean().default(true),
          })
          .strict()
          .optional(),
        /** Zendesk requests per minute Ringback allows itself (the smallest plan allows 200). */
        requestsPerMinute: z.number().int().positive().default(200),
      })
      .strict()
      .default({
        createTickets: true,
        onResolve: { status: 'solved', addTags: ['ringback_resolved'] },
        requestsPerMinute: 200,
      }),
    /** Who may see summaries and release other people's claims. */
    managers: z
      .object({
        /** Slack user ids. */
        slack: z
          .array(
            z.string().regex(/^[UW][A-Z0-9]{6,}$/, { message: 'expected a Slack user id like U0123456789' }),
          )
          .default([]),
        /** Teams AAD object ids or emails. */
        teams: z.array(z.string().min(1)).default([]),
        /** Emails, matched on any surface. */
        emails: z.array(z.email()).default([]),
        /** Zendesk roles whose members count as managers, e.g. `admin`. */
        zendeskRoles: z.array(z.string().min(1)).default([]),
        /** Slack channel that manager escalations and scheduled summaries go to. */
        slackChannel: slackChannelId.optional(),
      })
      .strict()
      .default({ slack: [], teams: [], emails: [], zendeskRoles: [] }),
    /** Let any workspace member act on cards even when they map to no Zendesk/Aircall agent. */
    allowUnmappedUsers: z.boolean().default(true),
    /** Outcomes offered on the card, in order (a subset of the five codes). */
    outcomes: z.array(z.enum(OUTCOMES)).default([...OUTCOMES]),
  })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.lines.forEach((l, i) => {
      if (seen.has(l.name))
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i, 'name'],
          message: `duplicate line name "${l.name}"`,
        });
      seen.add(l.name);
    });
  });

export type RoutingConfig = z.infer<typeof routingSchema>;
export type LineConfig = RoutingConfig['lines'][number];
export type EscalationStep = LineConfig['escalate'][number];

/** Used when no routing file exists: every call lands on one line that posts nowhere. */
export const DEFAULT_ROUTING_YAML = 'lines: [{ name: Default, match: "*" }]';
