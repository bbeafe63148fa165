/**
 * The callback workflow on the Zendesk ticket: each call-back attempt as an internal note, and, after the
 * last failed attempt of a line with `followUp`, one PUBLIC comment from the template in the requester's
 * language, which Zendesk e-mails to the caller (who can simply reply). A requester without an e-mail gets
 * nothing, and the card says so.
 *
 * Exactly once: each job has a dedupe key, and what it writes carries its own proof in the same safe
 * update (a marker in the internal note, a tag with the public comment), so a job retried after a crash
 * between Zendesk's answer and the job's end finds its write and does not repeat it.
 */
import { z } from 'zod';
import { runCommand } from '../app/commands.js';
import type { IntentTranslator } from '../app/intents.js';
import { lineNamed, timezoneOf } from '../app/routing.js';
import type { FOLLOW_UP_PLACEHOLDERS, LineConfig } from '../config/routing.js';
import { isPlaceholderName } from '../domain/callerName.js';
import { pickTemplate } from '../domain/templates.js';
import { type Episode, type FollowUpResult, isOutcome, OUTCOME_LABELS } from '../domain/types.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import type { JobRunner } from '../jobs/runner.js';
import { PermanentFailure } from '../jobs/runner.js';
import type { ZendeskDeps } from './deps.js';
import { forJobRunner } from './errors.js';
import { commentText, formatTime } from './text.js';
import type { ZendeskTickets } from './tickets.js';

export { pickTemplate };

/** Put on the ticket with the public follow-up: present means the caller was already written to. */
export const FOLLOW_UP_TAG = 'ringback_follow_up';

export const attemptNoteJob = defineJob(
  'zendesk.ticket.attempt_note',
  z.object({
    episodeId: z.string().min(1),
    attempt: z.number().int().min(1),
    of: z.number().int().min(1).nullable(),
    result: z.string().refine(isOutcome, { message: 'expected an outcome code' }),
    at: z.number(),
    by: z.string(),
  }),
);

export const followUpJob = defineJob('zendesk.ticket.follow_up', z.object({ episodeId: z.string().min(1) }));

export const followUpTranslator: IntentTranslator = (intent, { episode }) => {
  switch (intent.kind) {
    case 'ticket.attemptNote':
      return [
        jobOf(
          attemptNoteJob,
          {
            episodeId: episode.id,
            attempt: intent.attempt,
            of: intent.of,
            result: intent.result,
            at: intent.at,
            by: intent.by,
          },
          { dedupeKey: `${attemptNoteJob.name}:${episode.id}:${intent.at}` },
        ),
      ];
    case 'ticket.followUp':
      return [
        jobOf(followUpJob, { episodeId: episode.id }, { dedupeKey: `${followUpJob.name}:${episode.id}` }),
      ];
    default:
      return [];
  }
};

/** In the note, so a retried job sees its note is already there. */
export function attemptMarker(episodeId: string, at: number): string {
  return `(ringback attempt ${episodeId}:${at})`;
}

export function attemptNoteText(
  note: { attempt: number; of: number | null; result: string; at: number; by: string },
  timezone: string,
  marker: string,
): string {
  const label = isOutcome(note.result) ? OUTCOME_LABELS[note.result] : note.result;
  const of = note.of !== null ? ` of ${note.of}` : '';
  return `Call-back attempt ${note.attempt}${of} by ${commentText(note.by)} at ${formatTime(note.at, timezone)}: ${label}. ${marker}`;
}

export type FollowUpValues = Record<(typeof FOLLOW_UP_PLACEHOLDERS)[number], string>;

/**
 * The template with its placeholders filled. The template is the admin's own Markdown; the values are made
 * literal (followUpValues), and braces in them are not read again (one pass), so a caller named "{{line}}"
 * stays as written.
 */
export function fillTemplate(template: string, values: FollowUpValues): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, name: string) =>
    name in values ? values[name as keyof FollowUpValues] : whole,
  );
}

/**
 * The placeholder values of an episode (the requester's name when the card knows no caller name). A name made
 * up for an unknown number (Ringback's or Talk's `Caller +33 6 …`) is no name: it would put the caller's
 * number in a public e-mail, and greet them by it even after an agent named the requester.
 */
export function followUpValues(episode: Episode, requesterName: string | null): FollowUpValues {
  const agent = episode.claimedBy ?? episode.resolvedBy;
  const ownName = (name: string | null) => (isPlaceholderName(name?.trim()) ? null : name);
  return {
    callerName: commentText(ownName(episode.caller.name) ?? ownName(requesterName) ?? ''),
    line: commentText(episode.line),
    agentFirstName: commentText(agent?.name.trim().split(/\s+/)[0] ?? ''),
    attempts: String(episode.attemptLog.length),
  };
}

export class ZendeskFollowUps {
  constructor(
    private readonly deps: ZendeskDeps,
    private readonly tickets: ZendeskTickets,
  ) {}

  private async episode(episodeId: string): Promise<Episode> {
    const episode = await this.deps.store.episodes.get(episodeId);
    if (!episode) throw new PermanentFailure(`episode ${episodeId} does not exist`);
    return episode;
  }

  async noteAttempt(note: z.infer<typeof attemptNoteJob.schema>): Promise<void> {
    const ticket = await this.tickets.ensure(note.episodeId);
    if (!ticket) return;
    const marker = attemptMarker(note.episodeId, note.at);
    const comments = await this.deps.client.listComments(ticket.id);
    if (comments.some((comment) => comment.body?.includes(marker))) return;
    const episode = await this.episode(note.episodeId);
    const body = attemptNoteText(note, timezoneOf(this.deps.routing, episode.line), marker);
    await this.tickets.note(episode, ticket, () => ({ comment: { body, public: false } }));
  }

  async followUp(episodeId: string): Promise<void> {
    const { deps } = this;
    const episode = await this.episode(episodeId);
    if (episode.followUp !== null) return;
    const line: LineConfig | null = lineNamed(deps.routing, episode.line);
    const policy = line?.followUp;
    if (!policy) return;
    const ticket = await this.tickets.ensure(episodeId);
    if (!ticket) {
      deps.logger.info({ episode: episodeId }, 'zendesk: no ticket for the follow-up; nothing sent');
      return;
    }
    const requester = ticket.requester_id !== null ? await deps.client.showUser(ticket.requester_id) : null;
    if (!requester?.email) {
      deps.logger.info(
        { episode: episodeId, ticket: ticket.id },
        `zendesk: the requester of ticket #${ticket.id} has no e-mail; no follow-up sent`,
      );
      await this.note(episodeId, 'no_email');
      return;
    }
    const template = pickTemplate(policy.templates, requester.locale, line?.locale);
    if (!template) return;
    // The user just read, whom an agent may have named since the ticket was linked; never a name Ringback
    // made up for an unknown caller (it holds their phone number).
    const body = fillTemplate(
      template.text,
      followUpValues(episode, isPlaceholderName(requester.name) ? null : requester.name),
    );
    const result = await this.tickets.record(episodeId, ticket, (current) =>
      current.tags.includes(FOLLOW_UP_TAG)
        ? null
        : {
            // Always explicit: Zendesk would otherwise reuse the ticket's first comment's visibility.
            comment: { body, public: true },
            tags: [...new Set([...current.tags, FOLLOW_UP_TAG])],
          },
    );
    if (result === 'closed') {
      // Nothing reached the caller (a closed ticket, and Ringback may not open a follow-up): the card says
      // so rather than "sent" (closedForWrites logged why).
      await this.note(episodeId, 'ticket_closed');
      return;
    }
    deps.logger.info(
      { episode: episodeId, ticket: ticket.id, locale: template.locale, result },
      `zendesk: follow-up to the caller on ticket #${ticket.id} (${template.locale})${result === 'written' ? '' : ': already there'}`,
    );
    await this.note(episodeId, 'sent');
  }

  private async note(episodeId: string, result: FollowUpResult): Promise<void> {
    const { store, clock, planEffects } = this.deps;
    await runCommand({ store, clock, planEffects }, episodeId, {
      type: 'note_follow_up',
      at: clock.now(),
      result,
    });
  }
}

function zendeskErrors<S extends z.ZodType>(work: TypedJobHandler<S>): TypedJobHandler<S> {
  return async (payload, job) => {
    try {
      await work(payload, job);
    } catch (error) {
      throw forJobRunner(error);
    }
  };
}

export function registerFollowUpJobs(runner: JobRunner, followUps: ZendeskFollowUps): void {
  runner.handle(
    attemptNoteJob,
    zendeskErrors((note) => followUps.noteAttempt(note)),
  );
  runner.handle(
    followUpJob,
    zendeskErrors(({ episodeId }) => followUps.followUp(episodeId)),
  );
}
