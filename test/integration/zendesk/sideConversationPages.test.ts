/**
 * A side conversation's event list comes in pages (`next_page`): a long card thread's later messages, and the
 * marks Ringback looks for before it posts a message again, are on the later pages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

function clientFor(fake: FakeZendesk): ZendeskClient {
  return new ZendeskClient({
    baseUrl: fake.url,
    email: fake.email,
    token: fake.token,
    clock: new ManualClock(Date.parse('2026-12-07T09:00:00Z')),
    logger: memoryLogger().logger,
    requestsPerMinute: 100,
  });
}

describe('a side conversation longer than one page of events', () => {
  let fake: FakeZendesk;

  beforeEach(async () => {
    fake = await new FakeZendesk({ sideConversationEventsPageSize: 2 }).start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('is read to its last event, page by page', async () => {
    const client = clientFor(fake);
    const ticket = fake.addTicket({ subject: 'Missed call', status: 'open' });
    const to = [{ email: 'callbacks@example.com' }];
    const { sideConversation } = await client.createSideConversation(
      ticket.id,
      { subject: 'team thread', body: 'message 0', to, external_ids: { ringback_message: 'slack:0' } },
      { ringback_episode: 'ep-1' },
    );
    for (let i = 1; i <= 4; i++) {
      await client.replySideConversation(ticket.id, sideConversation.id, {
        body: `message ${i}`,
        to,
        external_ids: { ringback_message: `slack:${i}` },
      });
    }
    const events = await client.listSideConversationEvents(ticket.id, sideConversation.id);
    expect(events.map((e) => e.message?.body)).toEqual([
      'message 0',
      'message 1',
      'message 2',
      'message 3',
      'message 4',
    ]);
    expect(fake.accepted('GET', /\/events(\.json)?$/)).toHaveLength(3);
    expect(fake.specProblems).toEqual([]);
  });
});

describe('the account-wide side conversation events list', () => {
  it('takes unix_time when start_time is refused, and asks with it from then on', async () => {
    const fake = await new FakeZendesk({ incrementalEventsParameter: 'unix_time' }).start();
    try {
      const client = clientFor(fake);
      const ticket = fake.addTicket({ subject: 'Missed call', status: 'open' });
      const { sideConversation } = await client.createSideConversation(
        ticket.id,
        { subject: 'team thread', body: 'hello', to: [{ email: 'callbacks@example.com' }] },
        { ringback_episode: 'ep-1' },
      );
      const first = await client.incrementalSideConversationEvents(0);
      expect(first.events).toHaveLength(1);
      expect(sideConversation.id).toBeTruthy();
      await client.incrementalSideConversationEvents(0);
      const asked = fake.requests.filter((r) =>
        /\/tickets\/side_conversations\/events(\.json)?$/.test(r.path),
      );
      expect(asked.map((r) => [...r.query.keys()].join(','))).toEqual([
        'start_time',
        'unix_time',
        'unix_time',
      ]);
      expect(asked.map((r) => r.status)).toEqual([400, 200, 200]);
    } finally {
      await fake.stop();
    }
  });
});
