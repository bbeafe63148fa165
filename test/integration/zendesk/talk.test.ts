import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { databaseKinds, sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import type { FakeTicket, FakeUser, FakeZendesk } from '../../mocks/fakeZendesk.js';
import {
  eventually,
  postWebhook,
  startFake,
  startZendeskRingback,
  talkCall,
  zendeskConfig,
} from './harness.js';

type Started = StartedRingback & { logs: () => string[] };

function talkRequests(fake: FakeZendesk) {
  return fake.requests.filter((r) => r.path.includes('/channels/voice/stats/incremental/'));
}

const kinds = await databaseKinds();

describe.each(kinds)('the Zendesk Talk poller on $name', (kind) => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let marie: FakeUser;
  const started: Started[] = [];

  beforeEach(async (context) => {
    if (kind.skipReason) context.skip(kind.skipReason);
    database = await kind.create();
    fake = await startFake({ extraTokens: ['token-replica-b'] });
    marie = fake.addUser({ name: 'Marie Dupont', phone: '+33176360695' });
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    for (const ringback of started.splice(0)) await ringback.stop();
    await fake.stop();
    await database.drop();
  });

  async function start(token = fake.token, adapter = {}): Promise<Started> {
    const config = zendeskConfig(database, fake);
    config.env.ZENDESK_API_TOKEN = token;
    const ringback = await startZendeskRingback(config, {
      adapter: { pollSideConversations: false, ...adapter },
    });
    started.push(ringback);
    return ringback;
  }

  async function stop(ringback: Started): Promise<void> {
    started.splice(started.indexOf(ringback), 1);
    await ringback.stop();
  }

  describe('after a restart', () => {
    it('continues from the stored cursor instead of reading the export again from the start', async () => {
      fake.addTalkCall(talkCall({ id: 6001, customer_id: marie.id }));
      const first = await start();
      await eventually(
        'the first call opens an episode',
        async () => (await first.store.episodes.count()) === 1,
      );
      const cursor = await eventually('the calls cursor is stored', () =>
        first.store.cursors.get('zendesk.talk.calls'),
      );
      const stored = JSON.parse(cursor) as { startTime: number; nextPage: string };
      await stop(first);

      const paul = fake.addUser({ name: 'Paul Martin', phone: '+33612345678' });
      fake.addTalkCall(talkCall({ id: 6002, customer_id: paul.id, updated_at: new Date().toISOString() }));
      const seen = fake.requests.length;
      const second = await start();
      await eventually(
        'the second call opens an episode',
        async () => (await second.store.episodes.count()) === 2,
      );
      const firstCallsRequest = fake.requests.slice(seen).find((r) => r.path.includes('/incremental/calls'));
      expect(firstCallsRequest?.query.get('start_time')).toBe(String(stored.startTime));
      const episodes = await second.store.episodes.list();
      expect(episodes.map((e) => e.caller.number).sort()).toEqual(['+33176360695', '+33612345678']);
    });
  });

  describe('with two replicas', () => {
    it('polls from one replica only, and the other takes over when it stops', async () => {
      const a = await start();
      const b = await start('token-replica-b');
      fake.addTalkCall(talkCall({ id: 6101, customer_id: marie.id }));
      await eventually('a few rounds ran', () => talkRequests(fake).length >= 8);
      await eventually('the call opens one episode', async () => (await a.store.episodes.count()) === 1);
      const pollers = new Set(talkRequests(fake).map((r) => r.token));
      expect(pollers.size).toBe(1);

      const leader = pollers.has(fake.token) ? a : b;
      const follower = leader === a ? b : a;
      const followerToken = leader === a ? 'token-replica-b' : fake.token;
      await stop(leader);
      await eventually('the other replica takes over', () =>
        talkRequests(fake).some((r) => r.token === followerToken),
      );
      expect(await follower.store.episodes.count()).toBe(1);
    });
  });

  describe('when the export answers 429', () => {
    it('waits for Retry-After before asking again, and still gets every call', async () => {
      fake.talkLimit = 3;
      fake.talkWindowMs = 1_000;
      const ringback = await start(fake.token, { talkPollIntervalMs: 50, talkRequestsPerMinute: 1_000 });
      await eventually('the export rate-limits the poller', () =>
        fake.rateLimited().some((r) => r.path.includes('/incremental/')),
      );
      fake.addTalkCall(talkCall({ id: 6201, customer_id: marie.id, updated_at: new Date().toISOString() }));
      await eventually(
        'the call still opens an episode',
        async () => (await ringback.store.episodes.count()) === 1,
      );
      expect(fake.retryAfterViolations).toEqual([]);
    });
  });
});

describe('Zendesk Talk calls', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let ringback: Started | null;
  let marie: FakeUser;

  beforeEach(async () => {
    database = sqliteDatabase();
    fake = await startFake();
    marie = fake.addUser({ name: 'Marie Dupont', phone: '+33176360695' });
    fake.phoneNumbers.push({ id: 360001, number: '+33176360600' });
    ringback = null;
  });

  afterEach(async () => {
    await ringback?.stop();
    await fake.stop();
    await database.drop();
  });

  describe('a voicemail ticket pushed by the trigger webhook, then seen in the export', () => {
    it('makes one episode on the Talk ticket, without creating a ticket of our own', async () => {
      const startedAt = new Date(Date.now() - 30_000).toISOString();
      const ticket = fake.addTicket({
        subject: 'Voicemail from: +33 1 76 36 06 95',
        requester_id: marie.id,
        tags: ['voice_abandoned_in_voicemail'],
        via: {
          channel: 'voice',
          source: { from: { phone: '+33176360695' }, to: { phone: '+33176360600' }, rel: 'voicemail' },
        },
      });
      ticket.comments.push({
        id: 1,
        type: 'VoiceComment',
        body: 'Voicemail',
        public: false,
        author_id: marie.id,
        created_at: startedAt,
        data: {
          call_id: 7001,
          from: '+33176360695',
          to: '+33176360600',
          recording_url: 'https://example.zendesk.com/recordings/7001.mp3',
          transcription_text: 'Bonjour, please call me back',
          call_duration: 20,
          started_at: startedAt,
        },
      });
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      const answer = await postWebhook(ringback.baseUrl, { ticket_id: String(ticket.id) });
      expect(answer.status).toBe(200);
      const [episode] = await eventually('the voice ticket opens an episode', async () => {
        const list = await ringback?.store.episodes.list();
        return list && list.length > 0 ? list : null;
      });
      expect(episode).toMatchObject({ line: 'Support FR', zendeskTicketId: ticket.id, callCount: 1 });
      const details = parseDetails(await ringback.store.episodes.getDetails(episode?.id ?? ''));
      expect(details.voicemail?.url).toBe('https://example.zendesk.com/recordings/7001.mp3');
      expect(details.transcript).toBe('Bonjour, please call me back');
      await eventually('the Talk ticket carries our tags', () => ticket.tags.includes('ringback'));

      fake.addTalkCall(
        talkCall({
          id: 7001,
          customer_id: marie.id,
          ticket_id: ticket.id,
          completion_status: 'completed',
          voicemail: true,
          created_at: startedAt,
        }),
      );
      await eventually('the export delivers the same call', async () => {
        const call = await ringback?.store.providerCalls.get('zendesk:7001');
        return ((call?.data as { events?: string[] } | undefined)?.events ?? []).includes('talk_export');
      });
      await ringback.runner.drain();
      expect(await ringback.store.episodes.count()).toBe(1);
      expect((await ringback.store.episodes.get(episode?.id ?? ''))?.callCount).toBe(1);
      expect(fake.tickets.size).toBe(1);
      expect(fake.specProblems).toEqual([]);
    });
  });

  describe('a customer calling from another number than the one on their profile', () => {
    /** Marie (profile phone +33 1 76 36 06 95) calls from her mobile; Talk makes a ticket for the call. */
    async function callFromHerMobile(callId: number): Promise<Episode> {
      const ticket = fake.addTicket({
        subject: 'Call from: +33 6 12 12 12 12',
        requester_id: marie.id,
        via: {
          channel: 'voice',
          source: { from: { phone: '+33612121212' }, to: { phone: '+33176360600' }, rel: 'inbound' },
        },
      });
      fake.addTalkCall(talkCall({ id: callId, customer_id: marie.id, ticket_id: ticket.id }));
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      const [episode] = await eventually('the missed call opens an episode', async () => {
        const list = await ringback?.store.episodes.list();
        return list && list.length > 0 ? list : null;
      });
      if (!episode) throw new Error('no episode');
      return episode;
    }

    it('is called back on the number the call came from, with the name from the profile', async () => {
      const episode = await callFromHerMobile(7101);
      expect(episode.caller).toMatchObject({ number: '+33612121212', name: 'Marie Dupont' });
    });

    it('still reads the call when this token may not read the customer (403), from its ticket', async () => {
      fake.inject({
        method: 'GET',
        path: new RegExp(`/api/v2/users/${marie.id}\\.json$`),
        status: 403,
        times: 100,
      });
      const episode = await callFromHerMobile(7102);
      expect(episode.caller.number).toBe('+33612121212');
    });
  });

  describe('a callback made from the caller’s own voice ticket', () => {
    /**
     * Marie's voicemail ticket from days ago: its source describes her inbound call (from = Marie, to = our
     * line). Ana calls her back with that ticket's call button, and Talk files the outbound call on it.
     */
    async function callbackFromHerVoiceTicket(
      customerId: number | null,
      source: FakeTicket['via']['source'] = {
        from: { phone: '+33176360695' },
        to: { phone: '+33176360600' },
        rel: 'voicemail',
      },
    ): Promise<Episode> {
      const ana = fake.addAgent('Ana Lopez', 'ana@example.com');
      const voiceTicket = fake.addTicket({
        requester_id: marie.id,
        status: 'open',
        via: { channel: 'voice', source },
      });
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      const started = ringback;
      fake.addTalkCall(talkCall({ id: 8101, customer_id: marie.id }));
      const [episode] = await eventually('the missed call opens an episode', async () => {
        const list = await started.store.episodes.list();
        return list.length > 0 ? list : null;
      });
      if (!episode) throw new Error('no episode');
      const now = Date.now();
      fake.addTalkCall({
        ...talkCall({ id: 8102, customer_id: customerId }),
        direction: 'outbound',
        completion_status: 'completed',
        agent_id: ana.id,
        talk_time: 60,
        ticket_id: voiceTicket.id,
        created_at: new Date(now).toISOString(),
        updated_at: new Date(now + 1_000).toISOString(),
      });
      await eventually('the export delivers the callback', () =>
        started.store.providerCalls.get('zendesk:8102'),
      );
      await started.runner.drain();
      return episode;
    }

    it('is taken as a call to her, not to our own line, and resolves her card', async () => {
      const episode = await callbackFromHerVoiceTicket(marie.id);
      expect((await ringback?.store.episodes.get(episode.id))?.state).toBe('resolved');
      expect(await ringback?.store.episodes.count()).toBe(1);
    });

    it('still resolves her card when Talk names no customer, from the ticket alone', async () => {
      const episode = await callbackFromHerVoiceTicket(null);
      expect((await ringback?.store.episodes.get(episode.id))?.state).toBe('resolved');
    });

    it('never takes our own line for her number: a ticket naming only the line leaves it to her profile', async () => {
      const episode = await callbackFromHerVoiceTicket(null, {
        from: { phone: '+33176360600' },
        to: {},
        rel: null,
      });
      expect((await ringback?.store.episodes.get(episode.id))?.state).toBe('resolved');
      expect(await ringback?.store.episodes.count()).toBe(1);
    });
  });

  describe('a second missed call while the callback is pending', () => {
    it('adds an internal note to the ticket instead of a second ticket', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      fake.addTalkCall(talkCall({ id: 8001, customer_id: marie.id }));
      const episode = await eventually('the first call opens an episode', async () => {
        const [first] = (await ringback?.store.episodes.list()) ?? [];
        return first?.zendeskTicketId ? first : null;
      });
      fake.addTalkCall(talkCall({ id: 8002, customer_id: marie.id, updated_at: new Date().toISOString() }));
      const ticket = fake.tickets.get(episode.zendeskTicketId ?? 0);
      await eventually('a note for the second call', () =>
        ticket?.comments.some((c) => c.body.includes('Another missed call')),
      );
      await ringback.runner.drain();
      expect(fake.tickets.size).toBe(1);
      const note = ticket?.comments.find((c) => c.body.includes('Another missed call'));
      expect(note).toMatchObject({ public: false });
      expect(note?.body).toContain('(call zendesk:8002)');
      expect((await ringback.store.episodes.get(episode.id))?.callCount).toBe(2);
    });
  });

  describe('calls from a withheld number', () => {
    it('share one "Withheld number" requester instead of a new user per call', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      fake.addTalkCall(talkCall({ id: 9001, customer_id: null }));
      fake.addTalkCall(talkCall({ id: 9002, customer_id: null }));
      await eventually('both calls have tickets', async () => {
        const list = (await ringback?.store.episodes.list()) ?? [];
        return list.length === 2 && list.every((e) => e.zendeskTicketId !== null);
      });
      const withheld = [...fake.users.values()].filter((u) => u.external_id === 'ringback-withheld-caller');
      expect(withheld).toHaveLength(1);
      const requesters = new Set([...fake.tickets.values()].map((t) => t.requester_id));
      expect(requesters).toEqual(new Set([withheld[0]?.id]));
      expect(fake.tickets.get([...fake.tickets.keys()][0] ?? 0)?.subject).toBe(
        'Missed call from a withheld number',
      );
    });
  });

  describe('agent legs', () => {
    it('names the agents the call rang on the card, and logs an unknown status once', async () => {
      const ana = fake.addAgent('Ana Lopez', 'ana@example.com');
      const ben = fake.addAgent('Ben Okafor', 'ben@example.com');
      const at = new Date(Date.now() - 50_000).toISOString();
      fake.addTalkLeg({
        id: 1,
        call_id: 9101,
        type: 'agent',
        agent_id: ana.id,
        completion_status: 'agent_missed',
        created_at: at,
        updated_at: at,
      });
      fake.addTalkLeg({
        id: 2,
        call_id: 9101,
        type: 'agent',
        agent_id: ben.id,
        completion_status: 'agent_declined',
        created_at: at,
        updated_at: at,
      });
      fake.addTalkCall(talkCall({ id: 9101, customer_id: marie.id }));
      fake.addTalkCall(talkCall({ id: 9102, customer_id: null, completion_status: 'mystery_status' }));
      fake.addTalkCall(talkCall({ id: 9103, customer_id: null, completion_status: 'mystery_status' }));
      ringback = await startZendeskRingback(zendeskConfig(database, fake));
      const episode = await eventually(
        'the call opens an episode',
        async () => (await ringback?.store.episodes.list())?.[0],
      );
      const details = await eventually('the card names the agents', async () => {
        const found = parseDetails(await ringback?.store.episodes.getDetails(episode.id));
        return found.rang.length === 2 ? found : null;
      });
      expect(details.rang).toEqual(['Ana Lopez', 'Ben Okafor']);
      await eventually('a few more rounds', () => talkRequests(fake).length >= 8);
      const unknown = ringback.logs().filter((line) => line.includes('unknown call completion_status'));
      expect(unknown).toHaveLength(1);
      expect(await ringback.store.episodes.count()).toBe(1);
    });
  });
});
