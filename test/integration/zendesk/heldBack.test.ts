/**
 * Which failed requests Zendesk certainly did not carry out (ZendeskHeldBack): those our own budget kept
 * back and those Zendesk answered 429. A ticket create that failed that way is forgotten (src/zendesk/tickets.ts);
 * one that failed any other way may have happened and is searched for on the next attempt.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { ZendeskApiError, ZendeskHeldBack } from '../../../src/zendesk/errors.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';

describe('requests Zendesk did not carry out', () => {
  let fake: FakeZendesk;
  const client = (requestsPerMinute: number) =>
    new ZendeskClient({
      baseUrl: fake.url,
      email: fake.email,
      token: fake.token,
      clock: new ManualClock(Date.parse('2026-12-06T09:00:00Z')),
      logger: memoryLogger().logger,
      requestsPerMinute,
    });
  const ticket = { subject: 'Missed call', comment: { body: 'Missed', public: false }, external_id: 'x-1' };

  beforeEach(async () => {
    fake = await new FakeZendesk({}).start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('are those our budget held back, with nothing sent', async () => {
    const zendesk = client(1);
    await zendesk.createTicket(ticket);
    const held = await zendesk.createTicket({ ...ticket, external_id: 'x-2' }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(ZendeskHeldBack);
    expect(held).toBeInstanceOf(RetryAfter);
    expect(fake.requests).toHaveLength(1);
    expect(fake.tickets.size).toBe(1);
  });

  it('and those Zendesk answered 429; a 502 after the write is not one of them', async () => {
    const zendesk = client(100);
    fake.inject({ method: 'POST', path: /\/api\/v2\/tickets\.json$/, status: 429, retryAfterSeconds: 1 });
    const limited = await zendesk.createTicket(ticket).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ZendeskHeldBack);
    expect(fake.tickets.size).toBe(0);

    fake.inject({ method: 'POST', path: /\/api\/v2\/tickets\.json$/, status: 502, afterApply: true });
    const lost = await client(100)
      .createTicket(ticket)
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ZendeskApiError);
    expect(lost).not.toBeInstanceOf(ZendeskHeldBack);
    expect(fake.tickets.size).toBe(1);
  });

  it('a 429 from one ticket’s own limit holds back that request only, not the account', async () => {
    const zendesk = client(100);
    const hot = fake.addTicket({ subject: 'Redialled 30 times', status: 'open' });
    const other = fake.addTicket({ subject: 'Another caller', status: 'open' });
    // The account still has requests left: Zendesk's per-ticket update limit said no.
    fake.inject({
      method: 'PUT',
      path: new RegExp(`/tickets/${hot.id}\\.json$`),
      status: 429,
      retryAfterSeconds: 540,
    });
    const limited = await zendesk
      .updateTicket(hot.id, { status: 'pending' }, hot.updated_at)
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ZendeskHeldBack);
    expect((limited as ZendeskHeldBack).delayMs).toBe(540_000);
    expect((await zendesk.showTicket(other.id)).id).toBe(other.id);
  });

  it('a 429 that spends the account holds back every request until Retry-After', async () => {
    const zendesk = client(100);
    const other = fake.addTicket({ subject: 'Another caller', status: 'open' });
    fake.spendAccountMinute();
    expect(await zendesk.createTicket(ticket).catch((e: unknown) => e)).toBeInstanceOf(ZendeskHeldBack);
    const sent = fake.requests.length;
    expect(await zendesk.showTicket(other.id).catch((e: unknown) => e)).toBeInstanceOf(ZendeskHeldBack);
    expect(fake.requests).toHaveLength(sent);
  });
});
