import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { OUTCOMES } from '../../../src/domain/types.js';
import {
  type AdaptiveCardJson,
  type CardViewer,
  OUTCOME_INPUT_ID,
  REFRESH_VERB,
  teamsCard,
  withoutCallerData,
} from '../../../src/surfaces/teams/card.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

// The package's ESM entry does not load on Node 20; its UMD bundle does (reference/teams.md §8).
const AC = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js',
) as typeof AdaptiveCardsModule;

const NOW = T0 + 12 * 60_000;
const ZONE = 'Europe/Paris';

function render(ep: Episode, viewer: CardViewer, extra: { refreshUserIds?: string[]; notice?: string } = {}) {
  const details = {
    ...emptyDetails(),
    calls: [{ key: 'generic:twilio:CA1', at: T0, reason: 'no-answer', waitedSeconds: 45 }],
    rang: ['Ana', 'Ben'],
    voicemail: { url: 'https://files.example.com/vm/1.mp3', durationSeconds: 31, at: T0 },
    transcript: 'Bonjour, c’est Marie, merci de me rappeler au sujet de ma commande.',
  };
  const model = buildCardModel({
    episode: ep,
    details,
    timezone: ZONE,
    now: NOW,
    lineCountry: 'FR',
    claimDueAt: NOW + 3 * 60_000,
    zendeskBaseUrl: 'https://acme.zendesk.com',
  });
  return teamsCard(model, { viewer, timezone: ZONE, ...extra });
}

/** Parses with the Adaptive Cards SDK for a 1.5 host and returns every parse and validation message. */
function problems(json: AdaptiveCardJson): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const messages: string[] = [];
  for (let i = 0; i < context.eventCount; i++) messages.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) messages.push(event.message);
  return messages;
}

function parsed(json: AdaptiveCardJson) {
  const card = new AC.AdaptiveCard();
  card.parse(json, new AC.SerializationContext(AC.Versions.v1_5));
  const actions = Array.from({ length: card.getActionCount() }, (_, i) => card.getActionAt(i)).filter(
    (a): a is AdaptiveCardsModule.Action => a !== undefined,
  );
  const executes = actions.filter(
    (a): a is AdaptiveCardsModule.ExecuteAction => a instanceof AC.ExecuteAction,
  );
  return { card, actions, verbs: executes.map((a) => a.verb), executes };
}

function choiceSet(json: AdaptiveCardJson) {
  const body = json.body as { type: string; id?: string; choices?: { value: string }[] }[];
  return body.find((b) => b.type === 'Input.ChoiceSet');
}

const open = episode({ zendeskTicketId: 456 });
const claimed = episode({
  state: 'claimed',
  claimedBy: ana,
  claimedAt: T0 + 5 * 60_000,
  zendeskTicketId: 456,
});
const calling = episode({
  state: 'calling',
  claimedBy: ana,
  claimedAt: T0 + 5 * 60_000,
  attempts: 1,
  firstAttemptAt: T0 + 6 * 60_000,
  lastAttemptAt: T0 + 6 * 60_000,
});
const resolved = episode({
  state: 'resolved',
  claimedBy: ana,
  claimedAt: T0 + 5 * 60_000,
  attempts: 1,
  firstAttemptAt: T0 + 6 * 60_000,
  outcome: 'reached',
  resolvedAt: T0 + 10 * 60_000,
  resolvedBy: ana,
  zendeskTicketId: 456,
});

describe('the Teams card', () => {
  const cases: [string, Episode, CardViewer][] = [
    ['open', open, 'everyone'],
    ['claimed, as everyone sees it', claimed, 'everyone'],
    ['claimed, as its claimer sees it', claimed, 'claimer'],
    ['claimed, as a manager sees it', claimed, 'manager'],
    ['calling back, as its claimer sees it', calling, 'claimer'],
    ['resolved', resolved, 'everyone'],
    ['from a withheld number', episode({ caller: { number: null, name: null } }), 'everyone'],
  ];

  describe.each(cases)('when %s', (_name, ep, viewer) => {
    it('is an Adaptive Card 1.5 the Adaptive Cards SDK parses and validates without a single message', () => {
      const json = render(ep, viewer, { refreshUserIds: ['29:ana'], notice: 'Ben already has this call.' });
      expect(json.version).toBe('1.5');
      expect(problems(json)).toEqual([]);
    });

    it('carries the call id in the data of every Action.Execute', () => {
      const { executes, card } = parsed(render(ep, viewer, { refreshUserIds: ['29:ana'] }));
      for (const action of executes) expect(action.data).toMatchObject({ callId: ep.id });
      if (card.refresh?.action) expect(card.refresh.action.data).toMatchObject({ callId: ep.id });
    });
  });

  describe('when the call is open', () => {
    it('offers Claim, Call back and Resolve to everyone, with every outcome to choose from', () => {
      const json = render(open, 'everyone');
      expect(parsed(json).verbs).toEqual([ACTION_IDS.claim, ACTION_IDS.callback, ACTION_IDS.resolve]);
      expect(choiceSet(json)?.id).toBe(OUTCOME_INPUT_ID);
      expect(choiceSet(json)?.choices?.map((c) => c.value)).toEqual([...OUTCOMES]);
    });

    it('lets Claim and Call back ignore the outcome input, and Resolve send it', () => {
      const { executes } = parsed(render(open, 'everyone'));
      const byVerb = new Map(executes.map((a) => [a.verb, a.associatedInputs]));
      expect(byVerb.get(ACTION_IDS.claim)).toBe('none');
      expect(byVerb.get(ACTION_IDS.callback)).toBe('none');
      expect(byVerb.get(ACTION_IDS.resolve)).toBe('auto');
    });

    it('links the Zendesk ticket', () => {
      const { actions } = parsed(render(open, 'everyone'));
      const link = actions.find((a) => a instanceof AC.OpenUrlAction) as AdaptiveCardsModule.OpenUrlAction;
      expect(link.url).toBe('https://acme.zendesk.com/agent/tickets/456');
    });

    it('has no refresh: everyone sees the same controls', () => {
      expect(parsed(render(open, 'everyone')).card.refresh).toBeUndefined();
    });
  });

  describe('when the call is claimed', () => {
    it('shows everyone who has it, and no controls to move it on', () => {
      const json = render(claimed, 'everyone', { refreshUserIds: ['29:ana'] });
      expect(JSON.stringify(json.body)).toContain('Claimed by Ana at');
      expect(parsed(json).verbs).toEqual([]);
      expect(choiceSet(json)).toBeUndefined();
    });

    it('asks the claimer’s Teams client to fetch their own view', () => {
      const { card } = parsed(render(claimed, 'everyone', { refreshUserIds: ['29:ana', '29:ana'] }));
      expect(card.refresh?.action?.verb).toBe(REFRESH_VERB);
      expect(card.refresh?.userIds).toEqual(['29:ana']);
    });

    it('gives its claimer Call back, Release and Resolve', () => {
      expect(parsed(render(claimed, 'claimer')).verbs).toEqual([
        ACTION_IDS.callback,
        ACTION_IDS.release,
        ACTION_IDS.resolve,
      ]);
    });

    describe('on a client that cannot refresh cards (the local Agents Playground)', () => {
      it('keeps the claimer’s controls on everyone’s card, as Slack does', () => {
        const json = teamsCard(
          buildCardModel({ episode: claimed, details: emptyDetails(), timezone: ZONE, now: NOW }),
          { viewer: 'everyone', heldControlsForEveryone: true },
        );
        expect(parsed(json).verbs).toEqual([ACTION_IDS.callback, ACTION_IDS.release, ACTION_IDS.resolve]);
        expect(problems(json)).toEqual([]);
      });
    });

    it('gives a manager Release and Resolve', () => {
      expect(parsed(render(claimed, 'manager')).verbs).toEqual([ACTION_IDS.release, ACTION_IDS.resolve]);
    });
  });

  describe('when the claimer is calling back', () => {
    it('counts the attempt and keeps the claimer’s controls', () => {
      const json = render(calling, 'claimer');
      expect(JSON.stringify(json.body)).toContain('Calling back · attempt 1 by Ana');
      expect(parsed(json).verbs).toEqual([ACTION_IDS.callback, ACTION_IDS.release, ACTION_IDS.resolve]);
    });
  });

  describe('when the call is resolved', () => {
    it('shows the outcome, with nothing left to click but the ticket', () => {
      const json = render(resolved, 'claimer');
      expect(JSON.stringify(json.body)).toContain('Resolved by Ana · Reached the caller');
      const { verbs, actions, card } = parsed(json);
      expect(verbs).toEqual([]);
      expect(actions.map((a) => a.getJsonTypeName())).toEqual(['Action.OpenUrl']);
      expect(card.refresh).toBeUndefined();
    });
  });

  describe('when the caller withheld their number', () => {
    it('offers no Call back', () => {
      const json = render(episode({ caller: { number: null, name: null } }), 'everyone');
      expect(parsed(json).verbs).toEqual([ACTION_IDS.claim, ACTION_IDS.resolve]);
      expect(JSON.stringify(json.body)).toContain('Withheld');
    });
  });

  describe('a private notice', () => {
    it('is shown above the card to the one person it is for', () => {
      const json = render(claimed, 'everyone', { notice: 'Ana already has this call (since 10:37).' });
      const body = json.body as { text?: string }[];
      // Parentheses are escaped like every other Markdown character (issue 11, item 4).
      expect(body[1]?.text).toBe('Ana already has this call \\(since 10:37\\).');
    });
  });

  describe('names and numbers', () => {
    it('cannot turn into markdown', () => {
      const json = render(
        episode({ caller: { number: '+33176360695', name: 'Marie *Dupont* [VIP]' } }),
        'everyone',
      );
      expect(JSON.stringify(json.body)).toContain('Marie \\\\*Dupont\\\\* \\\\[VIP\\\\]');
    });

    it('a caller named like a Markdown link renders as the same characters, not a link', () => {
      const json = render(
        episode({ caller: { number: '+33176360695', name: '*[x](https://evil)*' } }),
        'everyone',
      );
      const title = (json.body as { text?: string }[])[0]?.text;
      expect(title).toBe('Missed call from \\*\\[x\\]\\(https://evil\\)\\*');
      const caller = factsOf(json).find((f) => f.title === 'Caller');
      expect(caller?.value).toBe('\\*\\[x\\]\\(https://evil\\)\\*');
    });

    it('headings, quotes, strike-through and tags in a name stay plain text', () => {
      const json = render(
        episode({ caller: { number: '+33176360695', name: '# Boss > ~~old~~ <at>Mia</at><b>x</b>' } }),
        'everyone',
      );
      const caller = factsOf(json).find((f) => f.title === 'Caller');
      // The tags used to be deleted ("Miax"); they are now shown as typed, as text (see escapeMarkdown).
      expect(caller?.value).toBe(
        '\\# Boss &gt; \\~\\~old\\~\\~ &lt;at&gt;Mia&lt;/at&gt;&lt;b&gt;x&lt;/b&gt;',
      );
    });
  });

  describe('the voicemail link', () => {
    it('is a link when it is https', () => {
      expect(cardTextOf(render(open, 'everyone'))).toContain('(https://files.example.com/vm/1.mp3)');
    });

    it('is not a link when it is not https', () => {
      for (const url of ['javascript:alert(1)', 'http://files.example.com/vm/1.mp3', 'data:text/html,x']) {
        const json = renderWith(open, { voicemail: { url, durationSeconds: 31, at: T0 } });
        const text = cardTextOf(json);
        expect(text).toContain('**Voicemail:** Voicemail \\(31s\\)');
        expect(text).not.toContain(url.slice(0, 10));
      }
    });
  });

  describe('for someone who is not an agent', () => {
    it('shows no caller name, number, voicemail or transcript, and no controls', () => {
      const details = {
        ...emptyDetails(),
        calls: [{ key: 'generic:twilio:CA1', at: T0, reason: 'no-answer', waitedSeconds: 45 }],
        voicemail: { url: 'https://files.example.com/vm/1.mp3', durationSeconds: 31, at: T0 },
        transcript: 'Bonjour, c’est Marie, rappelez-moi au 06 12 34 56 78.',
        requester: { id: 7, name: 'Marie Dupont' },
      };
      const model = buildCardModel({
        episode: episode({ caller: { number: '+33612345678', name: 'Marie Dupont' }, zendeskTicketId: 456 }),
        details,
        timezone: ZONE,
        now: NOW,
        lineCountry: 'FR',
        zendeskBaseUrl: 'https://acme.zendesk.com',
      });
      const json = teamsCard(withoutCallerData(model), { viewer: 'everyone', timezone: ZONE });
      const text = JSON.stringify(json);
      for (const secret of ['Marie', '06 12 34 56 78', '+33612345678', 'vm/1.mp3', 'Bonjour', 'tel:'])
        expect(text).not.toContain(secret);
      expect(json.actions).toBeUndefined();
      expect(problems(json)).toEqual([]);
    });
  });
});

function factsOf(json: AdaptiveCardJson): { title: string; value: string }[] {
  const body = json.body as { type: string; facts?: { title: string; value: string }[] }[];
  return body.find((b) => b.type === 'FactSet')?.facts ?? [];
}

function cardTextOf(json: AdaptiveCardJson): string {
  return (json.body as { text?: string }[]).map((b) => b.text ?? '').join('\n');
}

function renderWith(ep: Episode, extra: Partial<ReturnType<typeof emptyDetails>>): AdaptiveCardJson {
  const model = buildCardModel({
    episode: ep,
    details: { ...emptyDetails(), ...extra },
    timezone: ZONE,
    now: NOW,
    lineCountry: 'FR',
  });
  return teamsCard(model, { viewer: 'everyone', timezone: ZONE });
}
