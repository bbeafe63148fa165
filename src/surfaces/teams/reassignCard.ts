/**
 * The Teams card's "hand to…" control (`ringback.reassign`), as plain Adaptive Card JSON: an
 * `Input.ChoiceSet` of people and an `Action.Execute` with the public verb. Teams fills the choice set
 * with the team's members itself (its people picker: `choices.data` with the
 * `graph.microsoft.com/users?scope=currentContext` dataset, which submits the person's Entra object id);
 * the static choices are the people Ringback has seen on Teams (src/surfaces/teams/reassign.ts), what
 * clients without the people picker show.
 */
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

/** A submitted person: one id, as Teams or our static choices send it (the picker joins several with commas). */
export function parseReassignValue(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const value = raw.trim();
  if (value === '' || value.length > 200 || /[,\s]/.test(value)) return null;
  return value;
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
