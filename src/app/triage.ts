/**
 * Triage: after a card is posted (never before), the priority rules and the suggested owner are worked
 * out from everything known of the call — the episode, its pre-brief once Zendesk answered, Ringback's
 * own history of the number, the agents available now — and applied as commands, so every card
 * re-renders and the thread records it. Runs again whenever a fact may have changed (a repeat call, a
 * callback request, the pre-brief). Also delivers the private messages and thread mentions the reactions
 * table asks for (`person.tell`, `thread.mention`) through the notice hub.
 */
import { z } from 'zod';
import type { RegisterAdapter } from '../adapters/context.js';
import type { AssignPolicy, LineConfig, RoutingConfig } from '../config/routing.js';
import { type EpisodeDetails, parseDetails } from '../domain/details.js';
import type { DomainEvent } from '../domain/episode.js';
import { matchPriority, type PriorityFacts } from '../domain/priority.js';
import {
  nextInTurn,
  ownerActor,
  type PoolAgent,
  type Suggestion,
  type SuggestionInputs,
  suggestOwner,
} from '../domain/suggestion.js';
import type { Episode } from '../domain/types.js';
import { describeFeatures } from '../features.js';
import { defineJob, jobOf, type TypedJobHandler } from '../jobs/registry.js';
import { type AgentAvailability, AvailabilityRepository } from '../store/availability.js';
import { CallerHistory } from '../store/callerHistory.js';
import { CallRecordRepository } from '../store/callRecords.js';
import type { Repositories } from '../store/store.js';
import { applyCommandIn, auditEntries, type CommandDeps } from './commands.js';
import type { IntentTranslator } from './intents.js';
import type { NoticeHub } from './notices.js';
import { lineNamed, timezoneOf } from './routing.js';

const DAY_MS = 24 * 60 * 60_000;
/** How far back repeat calls are counted for the card ("3rd call in 7 days"). */
const REPEAT_WINDOW_MS = 7 * DAY_MS;
/** Availability nobody confirmed for this long counts as unknown (a missed `user.closed`, a dead refresh). */
export const AVAILABILITY_STALE_MS = 12 * 60 * 60_000;
/** Round robin's pool comes from this phone system when the line names no `assign.agents`. */
const POOL_PROVIDER = 'aircall';

const triagePayload = z.object({
  episodeId: z.string().min(1),
  /** The triage queued for when the wait for a pre-brief ends: it decides with what it has. */
  withoutPrebrief: z.boolean().optional(),
});
export const triageJob = defineJob('triage.evaluate', triagePayload);

/**
 * How long round robin and auto-claim wait for the help desk's pre-brief when a source that reads it comes
 * first (`ticketAssignee`): the pre-brief's own triage usually comes within seconds; this bounds an outage.
 */
export const PREBRIEF_WAIT_MS = 2 * 60_000;

/** Sources of a suggestion that read the help desk's pre-brief. */
const PREBRIEF_SOURCES = new Set(['ticketAssignee']);

/** The jobs and notices of the intents triage serves. */
export function triageTranslator(notices: NoticeHub): IntentTranslator {
  return (intent, { episode }) => {
    switch (intent.kind) {
      case 'triage.evaluate':
        // Facts arriving together (a repeat call and its callback request) fold into one evaluation.
        return [
          jobOf(
            triageJob,
            { episodeId: episode.id },
            { coalesceKey: `triage:${episode.id}`, foldedUnderLock: true },
          ),
        ];
      case 'person.tell':
        return notices.plan({ kind: 'dm', to: intent.to, text: intent.text, episodeId: episode.id });
      case 'thread.mention':
        return notices.plan({
          kind: 'thread',
          episodeId: episode.id,
          text: intent.text,
          mention: intent.mention,
        });
      default:
        return [];
    }
  };
}

/** The facts priority rules read, from the episode, its details and the number's recent calls. */
export function priorityFacts(episode: Episode, details: EpisodeDetails, callTimes: number[]): PriorityFacts {
  const prebrief = details.prebrief;
  return {
    line: episode.line,
    callbackRequested: episode.callbackRequested,
    tags: prebrief?.tags ?? [],
    organization: prebrief?.organization ?? null,
    openTicketPriority: prebrief?.openTickets.highestPriority ?? null,
    // The episode's own calls count even when their provider rows are not found (a generic provider).
    callTimes: callTimes.length >= episode.callCount ? callTimes : [...callTimes, episode.missedAt],
    lastCallAt: episode.lastCallAt,
  };
}

/** The line's round-robin pool with what is known of each agent's availability now. */
export function roundRobinPool(
  policy: Pick<AssignPolicy, 'agents'>,
  known: AgentAvailability[],
  now: number,
): PoolAgent[] {
  const fresh = (row: AgentAvailability | undefined) =>
    row && row.changedAt >= now - AVAILABILITY_STALE_MS ? row.available : null;
  if (policy.agents.length > 0) {
    const byEmail = new Map(known.filter((r) => r.email).map((r) => [r.email?.toLowerCase(), r]));
    return policy.agents.map((email) => {
      const row = byEmail.get(email.toLowerCase());
      return { key: email.toLowerCase(), name: row?.name ?? email, email, available: fresh(row) };
    });
  }
  return known.map((row) => ({
    key: row.email?.toLowerCase() ?? `${row.provider}:${row.userId}`,
    name: row.name,
    email: row.email,
    available: fresh(row),
  }));
}

class Triage {
  private readonly history: CallerHistory;

  constructor(
    private readonly repos: Repositories,
    private readonly deps: {
      routing: RoutingConfig;
      commands: Omit<CommandDeps, 'store'>;
      /** A help desk is connected that writes each caller's pre-brief (Zendesk). */
      prebriefExpected?: boolean;
    },
  ) {
    this.history = new CallerHistory(repos);
  }

  async run(episodeId: string, withoutPrebrief = false): Promise<string> {
    const { repos, deps } = this;
    // The details are read, changed and written back whole: the ticket link and the pre-brief write them
    // too, from other jobs and replicas, and one of their writes must not be lost under ours.
    await new CallRecordRepository(repos).lockEpisode(episodeId);
    let episode = await repos.episodes.get(episodeId);
    if (!episode) return 'gone';
    if (episode.state === 'resolved') return 'resolved';
    const now = deps.commands.clock.now();
    const details = parseDetails(await repos.episodes.getDetails(episodeId));
    const number = episode.caller.number;
    const longest = Math.max(
      REPEAT_WINDOW_MS,
      ...deps.routing.priority.map((rule) => rule.when.repeatCalls?.within ?? 0),
    );
    // From before the episode's last call as well: a triage run again later reads the window before it.
    const since = Math.min(now, episode.lastCallAt) - longest;
    const callTimes = number ? await this.history.inboundCallTimes(number, since) : [];

    await this.noteRepeatCalls(episode, details, callTimes, now);
    const verdict = matchPriority(deps.routing.priority, priorityFacts(episode, details, callTimes));
    const prioritized = await applyCommandIn(repos, deps.commands, episodeId, {
      type: 'set_priority',
      at: now,
      level: verdict.level,
      rule: verdict.rule,
      because: verdict.because,
    });
    if (prioritized.status === 'accepted') episode = prioritized.episode;

    const line = lineNamed(deps.routing, episode.line);
    if (!line?.assign) return verdict.level;
    if (!withoutPrebrief && (await this.awaitsPrebrief(episode, details, line.assign, now))) {
      return `${verdict.level}, waiting for the pre-brief before taking a turn`;
    }
    const suggestion = await this.suggestion(episode, details, line, line.assign, now);
    if (!suggestion) return `${verdict.level}, nobody to suggest`;
    const claims = line.assign.autoClaim && suggestion.email !== null;
    await applyCommandIn(repos, deps.commands, episodeId, {
      type: 'suggest_owner',
      at: now,
      owner: suggestion,
      autoClaim: claims ? { actor: ownerActor(suggestion) } : null,
    });
    return `${verdict.level}, suggested (${suggestion.source})`;
  }

  /**
   * Round robin and auto-claim act for good (a turn taken, a call claimed): while a source ranked before
   * round robin reads a pre-brief that is still on its way, they wait for it, or the call went to the next
   * in turn while its caller's open ticket had an assignee. The pre-brief's arrival runs triage again; a
   * later triage, queued once, decides anyway should the help desk not answer.
   */
  private async awaitsPrebrief(
    episode: Episode,
    details: EpisodeDetails,
    policy: AssignPolicy,
    now: number,
  ): Promise<boolean> {
    if (!this.deps.prebriefExpected || details.prebrief || episode.caller.number === null) return false;
    // Decided already (by the triage that ended the wait, or before a pre-brief was expected).
    if (episode.suggestedOwner) return false;
    const turnAt = policy.suggest.indexOf('roundRobin');
    const readsFirst = policy.suggest.some(
      (source, i) => PREBRIEF_SOURCES.has(source) && (turnAt < 0 || i < turnAt),
    );
    if (!readsFirst || (turnAt < 0 && !policy.autoClaim)) return false;
    // Queued once, by the first triage that waits: later ones before the pre-brief wait for the same end.
    await this.repos.enqueue(
      [
        jobOf(
          triageJob,
          { episodeId: episode.id, withoutPrebrief: true },
          { runAt: now + PREBRIEF_WAIT_MS, dedupeKey: `triage:prebrief-wait:${episode.id}` },
        ),
      ],
      now,
    );
    return true;
  }

  /** "3rd call in 7 days" on the card: a details change, announced only when the count moved. */
  private async noteRepeatCalls(
    episode: Episode,
    details: EpisodeDetails,
    callTimes: number[],
    now: number,
  ): Promise<void> {
    const callsThisWeek = Math.max(
      episode.callCount,
      callTimes.filter((at) => at >= now - REPEAT_WINDOW_MS).length,
    );
    if (details.repeat?.callsThisWeek === callsThisWeek) return;
    await this.repos.episodes.setDetails(episode.id, { ...details, repeat: { callsThisWeek } }, now);
    const events: DomainEvent[] = [{ type: 'details_changed', at: now, fields: ['repeat'] }];
    await this.repos.audit.append(auditEntries(episode.id, events, 'system'));
    await this.repos.enqueue(this.deps.commands.planEffects({ episode, previous: episode, events }), now);
  }

  private async suggestion(
    episode: Episode,
    details: EpisodeDetails,
    line: LineConfig,
    policy: AssignPolicy,
    now: number,
  ): Promise<Suggestion | null> {
    const zone = timezoneOf(this.deps.routing, line.name);
    const number = episode.caller.number;
    const known = await new AvailabilityRepository(this.repos.db).list(POOL_PROVIDER);
    // Whoever a source names, the phone system saying they are away (closed in Aircall) rules them out:
    // an auto-claim for them would take the call out of the escalation for nobody.
    const away = new Set(
      roundRobinPool({ agents: [] }, known, now)
        .filter((agent) => agent.available === false && agent.email)
        .map((agent) => agent.email?.toLowerCase()),
    );
    // A line that lists its agents takes its calls from them only: whoever a source names (an agent who
    // answered this caller last month and has left the team) is passed over unless listed (any case).
    const listed = new Set(policy.agents.map((email) => email.toLowerCase()));
    const onLine = (email: string | null) =>
      listed.size === 0 || (email !== null && listed.has(email.toLowerCase()));
    const present = <T extends { agent: { email: string | null } }>(named: T | null): T | null =>
      named === null ||
      (named.agent.email && away.has(named.agent.email.toLowerCase())) ||
      !onLine(named.agent.email)
        ? null
        : named;
    const inputs: SuggestionInputs = {
      lastAgent: present(
        number && policy.suggest.includes('lastAgent')
          ? await this.history.lastAnsweredBy(number, now - policy.lastAgentWithin)
          : null,
      ),
      ticketAssignee: present(
        details.prebrief?.assignee
          ? {
              agent: { name: details.prebrief.assignee.name, email: details.prebrief.assignee.email },
              ticketId: details.prebrief.assignee.ticketId,
            }
          : null,
      ),
      // No provider reports a voicemail's owner to Ringback yet (Aircall `assigned_to` is not normalized).
      voicemailOwner: null,
      roundRobin: null,
    };
    const found = suggestOwner(policy.suggest, inputs, zone);
    const rrAt = policy.suggest.indexOf('roundRobin');
    const needsTurn = rrAt >= 0 && (found === null || policy.suggest.indexOf(found.source) > rrAt);
    if (!needsTurn) return found;
    // A call already given its turn keeps it: re-evaluating must not move the rotation on.
    const current = episode.suggestedOwner;
    if (current?.source === 'roundRobin') return { ...current };
    const cursor = `roundrobin:${line.name}`;
    // Two calls of one line triaged at once (two replicas, two slots) would read the same turn.
    await new CallRecordRepository(this.repos).lockName(cursor);
    const pick = nextInTurn(roundRobinPool(policy, known, now), await this.repos.cursors.get(cursor));
    if (!pick) return found;
    await this.repos.cursors.set(cursor, pick.agent.key, now);
    return suggestOwner(policy.suggest, { ...inputs, roundRobin: pick }, zone);
  }
}

export function triageHandler(deps: {
  routing: RoutingConfig;
  commands: CommandDeps;
  prebriefExpected?: boolean;
  report?: (result: string, episodeId: string) => void;
}): TypedJobHandler<typeof triagePayload> {
  return async ({ episodeId, withoutPrebrief }) => {
    const result = await deps.commands.store.transaction(
      (repos) =>
        new Triage(repos, {
          routing: deps.routing,
          commands: deps.commands,
          prebriefExpected: deps.prebriefExpected ?? false,
        }).run(episodeId, withoutPrebrief ?? false),
      20,
    );
    deps.report?.(result, episodeId);
  };
}

/** Always on: without `priority` rules or `assign`, a triage only counts repeat calls for the card. */
export const registerTriage: RegisterAdapter = (ctx) => {
  const { config, commands, notices, runner, logger } = ctx;
  ctx.addIntentTranslator(triageTranslator(notices));
  runner.handle(
    triageJob,
    triageHandler({
      routing: config.routing,
      commands,
      prebriefExpected: describeFeatures(config.env).some((f) => f.name === 'zendesk' && f.on),
      report: (result, episodeId) =>
        logger.debug({ episode: episodeId, result }, `triage: episode ${episodeId}: ${result}`),
    }),
  );
};
