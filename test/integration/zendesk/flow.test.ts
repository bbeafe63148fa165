import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { purgeRound, standardPurgers } from '../../../src/app/retention.js';
import type { ExternalThreadText } from '../../../src/app/threads.js';
import type { Actor, Episode, Outcome } from '../../../src/domain/types.js';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { StartedRingback } from '../../helpers/ringback.js';
import type { FakeUser, FakeZendesk } from '../../mocks/fakeZendesk.js';
import {
  eventually,
  postWebhook,
  ROUTING_YAML,
  startFake,
  startZendeskRingback,
  talkCall,
  zendeskConfig,
} from './harness.js';

const DAY = 24 * 60 * 60_000;
const ana: Actor = { id: 'slack:UANA0001', name: 'Ana', email: 'ana@example.com', surface: 'slack' };

describe('zendesk write-back', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let ringback: StartedRingback & { logs: () => string[] };
  let marie: FakeUser;
  let anaAgent: FakeUser;
  let collected: ExternalThreadText[];

  beforeEach(async () => {
    database = sqliteDatabase();
    fake = await startFake();
    marie = fake.addUser({ name: 'Marie Dupont', phone: '+33176360695' });
    anaAgent = fake.addAgent('Ana Lopez', 'ana@example.com');
    collected = [];
  });

  afterEach(async (context) => {
    if (process.env.DEBUG_ZENDESK && context.task.result?.state === 'fail')
      console.log(ringback?.logs().join('\n'));
    await ringback?.stop();
    await fake.stop();
    await database.drop();
  });

  async function missedCall(callId: number): Promise<Episode> {
    fake.addTalkCall(talkCall({ id: callId, customer_id: marie.id }));
    const [episode] = await eventually('the missed call opens an episode', async () => {
      const list = await ringback.store.episodes.list();
      return list.length > 0 ? list : null;
    });
    return episode as Episode;
  }

  async function ticketOf(episodeId: string): Promise<number> {
    return eventually(
      'the episode has its ticket',
      async () => (await ringback.store.episodes.get(episodeId))?.zendeskTicketId,
    );
  }

  /** Ana claims the call, as from her card. */
  function claimAsAna(episodeId: string) {
    return runCommand(ringback.commands, episodeId, { type: 'claim', actor: ana, at: ringback.clock.now() });
  }

  /** Whether no assign job waits or runs. */
  async function assignJobsDone(): Promise<boolean> {
    return (await ringback.store.jobs.list({ kind: 'zendesk.ticket.assign' })).length === 0;
  }

  /** Ana claims the call and its assign job runs. */
  async function claimAndSync(episodeId: string): Promise<void> {
    await claimAsAna(episodeId);
    await ringback.runner.drain();
    await eventually('the claim’s assign job ran', assignJobsDone);
  }

  /** Ana gives the call back, as from her card, and its assign job runs. */
  async function releaseAndSync(episodeId: string): Promise<void> {
    await runCommand(ringback.commands, episodeId, {
      type: 'release',
      actor: ana,
      at: ringback.clock.now(),
      asManager: false,
    });
    await ringback.runner.drain();
    await eventually('the release’s assign job ran', assignJobsDone);
  }

  /** Ana resolves the call with this outcome, as from her card. */
  function resolveAsAna(episodeId: string, outcome: Outcome) {
    return runCommand(ringback.commands, episodeId, {
      type: 'resolve',
      actor: ana,
      at: ringback.clock.now(),
      outcome,
      asManager: false,
    });
  }

  async function say(episodeId: string, text: string, ref: string): Promise<void> {
    const now = ringback.clock.now();
    const jobs = ringback.threads.planHumanMessage({
      episodeId,
      author: ana,
      text,
      messageRef: ref,
      at: now,
    });
    await ringback.store.enqueue(jobs, now);
  }

  async function runWholeFlow(): Promise<{
    ticketId: number;
    episodeId: string;
    sideConversationId: string;
  }> {
    // Missed call (Talk export) → episode → ticket with Marie found by her number.
    const episode = await missedCall(5001);
    const ticketId = await ticketOf(episode.id);
    const ticket = fake.tickets.get(ticketId);
    expect(ticket?.requester_id).toBe(marie.id);
    expect(ticket?.subject).toBe('Missed call from Marie Dupont (+33 1 76 36 06 95)');
    expect(ticket?.tags).toEqual(expect.arrayContaining(['ringback', 'missed_call']));
    expect(ticket?.group_id).toBe(77);
    expect(ticket?.comments[0]).toMatchObject({ public: false });
    expect(ticket?.comments[0]?.body).toContain('Hung up while waiting in the queue');
    await eventually('the card shows the requester', async () => {
      const details = await ringback.store.episodes.getDetails(episode.id);
      return (details.requester as { id?: number } | null)?.id === marie.id;
    });

    // Claim → Ana's agent is the assignee, ticket open.
    const claimed = await claimAsAna(episode.id);
    expect(claimed.status).toBe('accepted');
    await eventually(
      'the ticket is assigned to Ana',
      () => fake.tickets.get(ticketId)?.assignee_id === anaAgent.id,
    );
    expect(fake.tickets.get(ticketId)?.status).toBe('open');

    // First thread message → a side conversation on the ticket.
    await say(episode.id, 'Calling her after lunch', '1700000000.000200');
    const sc = await eventually('a side conversation is opened', () =>
      [...fake.sideConversations.values()].find((s) => s.ticket_id === ticketId),
    );
    expect(sc.subject).toBe('Missed call from Marie Dupont (+33 1 76 36 06 95) — team thread');
    expect(sc.participants).toEqual([{ email: 'callbacks@example.com' }]);
    expect(sc.events[0]?.message?.body).toBe('Ana (Slack): Calling her after lunch');

    // A reply on the Zendesk side → the webhook → the text is planned into the card's thread.
    fake.replyFromZendesk(sc.id, {
      name: 'Chloé Martin',
      email: 'callbacks@example.com',
      body: 'She wrote to us meanwhile.\n\nOn Mon, 20 Nov 2026, Ringback wrote:\n> Ana (Slack): Calling her after lunch',
    });
    const answer = await postWebhook(ringback.baseUrl, {
      ticket_id: String(ticketId),
      side_conversation_id: sc.id,
    });
    expect(answer.status).toBe(200);
    await eventually('the reply reaches the thread', () => collected.length > 0);
    expect(collected).toEqual([
      expect.objectContaining({
        episodeId: episode.id,
        authorLabel: 'Chloé Martin via Zendesk',
        text: 'She wrote to us meanwhile.',
        source: 'zendesk',
      }),
    ]);

    // A later thread message is a reply in the same side conversation, and nothing we wrote echoes back.
    await say(episode.id, 'Reached her, all good', '1700000000.000300');
    await eventually('the second message is a reply', () => sc.events.length === 3);
    expect(sc.events[2]).toMatchObject({
      type: 'reply',
      message: { body: 'Ana (Slack): Reached her, all good' },
    });
    const again = await postWebhook(ringback.baseUrl, { ticket_id: ticketId, side_conversation_id: sc.id });
    expect(again.status).toBe(200);
    await ringback.runner.drain();
    expect(collected).toHaveLength(1);
    expect([...fake.sideConversations.values()]).toHaveLength(1);

    // Resolve → one internal note, tags, status, outcome field; the side conversation is closed.
    const resolved = await resolveAsAna(episode.id, 'reached');
    expect(resolved.status).toBe('accepted');
    await eventually('the ticket is solved', () => fake.tickets.get(ticketId)?.status === 'solved');
    await eventually('the side conversation is closed', () => sc.state === 'closed');
    return { ticketId, episodeId: episode.id, sideConversationId: sc.id };
  }

  function expectResolvedOnce(ticketId: number, episodeId: string): void {
    const ticket = fake.tickets.get(ticketId);
    const notes = ticket?.comments.filter((c) => c.body.startsWith('Callback resolved')) ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]?.public).toBe(false);
    expect(notes[0]?.body).toContain('Resolved by: Ana (ana@example.com) on Slack');
    expect(notes[0]?.body).toContain('(Europe/Paris)');
    expect(ticket?.tags).toEqual(
      expect.arrayContaining(['ringback', 'missed_call', 'ringback_resolved', 'ringback_outcome_reached']),
    );
    expect(ticket?.custom_fields).toEqual([{ id: 360099, value: 'reached' }]);
    expect(ticket?.assignee_id).toBe(anaAgent.id);
    expect(fake.ticketsWithExternalId(`ringback-${episodeId}`)).toHaveLength(1);
    expect(fake.tickets.size).toBe(1);
  }

  /** Searches for a ticket by the external id Ringback gives its own tickets. */
  function externalIdSearches(): number {
    return fake.requests.filter(
      (r) => r.method === 'GET' && /\/api\/v2\/tickets\.json$/.test(r.path) && r.query.has('external_id'),
    ).length;
  }

  describe('a missed call followed through to resolve', () => {
    it('creates, assigns, mirrors the thread and resolves the ticket, with every request as the spec documents', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const { ticketId, episodeId } = await runWholeFlow();
      expectResolvedOnce(ticketId, episodeId);
      expect(fake.specProblems).toEqual([]);
      expect(fake.unknownRoutes).toEqual([]);
    });

    it('copies no thread message into a closed ticket, where Zendesk would open a follow-up ticket', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const { ticketId, episodeId, sideConversationId } = await runWholeFlow();
      const ticket = fake.tickets.get(ticketId);
      if (!ticket) throw new Error('no ticket');
      // Zendesk's default automation closes a solved ticket after four days.
      ticket.status = 'closed';
      const events = fake.sideConversations.get(sideConversationId)?.events.length;
      const tickets = fake.tickets.size;
      await say(episodeId, 'Talked to her again, all good', '1700000000.000900');
      await ringback.runner.drain();
      expect(fake.sideConversations.get(sideConversationId)?.events.length).toBe(events);
      expect(fake.tickets.size).toBe(tickets);
      expect(fake.accepted('POST', /\/side_conversations\/[^/]+\/reply\.json$/)).toHaveLength(1);
    });

    it('copies no reply into the thread again once its delivery marker is past the retention', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const { ticketId, sideConversationId } = await runWholeFlow();
      expect(collected).toHaveLength(1);
      // More than the retention (400 days) later: the replies are that old and their markers are purged.
      const later = Date.now() + 401 * DAY;
      for (const event of fake.sideConversations.get(sideConversationId)?.events ?? []) {
        event.created_at = new Date(Date.parse(event.created_at) - 401 * DAY).toISOString();
      }
      const purged = await purgeRound(standardPurgers(ringback.store, 400 * DAY), {
        clock: { now: () => later },
        logger: ringback.logger,
      });
      expect(purged.purged.deliveries).toBeGreaterThan(0);
      // Any later change of the ticket (reopened, tagged) makes Zendesk send it again, with its side conversations.
      expect((await postWebhook(ringback.baseUrl, { ticket_id: String(ticketId) })).status).toBe(200);
      await ringback.runner.drain();
      expect(fake.accepted('GET', /\/side_conversations\/[^/]+\/events\.json$/).length).toBeGreaterThan(1);
      expect(collected).toHaveLength(1);
    });

    it('links, from the events poll, a side conversation opened by a process that died before linking it', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), {
        collected,
        adapter: { sideConversationPollIntervalMs: 100 },
      });
      const episode = await missedCall(5012);
      const ticketId = await ticketOf(episode.id);
      // kill -9 right after Zendesk created the side conversation: nothing after the create runs.
      const create = ZendeskClient.prototype.createSideConversation;
      let revive: (error: Error) => void = () => undefined;
      const spy = vi
        .spyOn(ZendeskClient.prototype, 'createSideConversation')
        .mockImplementation(async function (this: ZendeskClient, ...args) {
          await create.apply(this, args);
          return new Promise<never>((_, reject) => {
            revive = reject;
          });
        });
      try {
        await say(episode.id, 'Calling her after lunch', '1700000000.000300');
        const sc = await eventually('a side conversation is opened', () =>
          [...fake.sideConversations.values()].find((s) => s.ticket_id === ticketId),
        );
        fake.replyFromZendesk(sc.id, { name: 'Chloé Martin', email: 'callbacks@example.com', body: 'Done.' });
        await eventually(
          'the reply reaches the thread',
          () => collected.some((c) => c.text === 'Done.'),
          5_000,
        );
        expect(await ringback.store.zendeskLinks.sideConversationOf(episode.id)).toEqual({
          ticketId,
          id: sc.id,
        });
        expect(collected).toHaveLength(1);
      } finally {
        spy.mockRestore();
        revive(new Error('the dead process is gone'));
      }
    });

    it('copies a Zendesk reply that answers a quoted line whole, and says when a reply has no text', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5011);
      const ticketId = await ticketOf(episode.id);
      await say(episode.id, 'Calling her after lunch', '1700000000.000200');
      const sc = await eventually('a side conversation is opened', () =>
        [...fake.sideConversations.values()].find((s) => s.ticket_id === ticketId),
      );
      let deliveries = 0;
      // Each delivery its own invocation: the same body signed in the same second is otherwise a replay.
      const deliver = async () => {
        const answer = await postWebhook(
          ringback.baseUrl,
          { ticket_id: String(ticketId), side_conversation_id: sc.id },
          { invocationId: `reply-${++deliveries}` },
        );
        expect(answer.status).toBe(200);
        await ringback.runner.drain();
      };
      const chloe = { name: 'Chloé Martin', email: 'callbacks@example.com' };

      fake.replyFromZendesk(sc.id, {
        ...chloe,
        body: 'Customer said:\n> my router is still down\nI will call her at 17:00, please do not call before.',
      });
      fake.replyFromZendesk(sc.id, {
        ...chloe,
        body: '> 3 missed calls today\nShe is VIP, escalate to Ben.',
      });
      await deliver();
      await eventually('both replies reach the thread', () => collected.length === 2);
      expect(collected.map((c) => c.text)).toEqual([
        'Customer said:\n> my router is still down\nI will call her at 17:00, please do not call before.',
        '> 3 missed calls today\nShe is VIP, escalate to Ben.',
      ]);

      fake.replyFromZendesk(sc.id, { ...chloe, body: '  ' });
      await deliver();
      await deliver();
      expect(collected).toHaveLength(2);
      const said = ringback
        .logs()
        .filter((line) => line.includes('has no text; nothing is copied to the thread'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('Chloé Martin');
    });

    /** The episode's ticket, once its jobs ran, closed as Zendesk's automation does days after solved. */
    async function closedTicketOf(episodeId: string): Promise<number> {
      const ticketId = await ticketOf(episodeId);
      await ringback.runner.drain();
      const ticket = fake.tickets.get(ticketId);
      if (!ticket) throw new Error('no ticket');
      ticket.status = 'closed';
      fake.touchTicket(ticketId);
      return ticketId;
    }

    /** The tickets Ringback opened as follow-ups of this one. */
    function followUpsOf(closedId: number) {
      return [...fake.tickets.values()].filter(
        (t) => t.via.source.rel === 'follow_up' && t.via.source.from.ticket_id === closedId,
      );
    }

    it('writes the resolution to a follow-up of a ticket Zendesk closed, which the episode keeps', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5021);
      const closedId = await closedTicketOf(episode.id);
      const notes = fake.tickets.get(closedId)?.comments.length;
      const resolved = await resolveAsAna(episode.id, 'reached');
      expect(resolved.status).toBe('accepted');
      await ringback.runner.drain();
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
      expect(fake.tickets.get(closedId)?.comments).toHaveLength(notes ?? 0);

      const [followUp, ...more] = followUpsOf(closedId);
      expect(more).toEqual([]);
      expect(followUp).toMatchObject({ requester_id: marie.id, group_id: 77, status: 'solved' });
      expect(followUp?.tags).toEqual(expect.arrayContaining(['ringback', 'ringback_outcome_reached']));
      expect(followUp?.comments[0]?.body).toContain(`Follow-up of ticket #${closedId}`);
      expect(followUp?.comments.at(-1)?.body).toContain('Callback resolved: Reached');
      expect((await ringback.store.episodes.get(episode.id))?.zendeskTicketId).toBe(followUp?.id);
      expect(fake.specProblems).toEqual([]);
    });

    it('notes a further missed call on a follow-up when the episode’s ticket was closed', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5022);
      const closedId = await closedTicketOf(episode.id);
      fake.addTalkCall(talkCall({ id: 5023, customer_id: marie.id, updated_at: new Date().toISOString() }));
      const [followUp] = await eventually('a follow-up ticket is opened', () => {
        const opened = followUpsOf(closedId);
        return opened.length > 0 ? opened : null;
      });
      await eventually('the second call is noted on it', () =>
        followUp?.comments.some((c) => c.body.includes('(call zendesk:5023)')),
      );
      await ringback.runner.drain();
      expect(followUpsOf(closedId)).toHaveLength(1);
      expect((await ringback.store.episodes.get(episode.id))?.zendeskTicketId).toBe(followUp?.id);
      expect(fake.specProblems).toEqual([]);
    });

    it('opens no follow-up for a call delivered after the callback was resolved and its ticket closed', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const startedAt = Date.now();
      fake.addTalkCall(
        talkCall({
          id: 5027,
          customer_id: marie.id,
          created_at: new Date(startedAt - 120_000).toISOString(),
          updated_at: new Date(startedAt - 70_000).toISOString(),
        }),
      );
      const [episode] = await eventually('the missed call opens an episode', async () => {
        const list = await ringback.store.episodes.list();
        return list.length > 0 ? list : null;
      });
      const episodeId = (episode as Episode).id;
      expect((await resolveAsAna(episodeId, 'no_answer')).status).toBe('accepted');
      const closedId = await closedTicketOf(episodeId);
      const notes = fake.tickets.get(closedId)?.comments.length;
      // Marie had called once more before the callback was resolved; the Talk export delivers it only now.
      fake.addTalkCall(
        talkCall({
          id: 5028,
          customer_id: marie.id,
          created_at: new Date(startedAt - 100_000).toISOString(),
          updated_at: new Date().toISOString(),
          duration: 20,
        }),
      );
      await eventually(
        'the late call joins the resolved episode',
        async () => ((await ringback.store.episodes.get(episodeId))?.callCount ?? 0) >= 2,
      );
      await ringback.runner.drain();
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
      expect(followUpsOf(closedId)).toEqual([]);
      expect(fake.tickets.get(closedId)?.comments).toHaveLength(notes ?? 0);
      expect((await ringback.store.episodes.get(episodeId))?.zendeskTicketId).toBe(closedId);
    });

    it('copies the thread into a side conversation of the follow-up, not of the closed ticket', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5025);
      const firstId = await ticketOf(episode.id);
      await say(episode.id, 'Calling her after lunch', '1700000000.000200');
      const old = await eventually('a side conversation is opened', () =>
        [...fake.sideConversations.values()].find((sc) => sc.ticket_id === firstId),
      );
      const closedId = await closedTicketOf(episode.id);
      fake.addTalkCall(talkCall({ id: 5026, customer_id: marie.id, updated_at: new Date().toISOString() }));
      const [followUp] = await eventually('a follow-up ticket is opened', () => {
        const opened = followUpsOf(closedId);
        return opened.length > 0 ? opened : null;
      });
      await eventually(
        'the episode moved to it',
        async () => (await ringback.store.episodes.get(episode.id))?.zendeskTicketId === followUp?.id,
      );

      // A reply in the closed ticket's side conversation would make Zendesk open a follow-up of its own.
      await say(episode.id, 'She called again', '1700000000.000300');
      const fresh = await eventually('a side conversation on the follow-up', () =>
        [...fake.sideConversations.values()].find((sc) => sc.ticket_id === followUp?.id),
      );
      expect(fresh.events[0]?.message?.body).toBe('Ana (Slack): She called again');
      expect(old.events).toHaveLength(1);
      await eventually('the thread is linked to the follow-up’s side conversation', async () => {
        const link = await ringback.store.zendeskLinks.sideConversationOf(episode.id);
        return link?.id === fresh.id;
      });
      // A webhook about the closed ticket's side conversation (a late delivery) must not take the link back.
      expect(
        (await postWebhook(ringback.baseUrl, { ticket_id: String(closedId), side_conversation_id: old.id }))
          .status,
      ).toBe(200);
      await ringback.runner.drain();
      expect((await ringback.store.zendeskLinks.sideConversationOf(episode.id))?.id).toBe(fresh.id);
      expect(fake.specProblems).toEqual([]);
    });

    it('opens one follow-up when Zendesk’s answer to its create is lost', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5024);
      const closedId = await closedTicketOf(episode.id);
      fake.inject({
        method: 'POST',
        path: /\/api\/v2\/tickets\.json$/,
        status: 502,
        afterApply: true,
        bodyMatches: (body) =>
          (body as { ticket?: { via_followup_source_id?: number } }).ticket?.via_followup_source_id ===
          closedId,
      });
      await resolveAsAna(episode.id, 'reached');
      await eventually('the resolve job ran', async () => {
        await ringback.runner.drain();
        return (await ringback.store.jobs.list({ kind: 'zendesk.ticket.resolve' })).length === 0;
      });
      expect(fake.requests.filter((r) => r.status === 502)).toHaveLength(1);
      const [followUp, ...more] = followUpsOf(closedId);
      expect(more).toEqual([]);
      expect(followUp?.comments.at(-1)?.body).toContain('Callback resolved: Reached');
      expect((await ringback.store.episodes.get(episode.id))?.zendeskTicketId).toBe(followUp?.id);
    });

    it('writes the resolve note when Zendesk refuses the claimer as assignee (an agent of another group)', async () => {
      anaAgent.groupIds = [88];
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5031);
      const ticketId = await ticketOf(episode.id);
      expect(fake.tickets.get(ticketId)?.group_id).toBe(77);
      const claimed = await claimAsAna(episode.id);
      expect(claimed.status).toBe('accepted');
      await ringback.runner.drain();
      await resolveAsAna(episode.id, 'reached');
      await ringback.runner.drain();
      expect(await ringback.store.jobs.list({ status: 'dead' })).toEqual([]);
      const ticket = fake.tickets.get(ticketId);
      expect(ticket?.comments.filter((c) => c.body.startsWith('Callback resolved'))).toHaveLength(1);
      expect(ticket?.tags).toEqual(expect.arrayContaining(['ringback_resolved', 'ringback_outcome_reached']));
      expect(ticket?.assignee_id).not.toBe(anaAgent.id);
      expect(ringback.logs()).toContainEqual(
        expect.stringContaining('Assignee: is not a member of the group'),
      );
    });

    it('creates a new ticket without first searching for one: no earlier attempt can have made it', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5011);
      await ticketOf(episode.id);
      await ringback.runner.drain();
      expect(fake.accepted('POST', /\/api\/v2\/tickets\.json$/)).toHaveLength(1);
      expect(externalIdSearches()).toBe(0);
      expect(await ringback.store.zendeskLinks.ticketCreateStarted(episode.id)).toBe(true);
    });
  });

  describe('claim and release', () => {
    it('assigns the clicker’s agent, unassigns on release, and leaves the ticket alone for a non-agent', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5101);
      const ticketId = await ticketOf(episode.id);
      const at = () => ringback.clock.now();
      await runCommand(ringback.commands, episode.id, { type: 'claim', actor: ana, at: at() });
      await eventually('assigned to Ana', () => fake.tickets.get(ticketId)?.assignee_id === anaAgent.id);
      // Nobody had worked the ticket yet: the claim opens it.
      expect(fake.tickets.get(ticketId)?.status).toBe('open');

      await runCommand(ringback.commands, episode.id, {
        type: 'release',
        actor: ana,
        at: at(),
        asManager: false,
      });
      await eventually('unassigned again', () => fake.tickets.get(ticketId)?.assignee_id === null);

      const guest: Actor = {
        id: 'slack:UGUEST01',
        name: 'Guest',
        email: 'guest@example.com',
        surface: 'slack',
      };
      await runCommand(ringback.commands, episode.id, { type: 'claim', actor: guest, at: at() });
      await ringback.runner.drain();
      // A completed job is deleted.
      await eventually(
        'the assign job ran',
        async () => (await ringback.store.jobs.list({ kind: 'zendesk.ticket.assign' })).length === 0,
      );
      expect(fake.tickets.get(ticketId)?.assignee_id).toBeNull();
      expect(ringback.logs().some((line) => line.includes('Guest is not a Zendesk agent'))).toBe(true);
      expect(fake.specProblems).toEqual([]);
    });

    it('leaves an assignee set in Zendesk when the card is released: Ringback did not assign them', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5102);
      const ticketId = await ticketOf(episode.id);
      await ringback.runner.drain();
      // A lead assigns the ticket to Ana in Zendesk before anyone touches the card.
      const ticket = fake.tickets.get(ticketId);
      if (!ticket) throw new Error('no ticket');
      ticket.status = 'open';
      ticket.assignee_id = anaAgent.id;
      fake.touchTicket(ticketId);

      await claimAndSync(episode.id);
      await releaseAndSync(episode.id);

      expect(fake.tickets.get(ticketId)?.assignee_id).toBe(anaAgent.id);
      expect(fake.specProblems).toEqual([]);
    });

    it('unassigns on release the agent Ringback assigned even when the assign answer was lost', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5201);
      const ticketId = await ticketOf(episode.id);
      await ringback.runner.drain();
      // The assign goes through at Zendesk but its answer is lost (a 502 after applying).
      fake.inject({
        method: 'PUT',
        path: new RegExp(`/tickets/${ticketId}\\.json$`),
        status: 502,
        afterApply: true,
      });
      await claimAndSync(episode.id);
      expect(fake.tickets.get(ticketId)?.assignee_id).toBe(anaAgent.id);
      await releaseAndSync(episode.id);
      expect(fake.tickets.get(ticketId)?.assignee_id).toBeNull();
    });

    it('unassigns on release the agent Ringback assigned when it died before storing the assignment', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5202);
      const ticketId = await ticketOf(episode.id);
      await ringback.runner.drain();
      // kill -9 right after Zendesk applied the assign: the write goes out, and nothing after it runs.
      const update = ZendeskClient.prototype.updateTicket;
      let revive: (error: Error) => void = () => undefined;
      const spy = vi.spyOn(ZendeskClient.prototype, 'updateTicket').mockImplementation(async function (
        this: ZendeskClient,
        id,
        change,
        stamp,
      ) {
        const applied = await update.call(this, id, change, stamp);
        if (change.assignee_id !== anaAgent.id) return applied;
        return new Promise<never>((_, reject) => {
          revive = reject;
        });
      });
      try {
        await claimAsAna(episode.id);
        await eventually('assigned to Ana', () => fake.tickets.get(ticketId)?.assignee_id === anaAgent.id);
        await runCommand(ringback.commands, episode.id, {
          type: 'release',
          actor: ana,
          at: ringback.clock.now(),
          asManager: false,
        });
        // The claim's job never ends (its process is gone); the release's job is the other one.
        await eventually(
          'the release’s assign job ran',
          async () => (await ringback.store.jobs.list({ kind: 'zendesk.ticket.assign' })).length === 1,
        );
        expect(fake.tickets.get(ticketId)?.assignee_id).toBeNull();
      } finally {
        spy.mockRestore();
        revive(new Error('the dead process is gone'));
      }
    });

    for (const status of ['pending', 'hold', 'solved']) {
      it(`keeps the status ${status} an agent set in Zendesk when the card is claimed`, async () => {
        ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
        const episode = await missedCall(5103);
        const ticketId = await ticketOf(episode.id);
        await ringback.runner.drain();
        // An agent works the ticket in Zendesk: takes it and sets its status.
        const ticket = fake.tickets.get(ticketId);
        if (!ticket) throw new Error('no ticket');
        ticket.status = status;
        ticket.assignee_id = anaAgent.id;
        fake.touchTicket(ticketId);

        await claimAndSync(episode.id);
        expect(fake.tickets.get(ticketId)?.status).toBe(status);
        expect(fake.specProblems).toEqual([]);
      });
    }

    it('tells the directory who is a Zendesk admin, for managers.zendeskRoles', async () => {
      fake.addAgent('Zoe Admin', 'zoe@example.com', 'admin');
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const agents = await ringback.directory.agentsFor('ZOE@example.com');
      expect(agents.get('zendesk')).toMatchObject({ name: 'Zoe Admin', role: 'admin' });
      const searches = fake.accepted('GET', /users\/search/).length;
      await ringback.directory.agentsFor('zoe@example.com');
      expect(fake.accepted('GET', /users\/search/)).toHaveLength(searches);
      expect((await ringback.directory.agentsFor('marie@example.com')).size).toBe(0);
    });
  });

  describe('with createTickets: false and no Talk ticket', () => {
    it('creates no ticket and copies no thread message', async () => {
      const yaml = ROUTING_YAML.replace('createTickets: true', 'createTickets: false');
      ringback = await startZendeskRingback(zendeskConfig(database, fake, yaml), { collected });
      const episode = await missedCall(5201);
      await say(episode.id, 'anyone?', '1700000000.000900');
      await eventually('the jobs ran', async () => {
        // A completed job is deleted: two effects were queued (a metric counts them), none is left.
        const { values } = await ringback.metrics.jobs.get();
        const completed = values.filter((v) => v.labels.result === 'done').reduce((n, v) => n + v.value, 0);
        return completed >= 2 && (await ringback.store.jobs.list()).length === 0;
      });
      expect(fake.tickets.size).toBe(0);
      expect(fake.sideConversations.size).toBe(0);
      expect((await ringback.store.episodes.get(episode.id))?.zendeskTicketId).toBeNull();
    });
  });

  describe('when Zendesk pushes back (429 with Retry-After, 409, a lost response)', () => {
    it('still completes, with no duplicate ticket, side conversation or note', async () => {
      fake.inject({ method: 'POST', path: /\/api\/v2\/tickets\.json$/, status: 429, retryAfterSeconds: 1 });
      // The create succeeds but its answer is lost: the retry must find the ticket, not make another.
      fake.inject({ method: 'POST', path: /\/api\/v2\/tickets\.json$/, status: 502, afterApply: true });
      fake.inject({ method: 'PUT', path: /\/api\/v2\/tickets\/\d+\.json$/, status: 409 });
      fake.inject({ method: 'POST', path: /\/side_conversations\.json$/, status: 429, retryAfterSeconds: 1 });
      fake.inject({ method: 'POST', path: /\/side_conversations\.json$/, status: 503, afterApply: true });
      fake.inject({ method: 'GET', path: /\/users\/search\.json$/, status: 429, retryAfterSeconds: 1 });
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const { ticketId, episodeId } = await runWholeFlow();
      expectResolvedOnce(ticketId, episodeId);
      // The create Zendesk answered 429 needs no search; the one whose answer was lost does, once.
      expect(externalIdSearches()).toBe(1);
      expect(fake.rateLimited().length).toBeGreaterThanOrEqual(3);
      expect(fake.retryAfterViolations).toEqual([]);
      expect(fake.specProblems).toEqual([]);
    });

    it('re-reads and retries the resolve when the ticket changed meanwhile', async () => {
      ringback = await startZendeskRingback(zendeskConfig(database, fake), { collected });
      const episode = await missedCall(5002);
      const ticketId = await ticketOf(episode.id);
      await ringback.runner.drain();
      // Talk (or an agent) touches the ticket after we read it: our stamp is stale → 409 → re-read.
      fake.inject({ method: 'PUT', path: new RegExp(`/tickets/${ticketId}\\.json$`), status: 409, times: 2 });
      await resolveAsAna(episode.id, 'voicemail');
      await eventually('the ticket is solved', () => fake.tickets.get(ticketId)?.status === 'solved');
      const notes = fake.tickets
        .get(ticketId)
        ?.comments.filter((c) => c.body.startsWith('Callback resolved'));
      expect(notes).toHaveLength(1);
      expect(fake.tickets.get(ticketId)?.tags).toContain('ringback_outcome_voicemail');
    });
  });
});
