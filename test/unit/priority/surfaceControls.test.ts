/**
 * The surface round of issue 15, pure parts: where a high call's card goes on each surface, the reassign
 * controls of the Slack and Teams cards, and how Slack reaches a person it knows only by e-mail.
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { cardChannelsFor, cardPostChannels, surfaceHasCards } from '../../../src/chat/cardChannels.js';
import { parseRouting } from '../../../src/config/load.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { cardBlocks } from '../../../src/surfaces/slack/blocks.js';
import { slackRecipientOf } from '../../../src/surfaces/slack/peopleByEmail.js';
import { type AdaptiveCardJson, type CardViewer, teamsCard } from '../../../src/surfaces/teams/card.js';
import {
  REASSIGN_INPUT_ID,
  readReassignValue,
  TEAM_MEMBERS_DATASET,
} from '../../../src/surfaces/teams/reassignCard.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';
import { blockProblems } from '../../mocks/fakeSlack.js';

// The package's ESM entry does not load on Node 20; its UMD bundle does (reference/teams.md §8).
const AC = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js',
) as typeof AdaptiveCardsModule;

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { genericLine: fr }
    slack: { channel: C0123456789 }
    teams: { channel: "19:line@thread.tacv2" }
  - name: Slack only
    match: "*"
    slack: { channel: C0SLACKONLY }
priority:
  - name: VIP
    when: { zendeskTag: vip }
    level: high
    slack: { channel: C0VIP00000 }
    teams: { channel: "19:vip@thread.tacv2" }
  - { name: Same channel, when: { organization: Acme }, level: high, slack: { channel: C0123456789 } }
  - { when: { callbackRequested: true }, level: high }
`,
  'test',
);

function surface(name: 'slack' | 'teams', config: RoutingConfig = routing) {
  return {
    name,
    channelsFor: (line: string) => {
      const channel = config.lines.find((l) => l.name === line)?.[name]?.channel;
      return channel ? [channel] : [];
    },
  };
}

const slack = surface('slack');
const teams = surface('teams');
const high = (rule: string, extra: Partial<Episode> = {}) =>
  episode({ priority: 'high', priorityRule: rule, ...extra });
const opened: DomainEvent[] = [{ type: 'opened', at: T0, providerCallKey: 'test:1' }];
const turnedHigh: DomainEvent[] = [
  { type: 'priority_set', at: T0, level: 'high', previous: 'normal', rule: 'VIP', because: 'tagged vip' },
];

describe('the channels of a card', () => {
  it('keeps a normal call in its line’s channels', () => {
    expect(cardChannelsFor(slack, routing, episode())).toEqual(['C0123456789']);
    expect(cardChannelsFor(teams, routing, episode())).toEqual(['19:line@thread.tacv2']);
  });

  it('adds the high rule’s channel on each surface, as well as the line’s', () => {
    expect(cardChannelsFor(slack, routing, high('VIP'))).toEqual(['C0123456789', 'C0VIP00000']);
    expect(cardChannelsFor(teams, routing, high('VIP'))).toEqual([
      '19:line@thread.tacv2',
      '19:vip@thread.tacv2',
    ]);
  });

  it('adds nothing for a rule without a channel, a rule naming the line’s own channel, or a normal call', () => {
    expect(cardChannelsFor(slack, routing, high('#3'))).toEqual(['C0123456789']);
    expect(cardChannelsFor(slack, routing, high('Same channel'))).toEqual(['C0123456789']);
    expect(cardChannelsFor(slack, routing, episode({ priorityRule: 'VIP' }))).toEqual(['C0123456789']);
  });

  it('posts everywhere when the card is first posted, and only the new copy when the call turns high', () => {
    expect(cardPostChannels(slack, routing, high('VIP'), opened)).toEqual(['C0123456789', 'C0VIP00000']);
    expect(cardPostChannels(slack, routing, high('VIP'), turnedHigh)).toEqual(['C0VIP00000']);
    expect(cardPostChannels(teams, routing, high('VIP'), turnedHigh)).toEqual(['19:vip@thread.tacv2']);
    expect(cardPostChannels(slack, routing, high('#3'), turnedHigh)).toEqual([]);
    const released: DomainEvent[] = [{ type: 'card_released', at: T0 }];
    expect(cardPostChannels(slack, routing, high('VIP'), released)).toEqual(['C0123456789', 'C0VIP00000']);
  });

  it('counts a surface that only a priority rule names as one with cards', () => {
    const onlyRule = parseRouting(
      `
lines: [{ name: Support FR, match: "*", slack: { channel: C0123456789 } }]
priority: [{ when: { zendeskTag: vip }, level: high, teams: { channel: "19:vip@thread.tacv2" } }]
`,
      'test',
    );
    expect(surfaceHasCards(surface('teams', onlyRule), onlyRule)).toBe(true);
    const none = parseRouting('lines: [{ name: A, match: "*", slack: { channel: C0123456789 } }]', 't');
    expect(surfaceHasCards(surface('teams', none), none)).toBe(false);
  });
});

function model(ep: Episode) {
  return buildCardModel({ episode: ep, details: emptyDetails(), timezone: 'Europe/Paris', now: T0 + 60_000 });
}

const claimed = episode({ state: 'claimed', claimedBy: ana, claimedAt: T0 + 30_000 });

describe('the Slack card’s reassign picker', () => {
  function actionsOf(ep: Episode) {
    const row = cardBlocks(model(ep)).find((b) => b.type === 'actions') as
      | { elements: { type: string; action_id?: string; value?: string }[] }
      | undefined;
    return row?.elements ?? [];
  }

  it('offers a users_select with the public id on a held call, valid Block Kit', () => {
    const picker = actionsOf(claimed).find((e) => e.action_id === ACTION_IDS.reassign);
    expect(picker).toMatchObject({
      type: 'users_select',
      placeholder: { type: 'plain_text', text: 'Hand to…' },
    });
    expect(picker?.value).toBeUndefined();
    expect(blockProblems(cardBlocks(model(claimed)))).toEqual([]);
    const calling = episode({ state: 'calling', claimedBy: ana, claimedAt: T0, attempts: 1 });
    expect(actionsOf(calling).some((e) => e.action_id === ACTION_IDS.reassign)).toBe(true);
  });

  it('offers none on an open or a resolved call', () => {
    expect(actionsOf(episode()).some((e) => e.action_id === ACTION_IDS.reassign)).toBe(false);
    const resolved = episode({ state: 'resolved', outcome: 'reached', resolvedAt: T0 + 60_000 });
    expect(actionsOf(resolved).some((e) => e.action_id === ACTION_IDS.reassign)).toBe(false);
  });
});

describe('the Teams card’s Hand over control', () => {
  const offer = { choices: [{ title: 'Ben Okafor', value: 'aad-ben' }] };
  const render = (ep: Episode, viewer: CardViewer, withOffer = true) =>
    teamsCard(model(ep), { viewer, ...(withOffer ? { reassign: offer } : {}) });
  const peopleInput = (card: AdaptiveCardJson) =>
    (card.body as Record<string, unknown>[]).find((b) => b.id === REASSIGN_INPUT_ID);
  const verbs = (card: AdaptiveCardJson) =>
    ((card.actions as { verb?: string }[] | undefined) ?? []).map((a) => a.verb);

  it('gives the claimer and a manager a people choice of the team plus the people Ringback knows', () => {
    for (const viewer of ['claimer', 'manager'] as const) {
      const card = render(claimed, viewer);
      expect(peopleInput(card)).toEqual({
        type: 'Input.ChoiceSet',
        id: REASSIGN_INPUT_ID,
        label: 'Hand to',
        style: 'compact',
        placeholder: 'Choose a person…',
        choices: [{ title: 'Ben Okafor', value: 'aad-ben' }],
        'choices.data': { type: 'Data.Query', dataset: TEAM_MEMBERS_DATASET },
      });
      const execute = (card.actions as Record<string, unknown>[]).find((a) => a.verb === ACTION_IDS.reassign);
      expect(execute).toEqual({
        type: 'Action.Execute',
        title: 'Hand over',
        verb: ACTION_IDS.reassign,
        data: { callId: 'ep-1' },
        associatedInputs: 'auto',
      });
    }
  });

  it('gives everyone else, an open call and a card without people nothing to hand over', () => {
    expect(peopleInput(render(claimed, 'everyone'))).toBeUndefined();
    expect(verbs(render(episode(), 'everyone'))).not.toContain(ACTION_IDS.reassign);
    expect(verbs(render(claimed, 'claimer', false))).not.toContain(ACTION_IDS.reassign);
  });

  it('parses in the Adaptive Cards SDK; the only remark is that the people picker is newer than 1.5', () => {
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    card.parse(render(claimed, 'claimer'), context);
    const messages: string[] = [];
    for (let i = 0; i < context.eventCount; i++) messages.push(context.getEventAt(i).message);
    for (const event of card.validateProperties().validationEvents) messages.push(event.message);
    // Hosts that do not know `choices.data` ignore it and show the static choices.
    expect(messages).toEqual([
      'Property "choices.data" is supported in version 1.6, but you are using version 1.5.',
    ]);
  });

  it('reads one chosen person, never a list; a blank is nobody chosen, anything else is named', () => {
    expect(readReassignValue(' aad-ben ')).toEqual({ ok: true, value: 'aad-ben' });
    expect(readReassignValue('')).toEqual({ ok: true, value: null });
    expect(readReassignValue(undefined)).toEqual({ ok: true, value: null });
    expect(readReassignValue('aad-ben,aad-ana')).toEqual({
      ok: false,
      issue: expect.stringContaining('data.reassignTo: one person only'),
    });
    expect(readReassignValue(42)).toEqual({ ok: false, issue: expect.stringContaining('data.reassignTo') });
    expect(readReassignValue('x'.repeat(201))).toEqual({
      ok: false,
      issue: expect.stringContaining('data.reassignTo'),
    });
  });
});

describe('Slack recipients of a private message', () => {
  const person = (over: Partial<Actor>): Actor => ({
    id: 'agent:ben@example.com',
    name: 'Ben',
    email: 'Ben@Example.com',
    surface: 'system',
    ...over,
  });

  it('uses the Slack user id when the person clicked in Slack, else their e-mail', () => {
    expect(slackRecipientOf(person({ id: 'slack:UBEN000001', surface: 'slack' }))).toBe('UBEN000001');
    expect(slackRecipientOf(person({}))).toBe('ben@example.com');
    expect(slackRecipientOf(person({ id: 'teams:aad-ben', surface: 'teams' }))).toBe('ben@example.com');
  });

  it('cannot reach someone with neither', () => {
    expect(slackRecipientOf(person({ email: null }))).toBeNull();
    expect(slackRecipientOf(person({ email: 'not an address' }))).toBeNull();
  });
});
