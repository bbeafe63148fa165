import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { sameNumber, toE164 } from '../domain/phone.js';
import {
  emptySchedule,
  parseDayKey,
  parseTimeRanges,
  type WeeklySchedule,
  weekdayKey,
} from '../domain/schedule.js';
import { pickTemplate } from '../domain/templates.js';
import { OUTCOMES, SUGGESTION_SOURCES } from '../domain/types.js';
import { parseDuration } from './duration.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A duration such as `90s`, `15m`, `2h`, `1h30m`, parsed to milliseconds, up to `maxDays`: `99999999999999d`
 * would read as more milliseconds than a number holds exactly or PostgreSQL's bigint takes.
 */
const durationUpTo = (maxDays: number, subject: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 15m or 2h, got "${text}"` });
      return z.NEVER;
    }
    if (ms > maxDays * DAY_MS) {
      ctx.addIssue({ code: 'custom', message: `${subject} at most ${maxDays}d, got "${text}"` });
      return z.NEVER;
    }
    return ms;
  });

/** Waits, targets and windows (`sla`, `escalate`, `retry.every`, `repeatCalls.within`): a year and a day at most. */
const duration = durationUpTo(366, 'durations are');

/**
 * How long call records keep personal data, and how far back `lastAgentWithin` looks among them (as far as the
 * retention keeps numbers, 400 days by default): ten years at most.
 */
const RETENTION_MAX_DAYS = 3660;

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

/**
 * `mon-fri: "09:00-18:00"`, `sat: "10:00-13:00"`; days not named are closed. A day named by two keys takes the
 * hours of the key that names fewer days, so `mon-sun: "09:00-18:00"` with `sun: closed` closes Sundays; two keys
 * of the same size naming one day are an error (which one was meant cannot be told).
 */
const businessHours = z.record(z.string(), z.string()).transform((entries, ctx): WeeklySchedule => {
  const schedule = emptySchedule();
  const setBy = new Map<keyof WeeklySchedule, { key: string; size: number }>();
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
    const clashes = new Map<string, string[]>();
    for (const day of days) {
      const earlier = setBy.get(day);
      if (earlier && earlier.size === days.length) {
        clashes.set(earlier.key, [...(clashes.get(earlier.key) ?? []), weekdayKey(day)]);
        continue;
      }
      if (earlier && earlier.size < days.length) continue;
      setBy.set(day, { key, size: days.length });
      schedule[day] = [...intervals];
    }
    for (const [earlierKey, clashing] of clashes) {
      ctx.addIssue({
        code: 'custom',
        message: `${clashing.join(', ')} named by "${earlierKey}" and "${key}": name each day once, or use a key for fewer days to override`,
        path: [key],
      });
    }
  }
  return schedule;
});

/** Unquoted, `+33176360695` is a number to YAML, its `+` gone. */
const quotedNumber = z
  .string({
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'expected a string; quote the number, like "+33 1 76 36 06 95"'
        : undefined,
  })
  .min(1);

/** Which calls belong to a line: `"*"` for every call, or one of the keys below. */
const lineMatch = z.union(
  [
    z.literal('*'),
    z
      .object({
        /** The Aircall number the caller dialled, as Aircall shows it (`"+33 1 76 36 06 95"`). */
        aircallNumber: quotedNumber.optional(),
        /** The Zendesk Talk phone number id (`phone_number_id` in the Talk exports). */
        zendeskPhoneNumberId: z
          .union([z.number().int(), z.string().regex(/^\d+$/)], {
            error: 'expected a Zendesk phone number id like 360000123456',
          })
          .optional(),
        /** The number dialled, from any provider (generic webhook `line` that looks like a number too). */
        number: quotedNumber.optional(),
        /** The `line` field of the generic webhook, compared as text. */
        genericLine: z
          .string({
            error: (issue) =>
              issue.code === 'invalid_type' ? 'expected a string; put it in quotes' : undefined,
          })
          .min(1)
          .optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v !== undefined), {
        message: 'expected "*" or at least one of aircallNumber, zendeskPhoneNumberId, number, genericLine',
      }),
  ],
  { error: 'expected "*" or an object with aircallNumber, zendeskPhoneNumberId, number or genericLine' },
);

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

/** Steps in increasing `after` order (each later step waits longer). */
function stepsInOrder(steps: { after: number }[], path: (string | number)[], ctx: z.RefinementCtx): void {
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i]?.after ?? 0) <= (steps[i - 1]?.after ?? 0)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, 'after'],
        message: 'steps must come in increasing order',
      });
    }
  }
}

/** Placeholders a follow-up template may use, written `{{name}}`. */
export const FOLLOW_UP_PLACEHOLDERS = ['callerName', 'line', 'agentFirstName', 'attempts'] as const;

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** A locale as Zendesk writes it (BCP 47): `en`, `fr`, `pt-BR`, `en-US`. */
const localeTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, {
  message: 'expected a locale like en, fr or pt-BR',
});

/** A follow-up text; every `{{…}}` must name a known placeholder (a typo would reach the caller). */
const followUpTemplate = z
  .string()
  .min(1)
  .max(5000)
  .superRefine((text, ctx) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!(FOLLOW_UP_PLACEHOLDERS as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {{${name}}}: use ${FOLLOW_UP_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        });
      }
    }
    // A half-written placeholder (`{{callerName}`) is no placeholder: it would reach the caller as written.
    const rest = text.replace(PLACEHOLDER, '');
    const broken = /\{\{[^}]*\}?|\{?[^{]*\}\}/.exec(rest);
    if (rest.includes('{{') || rest.includes('}}')) {
      ctx.addIssue({
        code: 'custom',
        message: `a placeholder is not closed or opened: "${(broken?.[0] ?? '').slice(0, 40)}"; write {{name}}`,
      });
    }
  });

/** Call-back retries: a `no_answer` before the last attempt brings the call back later instead of resolving. */
const retryPolicy = z
  .object({
    /** Attempts in all, the first included (1 = no retry). */
    attempts: z.number().int().min(1).max(10),
    /** Business time between a failed attempt and the next one (e.g. `30m`, `2h`). */
    every: duration,
  })
  .strict();

/** A public reply on the ticket after the last failed attempt, which Zendesk e-mails to the caller. */
const followUpPolicy = z
  .object({
    /** The outcomes of the last attempt that send it. */
    after: z.array(z.enum(OUTCOMES)).min(1).default(['no_answer']),
    /** Text per locale (`en`, `fr`, `pt-BR`…); the requester's locale is used, else the line's, else `en`. */
    templates: z.record(localeTag, followUpTemplate).refine((t) => Object.keys(t).length > 0, {
      message: 'expected at least one template, e.g. { en: "We tried to call you back…" }',
    }),
  })
  .strict();

/** Who a call is suggested to (issue 15): the first source in `suggest` that names someone wins. */
const assignPolicy = z
  .object({
    /**
     * Sources in order: `lastAgent` (who last answered a call with this number), `ticketAssignee` (the
     * assignee of the caller's open Zendesk ticket), `voicemailOwner` (whom the phone system gave the
     * voicemail to), `roundRobin` (the next available agent of `agents`, in turn).
     */
    suggest: z
      .array(z.enum(SUGGESTION_SOURCES))
      .min(1)
      .refine((sources) => new Set(sources).size === sources.length, {
        message: 'each source may appear once',
      }),
    /** Claim the call for the suggested agent (they are told privately and can release it). */
    autoClaim: z.boolean().default(false),
    /**
     * The line's agents by e-mail, in round-robin order; absent → every Aircall user, by name. When set,
     * `lastAgent` and `ticketAssignee` pass over anyone not listed (any case): they left the team.
     */
    agents: z.array(z.email()).default([]),
    /** How far back `lastAgent` looks for an answered call with the caller (default 90 days, at most 3660d). */
    lastAgentWithin: durationUpTo(RETENTION_MAX_DAYS, 'lastAgentWithin is').default(90 * DAY_MS),
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
    /**
     * Calls missed while the line is closed (outside `businessHours` or on a holiday): `post` shows the
     * card at once with the SLA counting from the next opening (default); `hold` keeps the cards back and
     * posts a digest, then the cards, when the line opens.
     */
    outOfHours: z
      .object({ mode: z.enum(['post', 'hold']).default('post') })
      .strict()
      .optional(),
    /**
     * A claimed call still unresolved at `sla.resolveWithin` reminds its claimer by direct message, then
     * escalates with these steps (`after` counted from the reminder); absent → the `escalate` ladder.
     */
    reminders: z
      .object({
        /** Steps after the reminder; `[]` reminds the claimer only. */
        escalate: z.array(escalationStep).optional(),
      })
      .strict()
      .optional(),
    /** The line's language (`fr`, `en-GB`): the follow-up's fallback when the requester has no locale. */
    locale: localeTag.optional(),
    /** Call-back retries after a `no_answer` (absent: every outcome resolves at once). */
    retry: retryPolicy.optional(),
    /** A public follow-up on the Zendesk ticket after the last failed attempt. */
    followUp: followUpPolicy.optional(),
    /** Suggest (and optionally claim for) the agent who should take each call. */
    assign: assignPolicy.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.followUp) {
      // The last fallbacks must exist, or some callers would silently get nothing.
      if (pickTemplate(value.followUp.templates, null, value.locale) === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['followUp', 'templates'],
          message: `expected an "en" template${value.locale ? ` or a "${value.locale}" one (the line's locale)` : ''}: it is the fallback for requesters whose language has none`,
        });
      }
    }
    stepsInOrder(value.escalate, ['escalate'], ctx);
    if (value.reminders?.escalate) stepsInOrder(value.reminders.escalate, ['reminders', 'escalate'], ctx);
    // The reminder is due at sla.resolveWithin; without it the steps were accepted and never fired.
    if (value.reminders && value.sla.resolveWithin === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminders'],
        message:
          'reminders needs sla.resolveWithin: the reminder is due when a claimed call is still unresolved then',
      });
    }
  });

type LineMatchConfig = z.infer<typeof lineMatch>;
type MatchKey = 'aircallNumber' | 'zendeskPhoneNumberId' | 'number' | 'genericLine';

/**
 * Two numbers every dialled number compares alike with, as app/routing.ts matchesLine compares them
 * (`sameNumber`: by E.164 when both read as a number, else by their digits): same E.164 reading in the same
 * country, and the same digits. `+33 1 76 36 06 95` and `+33176360695` are one; `01 76 36 06 95` on a French
 * line is not (a dialled `33176360695` read without a country would reach one and not the other).
 */
function alwaysSameNumber(a: string, b: string, country: string | null): boolean {
  const digits = (text: string) => text.replace(/\D/g, '');
  return digits(a) !== '' && digits(a) === digits(b) && toE164(a, country) === toE164(b, country);
}

/**
 * The key of `earlier` (a line before this one) that takes every call this line's `key` matches, or null.
 * Mirrors matchesLine: any key of a line matching is enough, and `number` is tried against the dialled
 * number, the Aircall number and the generic line alike.
 */
function takenBy(
  key: MatchKey,
  value: string,
  country: string | null,
  earlier: { match: LineMatchConfig; country?: string | undefined },
): { key: MatchKey; value: string } | null {
  if (earlier.match === '*') return null;
  const theirs = earlier.match;
  const theirCountry = earlier.country ?? null;
  const sameNumberThere = (their: string | undefined) =>
    their !== undefined && theirCountry === country && alwaysSameNumber(value, their, country);
  switch (key) {
    case 'zendeskPhoneNumberId':
      return theirs.zendeskPhoneNumberId !== undefined && String(theirs.zendeskPhoneNumberId) === value
        ? { key, value: String(theirs.zendeskPhoneNumberId) }
        : null;
    case 'aircallNumber':
      if (sameNumberThere(theirs.aircallNumber)) return { key, value: theirs.aircallNumber as string };
      return sameNumberThere(theirs.number) ? { key: 'number', value: theirs.number as string } : null;
    case 'number':
      return sameNumberThere(theirs.number) ? { key: 'number', value: theirs.number as string } : null;
    case 'genericLine':
      // The generic line is compared as trimmed text; an earlier `number` takes it when it reads as that number.
      if (theirs.genericLine !== undefined && theirs.genericLine.trim() === value.trim())
        return { key, value: theirs.genericLine };
      return theirs.number !== undefined && sameNumber(theirs.number, value.trim(), theirCountry)
        ? { key: 'number', value: theirs.number }
        : null;
  }
}

/**
 * Lines no call can reach (the first matching line wins): after a `match: "*"` line, or whose every match key
 * an earlier line already takes. Only certain cases: a number written in another form, or on a line of
 * another country, may still reach the later line and is left alone. One message per such line, naming it
 * and the earlier line(s) that shadow it.
 */
export function unreachableLines(
  lines: readonly { name: string; match: LineMatchConfig; country?: string | undefined }[],
): { index: number; message: string }[] {
  const found: { index: number; message: string }[] = [];
  lines.forEach((line, index) => {
    const earlier = lines.slice(0, index);
    const catchAll = earlier.find((l) => l.match === '*');
    if (catchAll) {
      found.push({
        index,
        message: `line "${line.name}" can never receive a call: "${catchAll.name}" (match "*") comes first and takes every call`,
      });
      return;
    }
    if (line.match === '*') return;
    const country = line.country ?? null;
    const keys = (['aircallNumber', 'zendeskPhoneNumberId', 'number', 'genericLine'] as const).flatMap(
      (key) => {
        const raw = (line.match as Exclude<LineMatchConfig, '*'>)[key];
        return raw === undefined ? [] : [{ key, value: String(raw) }];
      },
    );
    if (keys.length === 0) return;
    // Each key's first earlier taker, by line: "Support" takes the calls to its aircallNumber and its number.
    const takers = new Map<string, string[]>();
    for (const { key, value } of keys) {
      let taken = false;
      for (const other of earlier) {
        const hit = takenBy(key, value, country, other);
        if (!hit) continue;
        const written =
          hit.key === key && hit.value === value ? '' : ` ("${other.name}" has ${hit.key} "${hit.value}")`;
        takers.set(other.name, [...(takers.get(other.name) ?? []), `${key} "${value}"${written}`]);
        taken = true;
        break;
      }
      if (!taken) return;
    }
    const clauses = [...takers].map(
      ([name, what]) => `"${name}" comes first and takes every call to its ${what.join(' and ')}`,
    );
    found.push({ index, message: `line "${line.name}" can never receive a call: ${clauses.join('; ')}` });
  });
  return found;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?:\s+(\S+))?$/;

/** A scheduled summary: the `/ringback summary` figures posted to channels at a local time. */
const summarySchedule = z
  .object({
    /** Names the schedule in logs; also what keeps it once per day when the rest of it is edited. */
    name: z.string().min(1).optional(),
    /** `daily` or `weekly`. */
    every: z.enum(['daily', 'weekly']),
    /** Local time `HH:MM`, optionally followed by a time zone: `08:30` or `08:30 Europe/Paris`. */
    at: z.string(),
    /** Weekly only: the day it is posted (default `mon`). */
    day: z.enum(WEEKDAYS).optional(),
    /**
     * Time zone of `at` and of the summary's days; default the one in `at`, else the line's (with `line`),
     * else the top-level one. So a line's summary covers the same days as `/ringback summary … <line>`.
     */
    timezone: timeZone.optional(),
    /**
     * What it covers: daily `yesterday` (default) or `today`; weekly `last_week` (default, Monday to
     * Sunday) or `this_week` (Monday to the posting day).
     */
    period: z.enum(['yesterday', 'today', 'last_week', 'this_week']).optional(),
    /** Only this line (default: every line). */
    line: z.string().min(1).optional(),
    /** Where to post it in Slack. */
    slack: z.object({ channel: slackChannelId }).strict().optional(),
    /** Where to post it in Microsoft Teams. */
    teams: z.object({ channel: teamsChannelId }).strict().optional(),
  })
  .strict()
  .transform((value, ctx) => {
    const time = LOCAL_TIME.exec(value.at.trim());
    if (!time) {
      ctx.addIssue({
        code: 'custom',
        path: ['at'],
        message: `expected a local time like "08:30" or "08:30 Europe/Paris", got "${value.at}"`,
      });
      return z.NEVER;
    }
    const zoneInAt = time[3];
    if (zoneInAt !== undefined && !IANAZone.isValidZone(zoneInAt)) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: `"${zoneInAt}" is not an IANA time zone` });
      return z.NEVER;
    }
    if (zoneInAt !== undefined && value.timezone !== undefined && zoneInAt !== value.timezone) {
      ctx.addIssue({
        code: 'custom',
        path: ['at'],
        message: `"${value.at}" names ${zoneInAt} but timezone is ${value.timezone}: give the zone once`,
      });
      return z.NEVER;
    }
    if (!value.slack && !value.teams) {
      ctx.addIssue({ code: 'custom', message: 'expected slack: { channel } and/or teams: { channel }' });
      return z.NEVER;
    }
    const daily = value.every === 'daily';
    const period = value.period ?? (daily ? 'yesterday' : 'last_week');
    if (daily !== (period === 'yesterday' || period === 'today')) {
      ctx.addIssue({
        code: 'custom',
        path: ['period'],
        message: daily
          ? 'a daily summary covers yesterday or today'
          : 'a weekly summary covers last_week or this_week',
      });
      return z.NEVER;
    }
    if (daily && value.day !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['day'], message: 'day is for weekly summaries only' });
      return z.NEVER;
    }
    return {
      name: value.name,
      every: value.every,
      /** Minutes after local midnight. */
      minuteOfDay: Number(time[1]) * 60 + Number(time[2]),
      /** ISO weekday (1 = Monday) for weekly summaries. */
      weekday: WEEKDAYS.indexOf(value.day ?? 'mon') + 1,
      /** Absent → the line's time zone (with `line`), else the top-level one. */
      timezone: value.timezone ?? zoneInAt,
      period,
      line: value.line,
      slack: value.slack,
      teams: value.teams,
    };
  });

const zendeskStatus = z.enum(['open', 'pending', 'hold', 'solved']);

/** Zendesk ticket priorities, lowest first (`openTicketPriority: high` also matches `urgent`). */
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/** One value or a list of them (`zendeskTag: vip` or `zendeskTag: [vip, gold]`): any of them matches. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

/** What a priority rule looks at; every condition given must hold (a rule needs at least one). */
const priorityConditions = z
  .object({
    /** The caller asked to be called back (true) or did not (false). */
    callbackRequested: z.boolean().optional(),
    /** The Zendesk requester (or their organization) carries one of these tags. */
    zendeskTag: oneOrMany(z.string().min(1)).optional(),
    /** The requester's Zendesk organization is one of these (its name, compared without case). */
    organization: oneOrMany(z.string().min(1)).optional(),
    /** The requester has an unsolved ticket of at least this priority. */
    openTicketPriority: z.enum(TICKET_PRIORITIES).optional(),
    /** The number called at least `atLeast` times (this call included) within `within` (default 7d). */
    repeatCalls: z
      .object({
        atLeast: z.number().int().min(2),
        within: duration.default(7 * 24 * 60 * 60 * 1000),
      })
      .strict()
      .optional(),
    /** The call came in on one of these lines (by name). */
    line: oneOrMany(z.string().min(1)).optional(),
  })
  .strict()
  .refine((when) => Object.values(when).some((v) => v !== undefined), {
    message:
      'expected at least one of callbackRequested, zendeskTag, organization, openTicketPriority, repeatCalls, line',
  });

/** A priority rule: the first one whose `when` holds sets the call's level and its overrides. */
const priorityRule = z
  .object({
    /** Names the rule on cards and in logs; also keeps calls pointing at it when rules are reordered. */
    name: z.string().min(1).optional(),
    /** The conditions, all of which must hold. */
    when: priorityConditions,
    /** `high` puts the call first everywhere; `normal` stops later rules from matching (an exception). */
    level: z.enum(['high', 'normal']),
    /** The card also goes to this Slack channel (it stays in the line's own channel too). */
    slack: z.object({ channel: slackChannelId }).strict().optional(),
    /** The card also goes to this Teams channel (it stays in the line's own channel too). */
    teams: z.object({ channel: teamsChannelId }).strict().optional(),
    /** This escalation ladder replaces the line's `escalate` for calls the rule matched. */
    escalate: z.array(escalationStep).optional(),
    /** Who is mentioned in the card's thread when the rule matches: `@here`, `<!subteam^S0123>`, `<@U0123>`. */
    mention: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.escalate) stepsInOrder(rule.escalate, ['escalate'], ctx);
  });

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
        /** Requester and organization tags worth showing on the card's pre-brief (others stay hidden). */
        showTags: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({
        createTickets: true,
        onResolve: { status: 'solved', addTags: ['ringback_resolved'] },
        requestsPerMinute: 200,
        showTags: [],
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
        /** Teams channel that manager escalations go to (without one, Teams managers get a personal message). */
        teamsChannel: teamsChannelId.optional(),
      })
      .strict()
      .default({ slack: [], teams: [], emails: [], zendeskRoles: [] }),
    /** What Ringback writes back to Aircall (needs AIRCALL_API_ID and AIRCALL_API_TOKEN). */
    aircall: z
      .object({
        /**
         * Tags put on the Aircall calls of an episode when it is resolved (manually or automatically).
         * The tags must already exist in Aircall; give their ids (numbers) or names as your account expects.
         */
        tagsOnResolve: z.array(z.union([z.string().min(1), z.number().int().positive()])).default([]),
        /** Aircall API requests per minute Ringback allows itself (the company-wide limit is 60–120). */
        requestsPerMinute: z.number().int().positive().default(60),
        /**
         * Aircall tag names (compared without case) that say the caller asked to be called back, and that the
         * callback was done. Aircall's own names are not documented and may be localized: set yours here.
         */
        callbackTags: z
          .object({
            /** A call carrying one of these asked for a callback. */
            requested: z.array(z.string().min(1)).default(['Callback request']),
            /** A call carrying one of these was called back: its card resolves as reached. */
            done: z.array(z.string().min(1)).default(['Callback done']),
          })
          .strict()
          .default({ requested: ['Callback request'], done: ['Callback done'] }),
      })
      .strict()
      .default({
        tagsOnResolve: [],
        requestsPerMinute: 60,
        callbackTags: { requested: ['Callback request'], done: ['Callback done'] },
      }),
    /**
     * Let any workspace member act on cards even when Zendesk/Aircall know no agent with their email.
     * Off by default once a help desk or phone system is connected: cards are for agents.
     */
    allowUnmappedUsers: z.boolean().default(false),
    /**
     * How long call records keep personal data (caller numbers, names, voicemail links, transcripts).
     * Past it they are erased; counts stay for summaries. Default 400 days, at most 3660d (ten years).
     */
    retention: durationUpTo(RETENTION_MAX_DAYS, 'retention is').default(400 * DAY_MS),
    /** Microsoft Teams tenants whose activities are accepted (besides MicrosoftAppTenantId). */
    teams: z
      .object({
        /** Azure AD tenant ids (GUIDs). An activity from any other tenant is refused and logged. */
        tenants: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ tenants: [] }),
    /** Outcomes offered on the card, in order (a subset of the five codes). */
    outcomes: z.array(z.enum(OUTCOMES)).default([...OUTCOMES]),
    /** Summaries posted on a schedule (daily or weekly at a local time). */
    schedules: z.array(summarySchedule).default([]),
    /** Priority rules, first match wins: `high` calls sort first and may get their own channel and ladder. */
    priority: z.array(priorityRule).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    // The API, summaries and exports find a line by its name in any case: two names that differ only in
    // case would leave the second unreachable.
    const seenFolded = new Set<string>();
    value.lines.forEach((l, i) => {
      if (seenFolded.has(l.name.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i, 'name'],
          message: `duplicate line name "${l.name}" (line names are compared in any case)`,
        });
      seen.add(l.name);
      seenFolded.add(l.name.toLowerCase());
    });
    for (const { index, message } of unreachableLines(value.lines))
      ctx.addIssue({ code: 'custom', path: ['lines', index, 'match'], message });
    // Schedules name lines by their exact name, as summaries do.
    const scheduleKeys = new Set<string>();
    value.schedules.forEach((schedule, i) => {
      if (schedule.line !== undefined && !seen.has(schedule.line))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'line'],
          message: `no line named "${schedule.line}"`,
        });
      // Two schedules with one key would post once a day between them (the key dedupes the occurrence).
      const key = scheduleKey(schedule);
      if (scheduleKeys.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i],
          message: `two schedules differ only in their time (${key}): give each a name`,
        });
      scheduleKeys.add(key);
    });
    const ruleNames = new Set<string>();
    value.priority.forEach((rule, i) => {
      for (const name of rule.when.line ?? []) {
        if (!seen.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['priority', i, 'when', 'line'],
            message: `no line named "${name}"`,
          });
      }
      if (rule.name === undefined) return;
      if (ruleNames.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          path: ['priority', i, 'name'],
          message: `duplicate rule name "${rule.name}"`,
        });
      ruleNames.add(rule.name);
    });
  });

export type RoutingConfig = z.infer<typeof routingSchema>;
export type LineConfig = RoutingConfig['lines'][number];
export type SummaryScheduleConfig = RoutingConfig['schedules'][number];

/**
 * What identifies a schedule across restarts (its occurrences' dedupe keys): its name, else everything but
 * its time of day, so moving a summary from 08:30 to 09:00 does not post that day's twice.
 */
export function scheduleKey(
  schedule: Pick<SummaryScheduleConfig, 'name' | 'slack' | 'teams' | 'every' | 'weekday' | 'period' | 'line'>,
): string {
  if (schedule.name) return schedule.name;
  const where = [schedule.slack?.channel, schedule.teams?.channel].filter(Boolean).join('+');
  const day = schedule.every === 'weekly' ? `-${schedule.weekday}` : '';
  return `${schedule.every}${day}:${schedule.period}:${schedule.line ?? '*'}:${where}`;
}
export type PriorityRuleConfig = RoutingConfig['priority'][number];
export type AssignPolicy = NonNullable<LineConfig['assign']>;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/**
 * Escalation steps `to: managers` while no manager can be reached (no managers' channel, nobody named): each
 * such escalation would be dropped without a word. Said at startup (and by the doctor), as `path: message`.
 */
export function unreachableManagerSteps(routing: RoutingConfig): string[] {
  const { managers } = routing;
  const reachable =
    managers.slackChannel !== undefined ||
    managers.teamsChannel !== undefined ||
    managers.slack.length + managers.teams.length + managers.emails.length > 0;
  if (reachable) return [];
  const ladders = [
    ...routing.lines.flatMap((line) => [
      { steps: line.escalate, where: `lines "${line.name}" escalate` },
      { steps: line.reminders?.escalate, where: `lines "${line.name}" reminders.escalate` },
    ]),
    ...routing.priority.map((rule, i) => ({
      steps: rule.escalate,
      where: `priority ${rule.name ?? i + 1} escalate`,
    })),
  ];
  return ladders.flatMap(({ steps, where }) =>
    (steps ?? []).flatMap((step, j) =>
      step.to === 'managers'
        ? [
            `${where} step ${j + 1} goes to the managers, but none are set (managers.slackChannel, managers.teamsChannel, or managers.slack / teams / emails): it will tell nobody`,
          ]
        : [],
    ),
  );
}

/** Used when no routing file exists: every call lands on one line that posts nowhere. */
export const DEFAULT_ROUTING_YAML = 'lines: [{ name: Default, match: "*" }]';
