/**
 * A ticket's comments as Ringback reads them: the newest page when it looks for a note it wrote itself (a
 * retried job must find it however long the ticket is), the oldest when it reads a voice ticket's call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('reading a ticket of 150 comments', () => {
  let fake: FakeZendesk;
  let client: ZendeskClient;

  beforeEach(async () => {
    fake = await new FakeZendesk({}).start();
    client = new ZendeskClient({
      baseUrl: fake.url,
      email: fake.email,
      token: fake.token,
      clock: new ManualClock(Date.parse('2026-12-07T09:00:00Z')),
      logger: memoryLogger().logger,
      requestsPerMinute: 1_000,
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('finds the note Ringback wrote last, past Zendesk’s first page of 100', async () => {
    const ticket = fake.addTicket({ subject: 'A long one' });
    for (let i = 1; i <= 149; i++)
      ticket.comments.push({
        id: i,
        type: 'Comment',
        body: `reply ${i}`,
        public: true,
        author_id: 1,
        created_at: '2026-12-07T08:00:00Z',
      });
    ticket.comments.push({
      id: 150,
      type: 'Comment',
      body: 'Another missed call (call aircall:42)',
      public: false,
      author_id: 1,
      created_at: '2026-12-07T08:59:00Z',
    });

    const newest = await client.listComments(ticket.id);
    expect(newest).toHaveLength(100);
    expect(newest[0]?.body).toContain('(call aircall:42)');

    const oldest = await client.listComments(ticket.id, 'oldest');
    expect(oldest[0]?.body).toBe('reply 1');
    expect(oldest.some((c) => c.body?.includes('(call aircall:42)'))).toBe(false);
    expect(fake.specProblems).toEqual([]);
  });
});
