/**
 * "Claim next" (`ringback.claim_next`, on a storm's queue message), for every surface: the clicker gets the
 * unclaimed call of that channel that needs a person most (src/domain/listOrder.ts), whether its card is
 * posted yet or still queued. Each candidate is claimed through runCommand (compare-and-set), so of many
 * clickers at once each gets a different call: whoever loses a call to another clicker moves on to the
 * next one. A clicker whom Claim next gave a call seconds ago double clicked: they get that call again
 * rather than a second one. The agent check is the one of every click, failing closed.
 */
import { sameActor } from '../domain/episode.js';
import { workListOrder } from '../domain/listOrder.js';
import type { Actor, Episode } from '../domain/types.js';
import type { Post } from '../store/posts.js';
import { type CommandDeps, runCommand } from './commands.js';
import type { AgentDirectory } from './directory.js';

/** How the use case reads a channel's unclaimed calls (store/channelCalls.ts). */
export interface ClaimNextCalls {
  unclaimed(surface: string, channel: string, limit: number): Promise<Episode[]>;
}

export interface ClaimNextDeps {
  commands: CommandDeps;
  directory: Pick<AgentDirectory, 'checkAgent'>;
  calls: ClaimNextCalls;
}

export interface ClaimNextInput {
  /** The surface and channel of the queue message clicked. */
  surface: string;
  channel: string;
  actor: Actor;
}

export type ClaimNextResult =
  /** `post` is the call's card in that channel, or null while the card is still queued. */
  | { status: 'claimed'; episode: Episode; post: Post | null }
  /** Every call of the channel is claimed (or resolved) already. */
  | { status: 'none_left' }
  | { status: 'not_agent'; message: string };

/** Candidates read at once; a clicker who loses all of them to others reads again. */
const CANDIDATES = 50;
/** Reads of the candidates before answering "none left" (others may be claiming the same ones). */
const ROUNDS = 4;
/**
 * A clicker's second Claim next within this long of the call it gave them is a double click, answered with
 * that call. The second click of a double click comes 100-300 ms after the first, when the first claim is
 * usually saved already: the call is then no longer unclaimed, and without this the second click took the
 * next one (one agent, two calls, in a storm). Wanting a second call on purpose takes longer than this.
 * Only Claim next's own answers count: a call claimed from its card, handed over or suggested is not one.
 */
export const DOUBLE_CLICK_MS = 5_000;

/** Where Claim next remembers (for every replica, DOUBLE_CLICK_MS long) the call it last gave a clicker. */
function answeredKey({ actor, surface, channel }: ClaimNextInput): string {
  return `claim_next:${surface}:${channel}:${actor.id}`;
}

export async function claimNext(deps: ClaimNextDeps, input: ClaimNextInput): Promise<ClaimNextResult> {
  const { commands, directory, calls } = deps;
  const { actor, surface, channel } = input;
  const check = await directory.checkAgent(actor);
  if (!check.ok) return { status: 'not_agent', message: check.message };
  const { store, clock } = commands;
  const answered = await store.identities.get<string>(answeredKey(input), clock.now());
  const given = answered ? await store.episodes.get(answered) : null;
  if (given?.claimedBy && given.state !== 'resolved' && sameActor(given.claimedBy, actor)) {
    return { status: 'claimed', episode: given, post: await store.posts.get(given.id, surface, channel) };
  }
  const tried = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const candidates = (await calls.unclaimed(surface, channel, CANDIDATES))
      .filter((e) => !tried.has(e.id))
      .sort(workListOrder);
    if (candidates.length === 0) break;
    for (const candidate of candidates) {
      tried.add(candidate.id);
      const result = await runCommand(commands, candidate.id, {
        type: 'claim',
        actor,
        at: commands.clock.now(),
      });
      // 'refused' is a call another clicker took first. 'unchanged' is one this clicker holds already: a
      // double click whose clicks both read the list before either claim was saved, answered with the same
      // call (moving on gave one person two calls in a storm).
      const holder = result.status === 'unchanged' ? result.episode.claimedBy : null;
      if (
        result.status === 'accepted' ||
        (result.status === 'unchanged' && holder && sameActor(holder, actor))
      ) {
        await store.identities.put(answeredKey(input), candidate.id, clock.now() + DOUBLE_CLICK_MS);
        const post = await store.posts.get(candidate.id, surface, channel);
        return { status: 'claimed', episode: result.episode, post };
      }
    }
  }
  return { status: 'none_left' };
}
