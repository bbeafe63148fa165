/**
 * The callback controls each surface draws from the card model: Slack's "call back later" row and modals,
 * Teams' inputs and their ActionSets (valid for a 1.5 host), and the typed or picked times they send.
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { pickedSnoozeChoice, typedSnoozeChoice } from '../../../src/chat/snoozeChoice.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { cardBlocks } from '../../../src/surfaces/slack/blocks.js';
import {
  MODAL_INPUTS,
  modalMetadata,
  NUMBER_MODAL_ID,
  numberModal,
  parseModalMetadata,
  SNOOZE_MODAL_ID,
  snoozeModal,
} from '../../../src/surfaces/slack/callbackBlocks.js';
import { CALLBACK_INPUTS, withRequesterNumbers } from '../../../src/surfaces/teams/callbackInputs.js';
import { type AdaptiveCardJson, type CardViewer, teamsCard } from '../../../src/surfaces/teams/card.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { blockProblems } from '../../mocks/fakeSlack.js';

// The package's ESM entry does not load on Node 20; its UMD bundle does (reference/teams.md §8).
const AC = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js',
) as typeof AdaptiveCardsModule;

const ZONE = 'Europe/Paris';
const NOW = T0 + 5 * 60_000;

function model(ep: Episode) {
  return buildCardModel({
    episode: ep,
    details: emptyDetails(),
    timezone: ZONE,
    now: NOW,
    lineCountry: 'FR',
  });
}

const open = episode({});
const withheld = episode({ caller: { number: null, name: null } });
const held = episode({ state: 'claimed', claimedBy: ana, claimedAt: T0 });
const resolved = episode({ state: 'resolved', outcome: 'reached', resolvedAt: NOW, resolvedBy: ana });

function laterRow(ep: Episode) {
  return cardBlocks(model(ep)).find((b) => b.block_id === `ringback.later:${ep.id}`) as
    | { elements: { action_id: string; options?: { value: string; text: { text: string } }[] }[] }
    | undefined;
}

describe('the Slack card’s call back later row', () => {
  it('offers the presets, "Pick a time…" and another number on an open call', () => {
    const row = laterRow(open);
    expect(row?.elements.map((e) => e.action_id)).toEqual([ACTION_IDS.snooze, ACTION_IDS.callbackNumber]);
    expect(row?.elements[0]?.options?.map((o) => o.text.text)).toEqual([
      'In 30 minutes',
      'In 1 hour',
      'In 2 hours',
      'Tomorrow morning',
      'Pick a time…',
    ]);
    expect(blockProblems(cardBlocks(model(open)))).toEqual([]);
  });

  it('offers no snooze for a withheld number, which says no call back is possible, only another number', () => {
    const m = model(withheld);
    expect(m.callbackLines).toContain('The number is withheld: no call back is possible');
    expect(m.outcomes.map((o) => o.code)).toEqual(['reached', 'not_needed']);
    expect(laterRow(withheld)?.elements.map((e) => e.action_id)).toEqual([ACTION_IDS.callbackNumber]);
  });

  it('is gone once the call is resolved', () => {
    expect(laterRow(resolved)).toBeUndefined();
  });
});

describe('the Slack modals', () => {
  const origin = { episodeId: open.id, channel: 'C0123456789', messageTs: '1700000000.000100' };

  it('carries the call and its card through private_metadata', () => {
    expect(parseModalMetadata(modalMetadata(origin))).toEqual(origin);
    expect(parseModalMetadata('not json')).toBeNull();
    expect(parseModalMetadata('{"e":1}')).toBeNull();
  });

  it('asks for a day and a time in the line’s zone, starting at the next half hour after 30 minutes', () => {
    // 17:10 in Paris → 17:40 → 18:00.
    const now = DateTime.fromISO('2026-11-20T17:10', { zone: ZONE }).toMillis();
    const view = snoozeModal({ origin, callerWords: 'Marie', zone: ZONE, now });
    expect(view.callback_id).toBe(SNOOZE_MODAL_ID);
    const elements = view.blocks.map((b) => (b as { element?: Record<string, unknown> }).element);
    expect(elements).toContainEqual(
      expect.objectContaining({
        type: 'datepicker',
        action_id: MODAL_INPUTS.date,
        initial_date: '2026-11-20',
      }),
    );
    expect(elements).toContainEqual(
      expect.objectContaining({ type: 'timepicker', initial_time: '18:00', timezone: ZONE }),
    );
    expect(blockProblems(view.blocks)).toEqual([]);
  });

  it('offers the requester’s numbers under the typed one, the typed one then optional', () => {
    const numbers = [
      { e164: '+33144556677', display: '01 44 55 66 77', primary: true },
      { e164: '+447700900123', display: '+44 7700 900123', primary: false },
    ];
    const view = numberModal({ origin, callerWords: 'Marie', numbers });
    expect(view.callback_id).toBe(NUMBER_MODAL_ID);
    const typed = view.blocks.find((b) => b.block_id === MODAL_INPUTS.typedNumber) as { optional?: boolean };
    expect(typed.optional).toBe(true);
    const picker = view.blocks.find((b) => b.block_id === MODAL_INPUTS.requesterNumber) as {
      element: { options: { text: { text: string }; value: string }[] };
    };
    expect(picker.element.options).toEqual([
      expect.objectContaining({
        text: expect.objectContaining({ text: '01 44 55 66 77 (primary)' }),
        value: '+33144556677',
      }),
      expect.objectContaining({ value: '+447700900123' }),
    ]);
    const alone = numberModal({ origin, callerWords: 'Marie', numbers: [] });
    expect(alone.blocks.map((b) => b.block_id)).not.toContain(MODAL_INPUTS.requesterNumber);
    expect(
      (alone.blocks.find((b) => b.block_id === MODAL_INPUTS.typedNumber) as { optional?: boolean }).optional,
    ).toBe(false);
  });
});

function teams(ep: Episode, viewer: CardViewer): AdaptiveCardJson {
  return teamsCard(model(ep), { viewer, timezone: ZONE });
}

function problems(json: AdaptiveCardJson): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const messages: string[] = [];
  for (let i = 0; i < context.eventCount; i++) messages.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) messages.push(event.message);
  return messages;
}

function inputIds(json: AdaptiveCardJson): string[] {
  return (json.body as { id?: string; type: string }[])
    .filter((b) => b.type.startsWith('Input.'))
    .map((b) => b.id ?? '');
}

function bodyVerbs(json: AdaptiveCardJson): string[] {
  return (json.body as { type: string; actions?: { verb: string }[] }[])
    .filter((b) => b.type === 'ActionSet')
    .flatMap((b) => b.actions?.map((a) => a.verb) ?? []);
}

describe('the Teams card’s callback inputs', () => {
  it('gives whoever may act the presets, a time, another number, each with its Execute', () => {
    const card = teams(held, 'claimer');
    expect(inputIds(card)).toEqual(
      expect.arrayContaining([
        CALLBACK_INPUTS.snoozeChoice,
        CALLBACK_INPUTS.snoozeAt,
        CALLBACK_INPUTS.typedNumber,
      ]),
    );
    expect(bodyVerbs(card)).toEqual([ACTION_IDS.snooze, ACTION_IDS.callbackNumber]);
    expect(problems(card)).toEqual([]);
  });

  it('shows them to nobody else while the call is held, and to nobody once it is resolved', () => {
    expect(bodyVerbs(teams(held, 'everyone'))).toEqual([]);
    expect(bodyVerbs(teams(resolved, 'everyone'))).toEqual([]);
  });

  it('offers only another number for a withheld caller', () => {
    expect(bodyVerbs(teams(withheld, 'everyone'))).toEqual([ACTION_IDS.callbackNumber]);
  });

  it('adds the requester’s numbers under the number input, still a valid card', () => {
    const card = withRequesterNumbers(teams(held, 'claimer'), [
      { e164: '+33144556677', display: '01 44 55 66 77', primary: false },
    ]);
    const ids = inputIds(card);
    expect(ids.indexOf(CALLBACK_INPUTS.requesterNumber)).toBe(ids.indexOf(CALLBACK_INPUTS.typedNumber) + 1);
    expect(problems(card)).toEqual([]);
    expect(withRequesterNumbers(teams(resolved, 'everyone'), [])).toEqual(teams(resolved, 'everyone'));
  });
});

describe('typed and picked times', () => {
  // Friday 20 Nov 2026, 17:10 in Paris.
  const now = DateTime.fromISO('2026-11-20T17:10', { zone: ZONE }).toMillis();
  const typed = (text: string) => typedSnoozeChoice(text, { zone: ZONE, now });

  it('reads a clock time as its next occurrence in the line’s zone', () => {
    expect(typed('17:45')).toBe('2026-11-20T17:45');
    expect(typed('9h30')).toBe('2026-11-21T09:30');
    expect(typed('17:10')).toBe('2026-11-21T17:10');
  });

  it('reads a time in the hour the clocks go back as its second coming when the first has passed', () => {
    // 25 Oct 2026 in Paris: 02:00–03:00 happens at +02:00, then again at +01:00.
    const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
    const firstComing = { zone: ZONE, now: at('2026-10-25T02:45+02:00') };
    expect(typedSnoozeChoice('02:30', firstComing)).toBe('2026-10-25T02:30+01:00');
    expect(typedSnoozeChoice('02:50', firstComing)).toBe('2026-10-25T02:50+02:00');
    expect(typedSnoozeChoice('04:00', firstComing)).toBe('2026-10-25T04:00');
    expect(typedSnoozeChoice('02:30', { zone: ZONE, now: at('2026-10-25T02:45+01:00') })).toBe(
      '2026-10-26T02:30',
    );
  });

  it('passes presets and ISO times on, and a date with a space as ISO', () => {
    expect(typed(' Tomorrow ')).toBe('tomorrow');
    expect(typed('2026-11-23 9:05')).toBe('2026-11-23T09:05');
    expect(typed('2026-11-23T09:05')).toBe('2026-11-23T09:05');
  });

  it('leaves anything else as typed, for the refusal to quote', () => {
    expect(typed('25:00')).toBe('25:00');
    expect(typed('soon')).toBe('soon');
  });

  it('joins a picked day and time', () => {
    expect(pickedSnoozeChoice('2026-11-23', '10:15')).toBe('2026-11-23T10:15');
  });
});
