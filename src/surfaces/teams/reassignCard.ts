/**
 * The Teams card's "hand to…" control (`ringback.reassign`), as plain Adaptive Card JSON: an
 * `Input.ChoiceSet` of people and an `Action.Execute` with the public verb. Teams fills the choice set
 * with the team's members itself (its people picker: `choices.data` with the
 * `graph.microsoft.com/users?scope=currentContext` dataset, which submits the person's Entra object id);
 * the static choices are the people Ringback has seen on Teams (src/surfaces/teams/reassign.ts), what
 * clients without the people picker show.
 */
import { z } from 'zod';
import { ACTION_IDS } from '../../domain/actions.js';

/** The id of the people input; Teams merges its value into the Execute action's data. */
export const REASSIGN_INPUT_ID = 'reassignTo';
/** The people picker's dataset: the members of the conversation the card is in (its team). */
export const TEAM_MEMBERS_DATASET = 'graph.microsoft.com/users?scope=currentContext';
/** Enough to find a colleague in a list; the people picker searches the whole team anyway. */
export const MAX_REASSIGN_CHOICES = 50;

export const CHOOSE_SOMEONE = 'Choose a person, then press Hand over.';
export const UNKNOWN_PERSON = 'Ringback cannot find that person in this team, so the call stays where it is.';

export interface ReassignChoice {
  title: string;
  /** The person's key in store.teams (their Entra object id when known, else their Teams id). */
  value: string;
}

/** The reassign part of a card, for TeamsCardOptions: present when the viewer may hand the call over. */
export interface ReassignOffer {
  choices: ReassignChoice[];
}

/** One person's id, as Teams or our static choices send it (the picker joins several with commas). */
const reassignValue = z
  .string()
  .trim()
  .max(200)
  .regex(/^[^,\s]*$/, 'one person only, not several joined by commas or spaces');

/**
 * A submitted person: their id, null when nobody was chosen, or what is wrong with the value named by its
 * field (`data.reassignTo: …`), so a card that sends something else can be told apart from an empty choice.
 */
export function readReassignValue(
  raw: unknown,
): { ok: true; value: string | null } | { ok: false; issue: string } {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  const parsed = reassignValue.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      issue: `data.${REASSIGN_INPUT_ID}: ${parsed.error.issues[0]?.message ?? 'unreadable'}`,
    };
  return { ok: true, value: parsed.data === '' ? null : parsed.data };
}

/** What a clicker whose Hand over sent an unreadable person is told on their card. */
export function unreadablePerson(issue: string): string {
  return `Ringback cannot read the person chosen (${issue}). Choose one person, then press Hand over.`;
}

/** The people input and the Hand over button of a card, when the viewer may hand the call over. */
export function reassignCardParts(
  offer: ReassignOffer | undefined,
  offered: boolean,
  callId: string,
): { inputs: Record<string, unknown>[]; actions: Record<string, unknown>[] } {
  if (!offer || !offered) return { inputs: [], actions: [] };
  return {
    inputs: [
      {
        type: 'Input.ChoiceSet',
        id: REASSIGN_INPUT_ID,
        label: 'Hand to',
        style: 'compact',
        placeholder: 'Choose a person…',
        choices: offer.choices.map((c) => ({ title: c.title, value: c.value })),
        'choices.data': { type: 'Data.Query', dataset: TEAM_MEMBERS_DATASET },
      },
    ],
    actions: [
      {
        type: 'Action.Execute',
        title: 'Hand over',
        verb: ACTION_IDS.reassign,
        data: { callId },
        associatedInputs: 'auto',
      },
    ],
  };
}
