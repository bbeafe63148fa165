/** What issue 15's events cause (the reactions rows) and what the card says of them (model and renderers). */
import { describe, expect, it } from 'vitest';
import { type Intent, react } from '../../../src/app/reactions.js';
import { parseRouting } from '../../../src/config/load.js';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { cardBlocks } from '../../../src/surfaces/slack/blocks.js';
import { teamsCard, withoutCallerData } from '../../../src/surfaces/teams/card.js';
import { ana, ben, episode, T0 } from '../../helpers/episodes.js';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Night
    match: { genericLine: night }
    businessHours: { mon-fri: "09:00-18:00" }
    outOfHours: { mode: hold }
  - { name: Support FR, match: "*", slack: { channel: C0123456789 } }
priority:
  - { name: VIP, when: { zendeskTag: vip }, level: high, slack: { channel: C0VIP00000 }, mention: "@here" }
  - { when: { callbackRequested: true }, level: high }
`,
  'test',
);

function reactTo(events: DomainEvent[], after: Partial<Episode> = {}): Intent[] {
  return react({ episode: episode(after), previous: episode(), events }, routing);
}

const kinds = (intents: Intent[]) => intents.map((i) => i.kind);
const benAsAgent: Actor = {
  id: 'agent:ben@example.com',
  name: ben.name,
  email: ben.email,
  surface: 'system',
};

describe('reactions of issue 15', () => {
  it('posts a newly high call (to the rule channel) and mentions the rule’s people', () => {
    const raised: DomainEvent = {
      type: 'priority_set',
      at: T0,
      level: 'high',
      previous: 'normal',
      rule: 'VIP',
      because: 'tagged vip',
    };
    const intents = reactTo([raised], { priority: 'high', priorityRule: 'VIP' });
    expect(kinds(intents)).toEqual(['card.post', 'thread.mention', 'card.refresh', 'thread.timeline']);
    expect(intents).toContainEqual({
      kind: 'thread.mention',
      mention: '@here',
      text: 'High priority: tagged vip',
    });
    // A rule without a mention, and a move back to normal, only refresh.
    const other = reactTo([{ ...raised, rule: '#2' }], { priority: 'high', priorityRule: '#2' });
    expect(kinds(other)).toEqual(['card.post', 'card.refresh', 'thread.timeline']);
    const lowered = reactTo([{ ...raised, level: 'normal', previous: 'high', rule: null }]);
    expect(kinds(lowered)).toEqual(['card.refresh', 'thread.timeline']);
  });

  it('keeps a held card held when its call turns high', () => {
    const saturday = Date.parse('2026-11-21T10:00:00Z');
    const intents = react(
      {
        episode: episode({ line: 'Night', missedAt: saturday, priority: 'high', priorityRule: '#2' }),
        previous: episode({ line: 'Night', missedAt: saturday }),
        events: [
          {
            type: 'priority_set',
            at: saturday,
            level: 'high',
            previous: 'normal',
            rule: '#2',
            because: null,
          },
        ],
      },
      routing,
    );
    expect(kinds(intents)).not.toContain('card.post');
  });

  it('tells the agent a call was claimed for, besides what any claim causes', () => {
    const claimed: DomainEvent = { type: 'claimed', actor: benAsAgent, at: T0, implicit: false, auto: true };
    const intents = reactTo([claimed], {
      state: 'claimed',
      claimedBy: benAsAgent,
      caller: { number: '+33612345678', name: 'Marie <b>' },
      suggestedOwner: {
        name: ben.name,
        email: ben.email,
        why: 'spoke with this caller on 1 Dec',
        source: 'lastAgent',
        autoClaimed: true,
      },
    });
    expect(kinds(intents)).toEqual([
      'ticket.assign',
      'timer.reminder',
      'provider.note',
      'person.tell',
      'card.refresh',
      'thread.timeline',
    ]);
    expect(intents).toContainEqual({
      kind: 'person.tell',
      to: [benAsAgent],
      text: 'Ringback gave you the missed call from Marie <b> on Support FR (spoke with this caller on 1 Dec). Release it on the card if you cannot take it.',
    });
  });

  it('answers "what does a reassign cause": assignee, reminder, provider note, both people told', () => {
    const chloe: Actor = {
      id: 'slack:UCHLOE01',
      name: 'Chloé',
      email: 'chloe@example.com',
      surface: 'slack',
    };
    const byManager: DomainEvent = { type: 'reassigned', actor: chloe, at: T0, from: ana, to: ben };
    const intents = reactTo([byManager], { state: 'claimed', claimedBy: ben });
    expect(kinds(intents)).toEqual([
      'ticket.assign',
      'timer.reminder',
      'provider.note',
      'person.tell',
      'person.tell',
      'card.refresh',
      'thread.timeline',
    ]);
    const told = intents.filter((i) => i.kind === 'person.tell');
    expect(told.map((i) => (i.kind === 'person.tell' ? i.to : []))).toEqual([[ben], [ana]]);
    // Handed over by its own claimer: they know, only the new owner is told.
    const byClaimer = reactTo([{ ...byManager, actor: ana }], { state: 'claimed', claimedBy: ben });
    expect(kinds(byClaimer).filter((k) => k === 'person.tell')).toHaveLength(1);
    // The same person on another surface (claimed in Slack, handed over from Teams): told nothing either.
    const anaOnTeams: Actor = { ...ana, id: 'teams:ana-aad-id', surface: 'teams' };
    const acrossSurfaces = reactTo([{ ...byManager, actor: anaOnTeams }], {
      state: 'claimed',
      claimedBy: ben,
    });
    expect(kinds(acrossSurfaces).filter((k) => k === 'person.tell')).toHaveLength(1);
  });

  it('tells nobody "you were handed" a call someone took for themselves, and writes the number for people', () => {
    const mia: Actor = { id: 'slack:UMIA0001', name: 'Mia', email: 'mia@example.com', surface: 'slack' };
    const miaByMail: Actor = { ...mia, id: 'agent:mia@example.com', surface: 'system' };
    const toHerself: DomainEvent = { type: 'reassigned', actor: mia, at: T0, from: ana, to: miaByMail };
    const intents = reactTo([toHerself], {
      state: 'claimed',
      claimedBy: miaByMail,
      caller: { number: '+33611223355', name: null },
    });
    const told = intents.filter((i) => i.kind === 'person.tell');
    expect(told).toEqual([
      {
        kind: 'person.tell',
        to: [ana],
        text: 'Mia handed the missed call from +33 6 11 22 33 55 on Support FR to Mia.',
      },
    ]);
  });

  it('evaluates triage again when a pre-brief or a first callback request arrives, and only then', () => {
    expect(kinds(reactTo([{ type: 'details_changed', at: T0, fields: ['prebrief'] }]))).toContain(
      'triage.evaluate',
    );
    expect(kinds(reactTo([{ type: 'details_changed', at: T0, fields: ['repeat'] }]))).not.toContain(
      'triage.evaluate',
    );
    const request = { type: 'callback_request_noted', at: T0, number: null, autoCallback: null } as const;
    expect(kinds(reactTo([{ ...request, first: true }]))).toContain('triage.evaluate');
    expect(kinds(reactTo([{ ...request, first: false }]))).not.toContain('triage.evaluate');
  });
});

describe('the card of a high, suggested call with a pre-brief', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  const details = {
    ...emptyDetails(),
    prebrief: {
      fetchedAt: now,
      organization: 'Acme *bold* <script>',
      tags: ['vip', 'secret-internal'],
      openTickets: {
        count: 2,
        highestPriority: 'urgent',
        latest: { id: 77, subject: 'Refund _now_', priority: 'urgent' },
      },
      lastContact: { at: now - 86_400_000, channel: 'email', agent: 'Ben' },
      timeZone: 'Asia/Tokyo',
      assignee: null,
    },
    repeat: { callsThisWeek: 3 },
  };
  const high = episode({
    priority: 'high',
    priorityRule: 'VIP',
    suggestedOwner: {
      name: 'Ben <Martin>',
      email: 'ben@example.com',
      why: 'spoke with this caller on 1 Dec',
      source: 'lastAgent',
      autoClaimed: false,
    },
  });
  const model = buildCardModel({
    episode: high,
    details,
    timezone: 'Europe/Paris',
    now,
    zendeskBaseUrl: 'https://acme.zendesk.com/',
    showTags: ['VIP'],
  });

  it('says the priority, the suggestion and the pre-brief in words, showing only the chosen tags', () => {
    expect(model.priorityText).toBe('High priority · VIP');
    expect(model.suggestionText).toBe('Suggested: Ben <Martin> · spoke with this caller on 1 Dec');
    expect(model.prebriefLines).toEqual([
      'Organization: Acme *bold* <script>',
      'Tags: vip',
      '2 open tickets · latest #77 “Refund _now_” (urgent)',
      'Last contact 1 Dec by email with Ben',
      'Caller’s local time 19:00 (Asia/Tokyo)',
      '3rd call in 7 days',
    ]);
    expect(model.prebriefTicket).toEqual({
      id: 77,
      url: 'https://acme.zendesk.com/agent/tickets/77',
      subject: 'Refund _now_',
    });
  });

  it('drops the suggestion once the call is with them, and everything once resolved', () => {
    const withBen = buildCardModel({
      episode: { ...high, state: 'claimed', claimedBy: { ...ana, name: 'Ben', email: 'BEN@example.com' } },
      details,
      timezone: 'Europe/Paris',
      now,
    });
    expect(withBen.suggestionText).toBe('Suggested owner · spoke with this caller on 1 Dec');
    const resolved = buildCardModel({
      episode: { ...high, state: 'resolved' },
      details,
      timezone: 'Europe/Paris',
      now,
    });
    expect(resolved.priorityText).toBeNull();
    expect(resolved.suggestionText).toBeNull();
  });

  it('is escaped by both renderers, and hidden from people who are not agents on Teams', () => {
    const slack = JSON.stringify(cardBlocks(model));
    expect(slack).toContain('Organization: Acme *bold* &lt;script&gt;');
    expect(slack).not.toContain('<script>');
    const teams = JSON.stringify(teamsCard(model, { viewer: 'everyone' }));
    expect(teams).toContain('Before you call back');
    expect(teams).not.toContain('Acme *bold*');
    const hidden = JSON.stringify(teamsCard(withoutCallerData(model), { viewer: 'everyone' }));
    expect(hidden).not.toContain('Acme');
    expect(hidden).not.toContain('Refund');
  });
});
