/**
 * A click on a card, from any surface (Slack buttons, Teams Action.Execute): who may act, as what (agent or
 * manager), then the command through runCommand. Returns what to tell the clicker; the card re-render and
 * the thread line come from the planners of the accepted events.
 */
import { DateTime } from 'luxon';
import type { RoutingConfig } from '../config/routing.js';
import { ACTION_IDS } from '../domain/actions.js';
import { type Command, type DomainEvent, describeRefusal, type Refusal } from '../domain/episode.js';
import { type Actor, type Episode, isOutcome, type Outcome } from '../domain/types.js';
import { type CommandDeps, runCommand } from './commands.js';
import type { AgentDirectory } from './directory.js';

export type CardAction =
  | { type: 'claim' }
  | { type: 'release' }
  | { type: 'callback' }
  | { type: 'resolve'; outcome: Outcome };

export type ActResult =
  | { status: 'accepted'; episode: Episode; events: DomainEvent[] }
  /** Nothing changed (e.g. Claim clicked by the person who already has it). */
  | { status: 'unchanged'; episode: Episode; message: string }
  | { status: 'refused'; episode: Episode; refusal: Refusal; message: string }
  /** The clicker maps to no agent, or could not be checked in time (fail closed): nothing changed. */
  | { status: 'not_agent'; message: string }
  | { status: 'not_found'; message: string };

export interface ActDeps {
  commands: CommandDeps;
  directory: AgentDirectory;
  routing: RoutingConfig;
}

/** The card action behind an interaction id (and, for resolve, the chosen outcome); null when unknown. */
export function cardActionFor(interactionId: string, outcome?: string | null): CardAction | null {
  switch (interactionId) {
    case ACTION_IDS.claim:
      return { type: 'claim' };
    case ACTION_IDS.release:
      return { type: 'release' };
    case ACTION_IDS.callback:
      return { type: 'callback' };
    case ACTION_IDS.resolve:
      return isOutcome(outcome) ? { type: 'resolve', outcome } : null;
    default:
      return null;
  }
}

/** The zone of the episode's line (or the team's), for times told to the clicker. */
export function zoneOf(routing: RoutingConfig, line: string): string {
  return routing.lines.find((l) => l.name === line)?.timezone ?? routing.timezone;
}

/** "09:40" today, "Mon 16 Nov 09:40" another day, in the given zone. */
export function formatMoment(ms: number, now: number, zone: string): string {
  const when = DateTime.fromMillis(ms, { zone });
  const sameDay = when.hasSame(DateTime.fromMillis(now, { zone }), 'day');
  return sameDay ? when.toFormat('HH:mm') : when.toFormat('ccc d LLL HH:mm');
}

export async function actOnCard(
  deps: ActDeps,
  input: { episodeId: string; actor: Actor; action: CardAction },
): Promise<ActResult> {
  const { commands, directory } = deps;
  const { actor, action, episodeId } = input;
  // Both questions at once: they share one vendor lookup, so a slow vendor costs one deadline, not two.
  const needsRole = action.type === 'release' || action.type === 'resolve';
  const [check, asManager] = await Promise.all([
    directory.checkAgent(actor),
    needsRole ? directory.isManager(actor) : Promise.resolve(false),
  ]);
  if (!check.ok) return { status: 'not_agent', message: check.message };
  const at = commands.clock.now();
  let command: Command;
  switch (action.type) {
    case 'claim':
      command = { type: 'claim', actor, at };
      break;
    case 'release':
      command = { type: 'release', actor, at, asManager };
      break;
    case 'callback':
      command = { type: 'callback', actor, at };
      break;
    case 'resolve':
      command = {
        type: 'resolve',
        actor,
        at,
        outcome: action.outcome,
        asManager,
      };
      break;
  }
  const result = await runCommand(commands, episodeId, command);
  switch (result.status) {
    case 'accepted':
      return { status: 'accepted', episode: result.episode, events: result.events };
    case 'unchanged':
      return {
        status: 'unchanged',
        episode: result.episode,
        message: action.type === 'claim' ? 'You already have this call.' : 'Nothing to change.',
      };
    case 'refused': {
      const zone = zoneOf(deps.routing, result.episode.line);
      const message = describeRefusal(result.refusal, (ms) => formatMoment(ms, at, zone));
      return { status: 'refused', episode: result.episode, refusal: result.refusal, message };
    }
    case 'not_found':
      return { status: 'not_found', message: 'This call is no longer known to Ringback.' };
  }
}
