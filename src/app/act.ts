/**
 * A click on a card, from any surface (Slack buttons, Teams Action.Execute): who may act, as what (agent or
 * manager), then the command through runCommand. Returns what to tell the clicker; the card re-render and
 * the thread line come from the planners of the accepted events.
 */
import type { RoutingConfig } from '../config/routing.js';
import { ACTION_IDS } from '../domain/actions.js';
import { clockOrDay } from '../domain/cardModel.js';
import { type Command, type DomainEvent, describeRefusal, type Refusal } from '../domain/episode.js';
import { type Actor, type Episode, isOutcome, type Outcome } from '../domain/types.js';
import { callbackNumberCommand, retryPlan, snoozeCommand } from './callbacks.js';
import { type CommandDeps, runCommand } from './commands.js';
import type { AgentDirectory } from './directory.js';
import { timezoneOf } from './routing.js';

export type CardAction =
  | { type: 'claim' }
  | { type: 'release' }
  | { type: 'callback' }
  | { type: 'resolve'; outcome: Outcome }
  /** Call back later: `30m`, `1h`, `2h`, `tomorrow` or an ISO 8601 time (`ringback.snooze`). */
  | { type: 'snooze'; choice: string }
  /** Call back on another number (typed by the agent, or one of the requester's Zendesk phones). */
  | { type: 'set_number'; number: string }
  /** Hand the call to another agent (`ringback.reassign`): the surface resolves the chosen user to a person. */
  | { type: 'reassign'; to: Actor };

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

/**
 * The card action behind an interaction id (and, for resolve, the chosen outcome; for reassign, the chosen
 * person, already resolved by the surface from its user id); null when unknown or incomplete.
 */
export function cardActionFor(
  interactionId: string,
  outcome?: string | null,
  chosen?: Actor | null,
): CardAction | null {
  switch (interactionId) {
    case ACTION_IDS.claim:
      return { type: 'claim' };
    case ACTION_IDS.release:
      return { type: 'release' };
    case ACTION_IDS.callback:
      return { type: 'callback' };
    case ACTION_IDS.resolve:
      return isOutcome(outcome) ? { type: 'resolve', outcome } : null;
    case ACTION_IDS.snooze:
      // The value is checked against the line's calendar when acted on (it may be a typed time).
      return outcome?.trim() ? { type: 'snooze', choice: outcome.trim().slice(0, 64) } : null;
    case ACTION_IDS.reassign:
      return chosen ? { type: 'reassign', to: chosen } : null;
    default:
      return null;
  }
}

function notAnAgentTarget(person: Actor, reason: 'not_agent' | 'unverified'): string {
  return reason === 'unverified'
    ? `Ringback could not check that ${person.name} is an agent, so the call stays where it is: try again in a minute.`
    : `${person.name} is not set up as an agent in the connected help desk or phone system, so the call cannot be handed to them.`;
}

/** The command for an action that carries what a person chose or typed, or the refusal that explains why not. */
async function withInput(
  deps: ActDeps,
  episodeId: string,
  action: Extract<CardAction, { type: 'snooze' | 'set_number' }>,
  who: { actor: Actor; at: number; asManager: boolean },
): Promise<{ ok: true; command: Command } | { ok: false; answer: ActResult }> {
  const current = await deps.commands.store.episodes.get(episodeId);
  if (!current) {
    return {
      ok: false,
      answer: { status: 'not_found', message: 'This call is no longer known to Ringback.' },
    };
  }
  const input = { line: current.line, ...who };
  const prepared =
    action.type === 'snooze'
      ? snoozeCommand(deps.routing, { ...input, choice: action.choice })
      : callbackNumberCommand(deps.routing, { ...input, number: action.number });
  if (prepared.ok) return prepared;
  const refusal: Refusal = { kind: 'InvalidInput', message: prepared.message };
  return { ok: false, answer: { status: 'refused', episode: current, refusal, message: prepared.message } };
}

export async function actOnCard(
  deps: ActDeps,
  input: { episodeId: string; actor: Actor; action: CardAction },
): Promise<ActResult> {
  const { commands, directory } = deps;
  const { actor, action, episodeId } = input;
  // Both questions at once: they share one vendor lookup, so a slow vendor costs one deadline, not two.
  const needsRole = action.type !== 'claim' && action.type !== 'callback';
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
        retry: retryPlan(deps.routing, (await commands.store.episodes.get(episodeId))?.line ?? '', at),
      };
      break;
    case 'snooze':
    case 'set_number': {
      const prepared = await withInput(deps, episodeId, action, { actor, at, asManager });
      if (!prepared.ok) return prepared.answer;
      command = prepared.command;
      break;
    }
    case 'reassign': {
      // Only agents can be handed a call: the same check (and the same fail-closed answer) as a click.
      const [target, current] = await Promise.all([
        directory.checkAgent(action.to),
        commands.store.episodes.get(episodeId),
      ]);
      if (!current) return { status: 'not_found', message: 'This call is no longer known to Ringback.' };
      if (!target.ok) {
        const refusal: Refusal = {
          kind: 'InvalidInput',
          message: notAnAgentTarget(action.to, target.reason),
        };
        return { status: 'refused', episode: current, refusal, message: refusal.message };
      }
      command = { type: 'reassign', actor, at, to: action.to, asManager };
      break;
    }
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
      const zone = timezoneOf(deps.routing, result.episode.line);
      const message = describeRefusal(result.refusal, (ms) => clockOrDay(ms, at, zone));
      return { status: 'refused', episode: result.episode, refusal: result.refusal, message };
    }
    case 'not_found':
      return { status: 'not_found', message: 'This call is no longer known to Ringback.' };
  }
}
