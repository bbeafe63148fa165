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
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v2/users'))).toEqual(
      [],
    );
  });

  it('keeps the name an agent gave the user Ringback made, when the phone search does not find that user', async () => {
    // Made by Ringback for an earlier call, renamed by an agent since; its number is not where the search
    // looks (an account that matches numbers differently, docs/zendesk-setup.md).
    const marie = fake.addUser({
      name: 'Marie Dupont',
      external_id: 'ringback-phone-+33176360695',
      created_at: '2026-11-02T09:00:00Z',
    });
    const found = await requesters().find({ number: '+33176360695', name: 'DUPONT M MOBILE' });
    expect(found).toEqual({ requester: { id: marie.id, name: 'Marie Dupont' }, created: false });
    expect(fake.users.get(marie.id)?.name).toBe('Marie Dupont');
    expect(fake.specProblems).toEqual([]);
  });

  it('takes the user a create whose answer was lost made, instead of failing on its taken external id', async () => {
    fake.inject({ method: 'POST', path: /^\/api\/v2\/users\.json$/, status: 502, afterApply: true });
    const found = await requesters()
      .find({ number: '+33612345678', name: 'Zoé Martin' })
      .catch(() => requesters().find({ number: '+33612345678', name: 'Zoé Martin' }));
    const made = [...fake.users.values()].filter((u) => u.external_id === 'ringback-phone-+33612345678');
    expect(made).toHaveLength(1);
    expect(found.requester).toEqual({ id: made[0]?.id, name: 'Zoé Martin' });
  });

  it('is not a user whose number only ends the same way', async () => {
    fake.addUser({ name: 'Someone Else', phone: '+44 213 373 4253' });
    const found = await requesters().find({ number: '+12133734253', name: null });
    expect(found.created).toBe(true);
  });
});
