/**
 * "Call back later" as a durable timer: a snooze (by a person, or by the retry policy after a failed
 * attempt) arms one job at its `dueAt`; when it runs, the `come_due` command marks the episode due (so every
 * card says it) and, in the same transaction, the claimer is reminded in the card's thread with a mention
 * and privately. The job's dedupe key makes one job per snooze; the command's compare-and-set (it accepts
 * only the snooze it was armed for, once) makes one reminder across replicas, retries and restarts.
 */
import { z } from 'zod';
import { applyCommandIn, type CommandDeps } from '../app/commands.js';
import type { IntentTranslator } from '../app/intents.js';
import type { NoticeHub } from '../app/notices.js';
import { lineNamed, timezoneOf } from '../app/routing.js';
import type { RoutingConfig } from '../config/routing.js';
import { tryNumber } from '../domain/callbacks.js';
import { dueWords } from '../domain/dueTime.js';
import { callerInWords } from '../domain/escalation.js';
import type { Actor, Episode } from '../domain/types.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';

export const callbackDueJob = defineJob(
  'callback.due',
  z.object({ episodeId: z.string().min(1), dueAt: z.number() }),
);

/** Arms the due timer of every snooze the reactions table reports. */
export const callbackDueTranslator: IntentTranslator = (intent, { episode }) =>
  intent.kind === 'timer.callbackDue'
    ? [
        jobOf(
          callbackDueJob,
          { episodeId: episode.id, dueAt: intent.dueAt },
          { runAt: intent.dueAt, dedupeKey: `callback.due:${episode.id}:${intent.dueAt}` },
        ),
      ]
    : [];

/** How a notice names the claimer so their surface notifies them: `<@U…>` on Slack, else their e-mail. */
export function mentionOf(actor: Actor): string | null {
  if (actor.surface === 'slack' && actor.id.startsWith('slack:'))
    return `<@${actor.id.slice('slack:'.length)}>`;
  return actor.email;
}

/** What the reminder says: who to call back, since when it was planned, and which attempt it is. */
export function dueReminderText(
  episode: Episode,
  context: { timezone: string; lineCountry?: string; retryAttempts: number | null; snoozedAt: number },
): string {
  const who = callerInWords(episode, context.lineCountry);
  const attempt =
    context.retryAttempts !== null && episode.attemptLog.length > 0
      ? ` (attempt ${tryNumber(episode)} of ${context.retryAttempts})`
      : '';
  const planned =
    episode.dueAt !== null ? `, planned ${dueWords(episode.dueAt, context.snoozedAt, context.timezone)}` : '';
  const number = episode.callbackNumber ? ' on the number they asked to be called back on' : '';
  return `Time to call back ${who}${number} on ${episode.line}${attempt}${planned}.`;
}

export interface CallbackDueDeps {
  routing: RoutingConfig;
  commands: CommandDeps;
  notices: NoticeHub;
  report?: (result: string, episodeId: string) => void;
}

export function callbackDueHandler(deps: CallbackDueDeps): TypedJobHandler<typeof callbackDueJob.schema> {
  const { routing, commands, notices } = deps;
  return async ({ episodeId, dueAt }) => {
    const result = await commands.store.transaction(async (repos) => {
      const now = commands.clock.now();
      const before = await repos.episodes.get(episodeId);
      const outcome = await applyCommandIn(repos, commands, episodeId, { type: 'come_due', at: now, dueAt });
      if (outcome.status !== 'accepted') return outcome.status === 'unchanged' ? 'not_due' : outcome.status;
      const episode = outcome.episode;
      const claimer = episode.claimedBy;
      if (!claimer) return 'no_claimer';
      const line = lineNamed(routing, episode.line);
      const text = dueReminderText(episode, {
        timezone: timezoneOf(routing, episode.line),
        lineCountry: line?.country,
        retryAttempts: line?.retry?.attempts ?? null,
        snoozedAt: before?.snoozedAt ?? now,
      });
      await repos.enqueue(
        [
          ...notices.plan({ kind: 'thread', episodeId, text, mention: mentionOf(claimer) }),
          ...notices.plan({ kind: 'dm', to: [claimer], text, episodeId }),
        ],
        now,
      );
      return 'reminded';
    });
    deps.report?.(result, episodeId);
  };
}
