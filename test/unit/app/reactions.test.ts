/** The reactions table: what each domain event causes, as neutral intents. */
import { describe, expect, it } from 'vitest';
import { type Intent, react } from '../../../src/app/reactions.js';
import { parseRouting } from '../../../src/config/load.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import type { Episode } from '../../../src/domain/types.js';
import { ana, ben, episode, T0 } from '../../helpers/episodes.js';

const routing = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
zendesk:
  sideConversation: { to: { email: callbacks@example.com }, closeOnResolve: true }
aircall: { tagsOnResolve: [ringback_done] }
`,
  'test',
);

const heldRouting = parseRouting(
  `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
    businessHours: { mon-fri: "09:00-18:00" }
    outOfHours: { mode: hold }
`,
  'test',
);

function kinds(intents: Intent[]): string[] {
  return intents.map((intent) => intent.kind);
}

function reactTo(events: DomainEvent[], after: Partial<Episode> = {}, r = routing): Intent[] {
  const current = episode(after);
  return react({ episode: current, previous: episode(), events }, r);
}

describe('the reactions table', () => {
  it('posts the card, opens a ticket and arms the claim ladder when a missed call opens an episode', () => {
    const intents = reactTo([{ type: 'opened', at: T0, providerCallKey: 'aircall:1' }]);
    expect(kinds(intents)).toEqual([
      'card.post',
      'ticket.ensure',
      'timer.claimLadder',
      'triage.evaluate',
      'thread.timeline',
    ]);
    expect(intents).toContainEqual({ kind: 'timer.claimLadder', anchor: T0 });
  });

  it('holds the card of a call missed while a hold line is closed, and arms its release at the opening', () => {
    const saturday = Date.parse('2026-11-21T10:00:00Z');
    const intents = reactTo(
      [{ type: 'opened', at: saturday, providerCallKey: 'aircall:1' }],
      { missedAt: saturday, lastCallAt: saturday },
      heldRouting,
    );
    expect(kinds(intents)).not.toContain('card.post');
    expect(intents).toContainEqual({
      kind: 'timer.holdUntilOpening',
      opening: Date.parse('2026-11-23T08:00:00Z'),
    });
  });

  it('answers "what does a claim cause": assignee, reminder, provider note, card refresh and thread line', () => {
    const claimed: DomainEvent = { type: 'claimed', actor: ana, at: T0 + 60_000, implicit: false };
    const intents = reactTo([claimed], { state: 'claimed', claimedBy: ana, claimedAt: T0 + 60_000 });
    expect(kinds(intents)).toEqual([
      'ticket.assign',
      'timer.reminder',
      'provider.note',
      'card.refresh',
      'thread.timeline',
    ]);
    expect(intents).toContainEqual({
      kind: 'provider.note',
      key: `claimed:${T0 + 60_000}:${ana.id}`,
      text: 'Claimed by Ana (Slack)',
      tags: [],
    });
  });

  it('says a resolve that claims on the way in one provider note, with the tags on resolve', () => {
    const at = T0 + 120_000;
    const intents = reactTo(
      [
        { type: 'claimed', actor: ben, at, implicit: true },
        { type: 'resolved', actor: ben, at, outcome: 'reached' },
      ],
      { state: 'resolved', outcome: 'reached', resolvedAt: at },
    );
    const notes = intents.filter((intent) => intent.kind === 'provider.note');
    expect(notes).toEqual([
      {
        kind: 'provider.note',
        key: `resolved:${at}`,
        text: 'Resolved by Ben (Slack): Reached the caller',
        tags: ['ringback_done'],
      },
    ]);
    expect(kinds(intents)).toContain('ticket.closeSideConversation');
    expect(kinds(intents)).not.toContain('timer.reminder');
  });

  it('re-arms the ladder from the release when a claimed call is given back', () => {
    const at = T0 + 300_000;
    const intents = reactTo([{ type: 'released', actor: ana, at, previous: ana }], { state: 'open' });
    expect(intents).toContainEqual({ kind: 'timer.claimLadder', anchor: at });
    expect(intents).toContainEqual({ kind: 'ticket.assign' });
  });

  it('dials only when the caller has a number and the agent an e-mail', () => {
    const started: DomainEvent = { type: 'callback_started', actor: ana, at: T0, attempt: 1 };
    expect(kinds(reactTo([started], { state: 'calling' }))).toContain('provider.dial');
    const withheld = reactTo([started], { state: 'calling', caller: { number: null, name: null } });
    expect(kinds(withheld)).not.toContain('provider.dial');
  });

  it('notes a repeat call on the ticket and refreshes the card', () => {
    const intents = reactTo([{ type: 'call_joined', at: T0, callCount: 2, providerCallKey: 'aircall:2' }]);
    expect(kinds(intents)).toEqual(['ticket.callNote', 'triage.evaluate', 'card.refresh', 'thread.timeline']);
  });

  it('posts a held card when it is released at the line’s opening, and triages it again', () => {
    const intents = reactTo([{ type: 'card_released', at: T0 }]);
    expect(kinds(intents)).toEqual(['card.post', 'triage.evaluate', 'card.refresh', 'thread.timeline']);
  });

  it('re-renders the cards when the ticket is linked, and sends nothing back to Zendesk', () => {
    const intents = reactTo([{ type: 'ticket_linked', at: T0, ticketId: 456 }], { zendeskTicketId: 456 });
    expect(kinds(intents)).toEqual(['card.refresh', 'thread.timeline']);
  });

  it('re-renders the cards when the caller is named later, and sends nothing to Zendesk', () => {
    const intents = reactTo([{ type: 'caller_named', at: T0, name: 'Zoe Test' }]);
    expect(kinds(intents)).toEqual(['card.refresh', 'thread.timeline']);
  });

  it('only re-renders the cards when details change, whatever the field is called', () => {
    for (const field of ['voicemail', 'heldUntil', 'zendeskTicketId']) {
      const intents = reactTo([{ type: 'details_changed', at: T0, fields: [field] }]);
      expect(kinds(intents)).toEqual(['card.refresh', 'thread.timeline']);
    }
  });

  it('causes nothing when nothing happened', () => {
    expect(reactTo([])).toEqual([]);
  });
});
