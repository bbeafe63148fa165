/** Linking an episode's ticket is a real domain change (`link_ticket` → `ticket_linked`), not a details edit. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { EffectContext } from '../../../src/app/effects.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Store } from '../../../src/store/store.js';
import { linkTicket } from '../../../src/zendesk/episodeLink.js';
import type { Requester } from '../../../src/zendesk/requester.js';
import { databaseKinds, useStore } from '../../helpers/databases.js';
import { episode, T0 } from '../../helpers/episodes.js';

const kinds = await databaseKinds();
const requester: Requester = { id: 901, name: 'Marie Dupont' };

describe.each(kinds)('linking a ticket on $name', (kind) => {
  const storeOf = useStore(kind).store;
  let store: Store;
  let planned: EffectContext[];
  const clock = new ManualClock(T0);
  const deps = () => ({
    store,
    clock,
    planEffects: (change: EffectContext) => {
      planned.push(change);
      return [];
    },
  });

  beforeEach(() => {
    if (kind.skipReason) return;
    store = storeOf();
    planned = [];
  });

  it('sets the ticket through decide(): a ticket_linked event, audited, and a new version', async () => {
    await store.episodes.insert(episode(), {}, T0);
    await linkTicket(deps(), 'ep-1', 456, null);
    expect(await store.episodes.get('ep-1')).toMatchObject({ zendeskTicketId: 456, version: 2 });
    expect(planned.map((change) => change.events)).toEqual([
      [{ type: 'ticket_linked', at: T0, ticketId: 456 }],
    ]);
    const audit = await store.audit.listForEpisode('ep-1');
    expect(audit.map((entry) => [entry.type, entry.data])).toEqual([['ticket_linked', { ticketId: 456 }]]);
  });

  it('keeps the first ticket and reports only the requester as a details change', async () => {
    await store.episodes.insert(episode({ zendeskTicketId: 456 }), {}, T0);
    await linkTicket(deps(), 'ep-1', 999, requester);
    expect((await store.episodes.get('ep-1'))?.zendeskTicketId).toBe(456);
    expect((await store.episodes.getDetails('ep-1')).requester).toEqual(requester);
    expect(planned.map((change) => change.events.map((e) => e.type))).toEqual([['details_changed']]);
  });
});
