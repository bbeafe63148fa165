/**
 * Finding the caller's Zendesk user: the phone search's candidates are compared number to number, so a phone
 * typed in the national form (`(213) 373-4253`) is the caller's `+1 213 373 4253`, not a reason to make a
 * second user "Caller +1 213-373-4253".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { Requesters } from '../../../src/zendesk/requester.js';
import { sqliteDatabase, useStore } from '../../helpers/databases.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('the requester of a caller', () => {
  const { store } = useStore({ name: 'sqlite', skipReason: null, create: async () => sqliteDatabase() });
  let fake: FakeZendesk;

  beforeEach(async () => {
    fake = await new FakeZendesk().start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  function requesters(): Requesters {
    const clock = new ManualClock(Date.parse('2026-12-07T09:00:00Z'));
    const logger = memoryLogger().logger;
    const client = new ZendeskClient({
      baseUrl: fake.url,
      email: fake.email,
      token: fake.token,
      clock,
      logger,
      requestsPerMinute: 100,
    });
    return new Requesters({ store: store(), clock, client, logger });
  }

  it('is the user whose phone was typed in the national form', async () => {
    const joe = fake.addUser({ name: 'Joe Bloggs', phone: '(213) 373-4253' });
    const found = await requesters().find({ number: '+12133734253', name: null });
    expect(found).toEqual({ requester: { id: joe.id, name: 'Joe Bloggs' }, created: false });
    expect(fake.accepted('POST', /\/users\/create_or_update\.json$/)).toHaveLength(0);
  });

  it('is not a user whose number only ends the same way', async () => {
    fake.addUser({ name: 'Someone Else', phone: '+44 213 373 4253' });
    const found = await requesters().find({ number: '+12133734253', name: null });
    expect(found.created).toBe(true);
  });
});
