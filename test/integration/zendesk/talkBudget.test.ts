/**
 * The Talk export has its own limit (10 a minute) but Zendesk counts its requests against the account's limit
 * too: an export request must also fit Ringback's account budget, or N replicas' Support requests plus the
 * poller's exceed the `requestsPerMinute` the routing file allows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('the Talk export and the account budget', () => {
  let fake: FakeZendesk;

  beforeEach(async () => {
    fake = await new FakeZendesk({}).start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('spends the account budget too, so Support requests wait when exports used it up', async () => {
    const client = new ZendeskClient({
      baseUrl: fake.url,
      email: fake.email,
      token: fake.token,
      clock: new ManualClock(Date.parse('2026-12-05T09:00:00Z')),
      logger: memoryLogger().logger,
      requestsPerMinute: 2,
      talkRequestsPerMinute: 10,
    });
    await client.talkExport('calls', { startTime: 1_700_000_000 });
    await client.talkExport('legs', { startTime: 1_700_000_000 });
    const sent = fake.requests.length;
    expect(sent).toBe(2);

    // Two exports spent the account's two requests: neither a Support request nor a third export goes out.
    await expect(client.showTicket(1)).rejects.toBeInstanceOf(RetryAfter);
    await expect(client.talkExport('calls', { startTime: 1_700_000_000 })).rejects.toBeInstanceOf(RetryAfter);
    expect(fake.requests.length).toBe(sent);
  });
});
