/**
 * What Ringback writes back to Aircall, as jobs: the notes the reactions table words (a comment on the
 * missed calls when the episode is claimed or resolved, with the tags on resolve), and the click-to-dial
 * when an agent starts a call back. The translator only knows the episode, so the jobs find the episode's
 * Aircall calls and the agent's Aircall user when they run.
 *
 * A comment POST that timed out may still have been stored by Aircall, and Aircall takes no idempotency key:
 * so a retried comment (or tag) job reads the call first and writes only what is not on it yet. A first
 * attempt has nothing to doubt and spends no request on reading (the per-minute budget is the company's).
 */

import { z } from 'zod';
import type { AgentRecord } from '../../app/directory.js';
import type { IntentTranslator } from '../../app/intents.js';
import type { Clock } from '../../domain/clock.js';
import { defineJob, jobOf, type TypedJobHandler } from '../../jobs/registry.js';
import type { Logger } from '../../observability/logger.js';
import type { Job, NewJob } from '../../store/jobs.js';
import type { Store } from '../../store/store.js';
import type { AircallCallDetails, AircallClient } from './client.js';

export const AIRCALL_NOTE_JOB = 'aircall.note';
export const AIRCALL_COMMENT_JOB = 'aircall.comment';
export const AIRCALL_TAG_JOB = 'aircall.tag';
export const AIRCALL_DIAL_JOB = 'aircall.dial';

/** Comments go on the latest few Aircall calls of an episode, not on every one of a long episode. */
const MAX_CALLS_NOTED = 5;
/**
 * How much earlier than its job a comment may be dated and still be the job's own: Aircall dates comments in
 * whole seconds by its own clock. An identical comment older than that is an earlier note (the same agent
 * claiming twice), not a lost answer, and does not stop this one.
 */
const COMMENT_CLOCK_SLACK_MS = 60_000;
/** A dial that could not be sent for this long is stale: the agent has moved on. */
const DIAL_MAX_AGE_MS = 10 * 60_000;

const noteSchema = z.object({
  episodeId: z.string(),
  content: z.string().min(1),
  tags: z.array(z.union([z.string(), z.number()])).default([]),
});
const commentSchema = z.object({ callId: z.string(), content: z.string().min(1) });
const tagSchema = z.object({ callId: z.string(), tags: z.array(z.union([z.string(), z.number()])).min(1) });
const dialSchema = z.object({
  episodeId: z.string(),
  to: z.string().min(2),
  email: z.string().nullable(),
  name: z.string(),
  attempt: z.number().int(),
  at: z.number(),
});

export const aircallNoteJob = defineJob(AIRCALL_NOTE_JOB, noteSchema);
export const aircallCommentJob = defineJob(AIRCALL_COMMENT_JOB, commentSchema);
export const aircallTagJob = defineJob(AIRCALL_TAG_JOB, tagSchema);
export const aircallDialJob = defineJob(AIRCALL_DIAL_JOB, dialSchema);

/** Comments on the episode's Aircall calls and the call-back dial, when the reactions table says so. */
export const aircallTranslator: IntentTranslator = (intent, { episode }) => {
  switch (intent.kind) {
    case 'provider.note':
      return [
        jobOf(
          aircallNoteJob,
          { episodeId: episode.id, content: intent.text, tags: intent.tags },
          { dedupeKey: `${AIRCALL_NOTE_JOB}:${episode.id}:${intent.key}` },
        ),
      ];
    case 'provider.dial':
      return [
        jobOf(
          aircallDialJob,
          {
            episodeId: episode.id,
            to: intent.to,
            email: intent.agent.email,
            name: intent.agent.name,
            attempt: intent.attempt,
            at: intent.at,
          },
          { dedupeKey: `${AIRCALL_DIAL_JOB}:${episode.id}:${intent.attempt}` },
        ),
      ];
    default:
      return [];
  }
};

export interface WriteBackDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  client: AircallClient;
  findUser: (email: string) => Promise<AgentRecord | null>;
}

/** 'aircall.note': fans out into one comment (and tag) job per Aircall call, each done once. */
export function noteHandler(deps: WriteBackDeps): TypedJobHandler<typeof noteSchema> {
  return async ({ episodeId, content, tags }, job) => {
    const calls = (await deps.store.providerCalls.listForEpisode(episodeId))
      .filter((call) => call.provider === 'aircall')
      .slice(-MAX_CALLS_NOTED);
    const jobs: NewJob[] = calls.flatMap((call) => {
      const perCall: NewJob[] = [
        jobOf(
          aircallCommentJob,
          { callId: call.providerCallId, content },
          { dedupeKey: `${AIRCALL_COMMENT_JOB}:${job.id}:${call.providerCallId}` },
        ),
      ];
      if (tags.length > 0)
        perCall.push(
          jobOf(
            aircallTagJob,
            { callId: call.providerCallId, tags },
            { dedupeKey: `${AIRCALL_TAG_JOB}:${job.id}:${call.providerCallId}` },
          ),
        );
      return perCall;
    });
    await deps.store.enqueue(jobs, deps.clock.now());
  };
}

/**
 * Whether an earlier attempt of this job may have reached Aircall. `attempts` counts the one running now,
 * and an attempt that ended in RetryAfter (our budget, a 429, an open breaker: nothing stored) is given back.
 */
function mayHaveWrittenBefore(job: Job): boolean {
  return job.attempts > 1;
}

function hasOwnComment(call: AircallCallDetails, content: string, job: Job): boolean {
  return call.comments.some(
    (comment) =>
      comment.content === content &&
      (comment.postedAt === null || comment.postedAt * 1000 >= job.createdAt - COMMENT_CLOCK_SLACK_MS),
  );
}

/** Tags given by id match a tag's id, tags given by name its exact name; anything unmatched is posted again. */
function tagsMissingFrom(call: AircallCallDetails, tags: (string | number)[]): (string | number)[] {
  return tags.filter(
    (tag) =>
      !call.tags.some((onCall) =>
        typeof tag === 'number' ? onCall.id === String(tag) : onCall.name === tag,
      ),
  );
}

/** 'aircall.comment': one note on one call, written once even when an answer was lost. */
export function commentHandler(deps: WriteBackDeps): TypedJobHandler<typeof commentSchema> {
  return async ({ callId, content }, job) => {
    if (mayHaveWrittenBefore(job) && hasOwnComment(await deps.client.getCall(callId), content, job)) {
      deps.logger.info(
        { call: callId, job: job.id },
        'aircall: an earlier attempt already stored this comment; not written again',
      );
      return;
    }
    await deps.client.comment(callId, content);
  };
}

/** 'aircall.tag': the tags on one call; a retry adds only those the call does not have yet. */
export function tagHandler(deps: WriteBackDeps): TypedJobHandler<typeof tagSchema> {
  return async ({ callId, tags }, job) => {
    const missing = mayHaveWrittenBefore(job)
      ? tagsMissingFrom(await deps.client.getCall(callId), tags)
      : tags;
    if (missing.length === 0) {
      deps.logger.info(
        { call: callId, job: job.id },
        'aircall: an earlier attempt already tagged this call; not tagged again',
      );
      return;
    }
    await deps.client.tag(callId, missing);
  };
}

/** 'aircall.dial': the number appears in the agent's Aircall Phone; nothing when they have no Aircall user. */
export function dialHandler(deps: WriteBackDeps): TypedJobHandler<typeof dialSchema> {
  return async (dial) => {
    if (deps.clock.now() - dial.at > DIAL_MAX_AGE_MS) {
      deps.logger.info(
        { episode: dial.episodeId },
        'aircall: a call-back dial came too late to be useful; skipped',
      );
      return;
    }
    const user = dial.email ? await deps.findUser(dial.email) : null;
    if (!user) {
      deps.logger.debug({ episode: dial.episodeId }, 'aircall: the agent has no Aircall user; no dial');
      return;
    }
    await deps.client.dial(user.id, dial.to);
  };
}
