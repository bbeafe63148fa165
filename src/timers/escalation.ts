/**
 * The escalation ladder and the claimer's reminder as durable timers. The reactions table arms them when
 * an episode opens, is released or is claimed; job handlers fire them when due. A step re-reads the
 * episode in its own transaction and does nothing when the call was claimed, released since or
 * resolved; when it fires it raises the episode's escalation level through the 'escalate' command
 * (so every card re-renders), says so through the notice hub and arms the next step, all in that one
 * transaction. The level's compare-and-set makes each step fire once across replicas and retries.
 */
import { z } from 'zod';
import { applyCommandIn, type CommandDeps, latestReleaseAt } from '../app/commands.js';
import type { IntentTranslator } from '../app/intents.js';
import type { Notice, NoticeHub } from '../app/notices.js';
import { lineNamed, timezoneOf, zoneNoteOf } from '../app/routing.js';
import { lineCalendar } from '../app/sla.js';
import type { LineConfig, RoutingConfig } from '../config/routing.js';
import { dueOutsideSnoozes, snoozeSpans } from '../domain/callbacks.js';
import { hasBusinessHours } from '../domain/dueTime.js';
import {
  type ChainStep,
  dmRecipients,
  escalationText,
  type LadderStep,
  nextStepDueAt,
  reminderDueAt,
  reminderStillDue,
  reminderText,
  sendableAt,
  stepDueAt,
  stepVerdict,
} from '../domain/escalation.js';
import { claimLadderFor } from '../domain/priority.js';
import type { Episode } from '../domain/types.js';
import { RetryAfter } from '../jobs/errors.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import { CallRecordRepository } from '../store/callRecords.js';
import type { NewJob } from '../store/jobs.js';
import type { Repositories } from '../store/store.js';

export const ESCALATION_STEP_JOB = 'escalation.step';
export const REMINDER_JOB = 'escalation.reminder';

/** Marks in the deliveries table that make a reminder said once even when its job runs twice. */
const REMINDER_MARK = 'ringback.reminder';

export interface EscalationDeps {
  routing: RoutingConfig;
  commands: CommandDeps;
  notices: NoticeHub;
  /** Reports what a timer did (metrics, logs). */
  report?: (kind: 'step' | 'reminder', result: string, episodeId: string) => void;
}

const stepPayload = z.object({
  episodeId: z.string().min(1),
  chain: z.enum(['claim', 'resolve']),
  anchor: z.number(),
  step: z.number().int().min(1),
  level: z.number().int().min(1),
  claimedAt: z.number().nullable(),
});

const reminderPayload = z.object({
  episodeId: z.string().min(1),
  claimedAt: z.number(),
  dueAt: z.number(),
});

export const escalationStepJob = defineJob(ESCALATION_STEP_JOB, stepPayload);
export const reminderJob = defineJob(REMINDER_JOB, reminderPayload);

/** The steps of a chain on a line; `claimLadder` replaces the line's own (a high-priority rule's `escalate`). */
export function ladderOf(
  line: LineConfig,
  chain: ChainStep['chain'],
  claimLadder: LadderStep[] = line.escalate,
): LadderStep[] {
  return chain === 'claim' ? claimLadder : (line.reminders?.escalate ?? line.escalate);
}

/**
 * The job that fires one step; null when the ladder has no such step or the line never opens. `previous`
 * is what went out before it in the chain (a step, or the reminder at `after` 0), when it did.
 */
export function stepJob(
  routing: RoutingConfig,
  episode: Episode,
  step: ChainStep,
  previous?: { sentAt: number; after: number },
): NewJob | null {
  const line = lineNamed(routing, episode.line);
  const claimLadder = line ? claimLadderFor(routing, line, episode) : [];
  const rung = line ? ladderOf(line, step.chain, claimLadder)[step.step - 1] : undefined;
  if (!rung) return null;
  const calendar = lineCalendar(routing, episode.line);
  const due = previous
    ? nextStepDueAt(calendar, step.anchor, rung, hasBusinessHours(line), previous)
    : stepDueAt(calendar, step.anchor, rung, hasBusinessHours(line));
  if (due === null) return null;
  return jobOf(
    escalationStepJob,
    { episodeId: episode.id, ...step },
    {
      runAt: due,
      // One job per step of each arming of a chain (a release re-arms with a new anchor).
      // A high rule's own ladder is armed apart from the line's: the level's compare-and-set fires each level once.
      dedupeKey: `escalation:${episode.id}:${step.chain}:${step.anchor}:${step.step}${line && claimLadder !== line.escalate ? `:${episode.priorityRule}` : ''}`,
    },
  );
}

function claimerReminder(routing: RoutingConfig, episode: Episode): NewJob | null {
  const line = lineNamed(routing, episode.line);
  const resolveWithin = line?.sla.resolveWithin;
  if (resolveWithin === undefined || episode.claimedAt === null) return null;
  const due = reminderDueAt(
    lineCalendar(routing, episode.line),
    episode,
    resolveWithin,
    hasBusinessHours(line),
  );
  if (due === null) return null;
  return jobOf(
    reminderJob,
    { episodeId: episode.id, claimedAt: episode.claimedAt, dueAt: due },
    { runAt: due, dedupeKey: `reminder:${episode.id}:${episode.claimedAt}` },
  );
}

/** Arms the claim ladder and the claimer's reminder when the reactions table says so. */
export function escalationTranslator(routing: RoutingConfig): IntentTranslator {
  return (intent, { episode }) => {
    let job: NewJob | null = null;
    if (intent.kind === 'timer.claimLadder') {
      job = stepJob(routing, episode, {
        chain: 'claim',
        anchor: intent.anchor,
        step: 1,
        level: episode.escalationLevel + 1,
        claimedAt: null,
      });
    } else if (intent.kind === 'timer.reminder') {
      job = claimerReminder(routing, episode);
    }
    return job ? [job] : [];
  };
}

async function dueOutsideSnoozesOf(
  repos: Repositories,
  episode: { id: string; line: string },
  routing: RoutingConfig,
  from: number,
  due: number,
): Promise<number> {
  const spans = snoozeSpans(await repos.audit.listForEpisode(episode.id));
  return dueOutsideSnoozes(from, due, spans, lineCalendar(routing, episode.line));
}

function noticeFor(rung: LadderStep, episodeId: string, text: string): Notice {
  switch (rung.to) {
    case 'thread':
      return { kind: 'thread', episodeId, text, mention: rung.notify };
    case 'managers':
      return { kind: 'managers', text, mention: rung.notify, episodeId };
    case 'dm':
      return { kind: 'dm', to: dmRecipients(rung.notify), text, episodeId };
  }
}

/** Fires one escalation step when it is still due. */
export function escalationStepHandler(deps: EscalationDeps): TypedJobHandler<typeof stepPayload> {
  const { routing, commands, notices } = deps;
  return async (step) => {
    const result = await commands.store.transaction(async (repos) => {
      // Held until the step is decided: a claim committed between the verdict and the escalate command
      // would otherwise be escalated as "still unclaimed".
      await new CallRecordRepository(repos).lockEpisode(step.episodeId);
      const episode = await repos.episodes.get(step.episodeId);
      if (!episode) return 'gone';
      const line = lineNamed(routing, episode.line);
      const rung = line
        ? ladderOf(line, step.chain, claimLadderFor(routing, line, episode))[step.step - 1]
        : undefined;
      if (!line || !rung) return 'unconfigured';
      const released = step.chain === 'claim' ? await latestReleaseAt(repos, episode.id) : null;
      const verdict = stepVerdict(episode, step, released);
      if (!verdict.fire) return verdict.why;
      const now = commands.clock.now();
      // The routing file changed since the step was queued (a longer step, a new holiday): wait for it.
      const due = stepDueAt(lineCalendar(routing, episode.line), step.anchor, rung, hasBusinessHours(line));
      if (due !== null && due > now) return { later: due - now };
      // "Call back later" pauses the ladder: the time it waits runs only while the call is not snoozed.
      const resumed = await dueOutsideSnoozesOf(repos, episode, routing, step.anchor, due ?? now);
      if (resumed > now) return { later: resumed - now };
      const sendable = sendableAt(lineCalendar(routing, episode.line), now) ?? now;
      if (sendable > now) return { later: sendable - now };
      const outcome = await applyCommandIn(repos, commands, episode.id, {
        type: 'escalate',
        at: now,
        level: step.level,
        step: step.step,
      });
      if (outcome.status !== 'accepted') return outcome.status;
      const escalated = outcome.episode;
      const text = escalationText(escalated, step, {
        timezone: timezoneOf(routing, line.name),
        zoneNote: zoneNoteOf(routing, line.name),
        lineCountry: line.country,
        waitedMs: lineCalendar(routing, escalated.line).elapsed(escalated.missedAt, now),
        now,
      });
      const next = stepJob(
        routing,
        escalated,
        { ...step, step: step.step + 1, level: step.level + 1 },
        { sentAt: now, after: rung.after },
      );
      await repos.enqueue(
        [...notices.plan(noticeFor(rung, escalated.id, text)), ...(next ? [next] : [])],
        now,
      );
      return 'fired';
    });
    if (typeof result === 'object')
      throw new RetryAfter(result.later, 'the step is due later now or the line is closed');
    deps.report?.('step', result, step.episodeId);
  };
}

/** Reminds the claimer privately, then arms the `resolve` chain. */
export function reminderHandler(deps: EscalationDeps): TypedJobHandler<typeof reminderPayload> {
  const { routing, commands, notices } = deps;
  return async (reminder) => {
    const result = await commands.store.transaction(async (repos) => {
      // Held until the reminder is queued: a resolve committed meanwhile would get a reminder about a done call.
      await new CallRecordRepository(repos).lockEpisode(reminder.episodeId);
      const episode = await repos.episodes.get(reminder.episodeId);
      if (!episode) return 'gone';
      const line = lineNamed(routing, episode.line);
      const resolveWithin = line?.sla.resolveWithin;
      if (!line || resolveWithin === undefined) return 'unconfigured';
      if (!reminderStillDue(episode, reminder.claimedAt) || !episode.claimedBy) return 'not_due';
      const now = commands.clock.now();
      // The routing file changed since the reminder was queued (a longer target, a new holiday): wait for it.
      const dueAt =
        reminderDueAt(lineCalendar(routing, episode.line), episode, resolveWithin, hasBusinessHours(line)) ??
        reminder.dueAt;
      if (dueAt > now) return { later: dueAt - now };
      // "Call back later" pauses the resolve SLA: its time runs only while the call is not snoozed.
      const resumed = await dueOutsideSnoozesOf(repos, episode, routing, reminder.claimedAt, dueAt);
      if (resumed > now) return { later: resumed - now };
      const sendable = sendableAt(lineCalendar(routing, episode.line), now) ?? now;
      if (sendable > now) return { later: sendable - now };
      const first = await repos.deliveries.recordOnce(
        REMINDER_MARK,
        `${episode.id}:${reminder.claimedAt}`,
        now,
      );
      if (!first) return 'already_said';
      const text = reminderText(episode, resolveWithin, {
        timezone: timezoneOf(routing, line.name),
        zoneNote: zoneNoteOf(routing, line.name),
        lineCountry: line.country,
        waitedMs: lineCalendar(routing, episode.line).elapsed(episode.missedAt, now),
        now,
      });
      const next = stepJob(
        routing,
        episode,
        {
          chain: 'resolve',
          // From when the reminder really fell due: counted from its first due time, a snooze that moved it
          // left every step already due, and the whole ladder went out with the reminder.
          anchor: resumed,
          step: 1,
          level: episode.escalationLevel + 1,
          claimedAt: reminder.claimedAt,
        },
        // Sent late (downtime, held to the opening): the first step still follows it by its `after`.
        { sentAt: now, after: 0 },
      );
      await repos.enqueue(
        [
          ...notices.plan({ kind: 'dm', to: [episode.claimedBy], text, episodeId: episode.id }),
          ...(next ? [next] : []),
        ],
        now,
      );
      return 'reminded';
    });
    if (typeof result === 'object')
      throw new RetryAfter(result.later, 'the call is snoozed or the line closed');
    deps.report?.('reminder', result, reminder.episodeId);
  };
}
