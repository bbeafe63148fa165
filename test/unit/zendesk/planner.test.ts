import { describe, expect, it } from 'vitest';
import { planFromReactions } from '../../../src/app/intents.js';
import { parseRouting } from '../../../src/config/load.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import { JOBS } from '../../../src/zendesk/keys.js';
import { zendeskTranslator } from '../../../src/zendesk/planner.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

function routingClosing(closeOnResolve: boolean) {
  return parseRouting(
    `
lines: [{ name: Support FR, match: "*" }]
zendesk: { sideConversation: { to: { email: callbacks@example.com }, closeOnResolve: ${closeOnResolve} } }
`,
    'test',
  );
}

function plan(events: DomainEvent[], closeSideConversationOnResolve = true) {
  const current = episode();
  const routing = routingClosing(closeSideConversationOnResolve);
  return planFromReactions(routing, () => [zendeskTranslator])({
    episode: current,
    previous: current,
    events,
  });
}

describe('the Zendesk planner', () => {
  it('finds or creates the ticket once when an episode opens', () => {
    expect(plan([{ type: 'opened', at: T0, providerCallKey: 'zendesk:1' }])).toEqual([
      { kind: JOBS.ensureTicket, payload: { episodeId: 'ep-1' }, dedupeKey: `${JOBS.ensureTicket}:ep-1` },
    ]);
  });

  it('plans one note per further call of the episode', () => {
    const jobs = plan([{ type: 'call_joined', at: T0, callCount: 2, providerCallKey: 'zendesk:2' }]);
    expect(jobs).toEqual([
      {
        kind: JOBS.callNote,
        payload: { episodeId: 'ep-1', providerCallKey: 'zendesk:2', at: T0 },
        dedupeKey: `${JOBS.callNote}:ep-1:zendesk:2`,
      },
    ]);
  });

  it('folds claims and releases into one pending assignee sync', () => {
    const jobs = plan([
      { type: 'claimed', actor: ana, at: T0, implicit: false },
      { type: 'released', actor: ana, at: T0, previous: ana },
    ]);
    expect(jobs.map((j) => j.coalesceKey)).toEqual([`${JOBS.assign}:ep-1`, `${JOBS.assign}:ep-1`]);
  });

  it('writes the resolve once, and closes the side conversation when configured', () => {
    const resolved: DomainEvent = { type: 'resolved', actor: ana, at: T0, outcome: 'reached' };
    expect(plan([resolved]).map((j) => [j.kind, j.dedupeKey])).toEqual([
      [JOBS.resolve, `${JOBS.resolve}:ep-1`],
      [JOBS.sideClose, `${JOBS.sideClose}:ep-1`],
    ]);
    expect(plan([resolved], false).map((j) => j.kind)).toEqual([JOBS.resolve]);
    expect(
      plan([{ type: 'auto_resolved', actor: null, at: T0, providerCallKey: 'zendesk:3' }], false),
    ).toHaveLength(1);
  });

  it('ignores what it caused itself (details_changed) and what Zendesk does not need', () => {
    expect(
      plan([
        { type: 'details_changed', at: T0, fields: ['zendeskTicketId'] },
        { type: 'escalated', at: T0, level: 1, step: 1 },
        { type: 'callback_started', actor: ana, at: T0, attempt: 1 },
      ]),
    ).toEqual([]);
  });
});
