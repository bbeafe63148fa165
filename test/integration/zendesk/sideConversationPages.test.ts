/**
 * A side conversation's event list comes in pages (`next_page`): a long card thread's later messages, and the
 * marks Ringback looks for before it posts a message again, are on the later pages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('a side conversation longer than one page of events', () => {
  let fake: FakeZendesk;

  beforeEach(async () => {
    fake = await new FakeZendesk({ sideConversationEventsPageSize: 2 }).start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('is read to its last event, page by page', async () => {
    const client = new ZendeskClient({
      baseUrl: fake.url,
      email: fake.email,
      token: fake.token,
      clock: new ManualClock(Date.parse('2026-12-07T09:00:00Z')),
      logger: memoryLogger().logger,
      requestsPerMinute: 100,
    });
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
