/**
 * The use cases behind every button: claim, release, call back, resolve (and the system's auto-resolve and
 * escalate). One function for all surfaces: load → decide → compare-and-set → audit → queue effects.
 */
import type { Clock } from '../domain/clock.js';
import { type Command, type DomainEvent, decide, type Refusal } from '../domain/episode.js';
import type { Actor, Episode, Surface } from '../domain/types.js';
import type { NewAuditEntry } from '../store/audit.js';
import { type Repositories, RetryTransaction, type Store } from '../store/store.js';
import type { EffectPlanner } from './effects.js';

export type CommandResult =
  | { status: 'accepted'; episode: Episode; events: DomainEvent[] }
  | { status: 'unchanged'; episode: Episode }
  | { status: 'refused'; episode: Episode; refusal: Refusal }
  | { status: 'not_found' };

export interface CommandDeps {
  store: Store;
  clock: Clock;
  planEffects: EffectPlanner;
}

function actorOf(event: DomainEvent): Actor | null {
  return 'actor' in event ? event.actor : null;
}

export function auditEntries(episodeId: string, events: DomainEvent[], surface: Surface): NewAuditEntry[] {
  return events.map((event) => {
    const { type, at, ...rest } = event;
    const actor = actorOf(event);
    const data: Record<string, unknown> = { ...rest };
    delete data.actor;
    return { episodeId, type, actor, surface: actor?.surface ?? surface, at, data };
  });
}

/** When the episode was last released (from the audit); null when it never was. */
export async function latestReleaseAt(repos: Repositories, episodeId: string): Promise<number | null> {
  let latest: number | null = null;
  for (const entry of await repos.audit.listForEpisode(episodeId)) {
    if (entry.type === 'released' && (latest === null || entry.at > latest)) latest = entry.at;
  }
  return latest;
}

/** Applies a command inside an existing transaction; throws RetryTransaction on a lost race. */
export async function applyCommandIn(
  repos: Repositories,
  deps: Omit<CommandDeps, 'store'>,
  episodeId: string,
  command: Command,
): Promise<CommandResult> {
  const current = await repos.episodes.get(episodeId);
  if (!current) return { status: 'not_found' };
  const decision = decide(current, command);
  if (!decision.ok) return { status: 'refused', episode: current, refusal: decision.refusal };
  if (decision.events.length === 0) return { status: 'unchanged', episode: current };
  const now = deps.clock.now();
  const won = await repos.episodes.updateIfVersion(decision.episode, current.version, now);
  if (!won) throw new RetryTransaction(`episode ${episodeId} changed while deciding ${command.type}`);
  const surface: Surface = 'actor' in command && command.actor ? command.actor.surface : 'system';
  await repos.audit.append(auditEntries(episodeId, decision.events, surface));
  const turnsHigh = decision.events.some((event) => event.type === 'priority_set' && event.level === 'high');
  const lastReleaseAt = turnsHigh ? await latestReleaseAt(repos, episodeId) : null;
  await repos.enqueue(
    deps.planEffects({
      episode: decision.episode,
      previous: current,
      events: decision.events,
      lastReleaseAt,
    }),
    now,
  );
  return { status: 'accepted', episode: decision.episode, events: decision.events };
}

/** Runs one command atomically: of many concurrent claims exactly one is accepted, the rest are refused. */
export function runCommand(deps: CommandDeps, episodeId: string, command: Command): Promise<CommandResult> {
  return deps.store.transaction((repos) => applyCommandIn(repos, deps, episodeId, command), 20);
}
