/**
 * Issue 15 end to end, through the public routes (Aircall webhook, /api/calls), the clicks' use case
 * (app/act.ts, shared by Slack and Teams), a fake Zendesk and a fake Aircall, on SQLite with the jobs run
 * by hand: a VIP requester with an open urgent ticket makes a high call, posted to the VIP channel as well,
 * with the pre-brief on the card; a repeat caller is suggested to the agent who answered them last (and,
 * with autoClaim, claimed for them, told privately, free to release); a reassign moves the Zendesk
 * assignee and tells both people; round robin skips agents Aircall says are unavailable.
 */
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisterAdapter } from '../../../src/adapters/context.js';
import { type ActDeps, actOnCard, cardActionFor } from '../../../src/app/act.js';
import { cardModelFor } from '../../../src/app/card.js';
import type { Notice } from '../../../src/app/notices.js';
import { PREBRIEF_WAIT_MS, registerTriage } from '../../../src/app/triage.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { parseDetails } from '../../../src/domain/details.js';
import { channelsFor } from '../../../src/domain/priority.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { registerProviders } from '../../../src/providers/register.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeAircall } from '../../mocks/fakeAircall.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { NOTICE_JOB, recordingSurface } from '../escalation/harness.js';
import { AIRCALL_FIXTURE_TOKEN } from '../ingest/support.js';

const PARIS = 'Europe/Paris';
const API_TOKEN = 'priority-api-token';
const LINE_DIGITS = '+33 1 76 36 06 95';
const CARD_POST_JOB = 'test.card-post';
const NEVER = Number.MAX_SAFE_INTEGER;

const ana: Actor = { id: 'slack:UANA0001', name: 'Ana Lopez', email: 'ana@example.com', surface: 'slack' };
const ben: Actor = { id: 'slack:UBEN0001', name: 'Ben Martin', email: 'ben@example.com', surface: 'slack' };
const carl: Actor = { id: 'slack:UCARL001', name: 'Carl', email: 'carl@example.com', surface: 'slack' };

function routing(assign: string): string {
  return `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "${LINE_DIGITS}" }
    slack: { channel: C0123456789 }
    country: FR
    ${assign}
zendesk:
  createTickets: true
  showTags: [vip]
priority:
  - name: VIP with an urgent ticket
    when: { zendeskTag: vip, openTicketPriority: urgent }
    level: high
    slack: { channel: C0VIP00000 }
    mention: "<!subteam^S0VIP>"
`;
}

/** Records where the card would be posted (the surfaces call channelsFor for `card.post`). */
const recordingPosts: RegisterAdapter = (ctx) => {
  ctx.addIntentTranslator((intent, { episode }) =>
    intent.kind === 'card.post'
      ? [
          {
            kind: CARD_POST_JOB,
            payload: { episodeId: episode.id, ...channelsFor(ctx.config.routing, episode) },
            runAt: NEVER,
          },
        ]
      : [],
  );
  ctx.runner.register(CARD_POST_JOB, async () => undefined);
};

let callId = 1000;

/** An Aircall call.ended delivery: missed (no answer) or answered by `agent`. */
function callEnded(from: string, at: number, agent: { name: string; email: string } | null): string {
  const seconds = Math.floor(at / 1000);
  return JSON.stringify({
    resource: 'call',
    event: 'call.ended',
    timestamp: seconds + 30,
    token: AIRCALL_FIXTURE_TOKEN,
    data: {
      id: ++callId,
      direction: 'inbound',
      status: 'done',
      missed_call_reason: agent ? null : 'agents_did_not_answer',
      started_at: seconds,
      answered_at: agent ? seconds + 10 : null,
      ended_at: seconds + 60,
      duration: 60,
      raw_digits: from,
      user: agent ? { id: 456001, name: agent.name, email: agent.email } : null,
      number: { id: 1004521, name: 'Support FR', digits: LINE_DIGITS, country: 'FR' },
    },
  });
}

describe('priority, pre-brief, suggested owner and reassign', () => {
  let database: TestDatabase;
  let zendesk: FakeZendesk;
  let aircall: FakeAircall;
  let clock: ManualClock;
  let app: StartedRingback | null;
  let act: ActDeps;
  let logLines: () => string[];

  async function start(assign: string): Promise<StartedRingback> {
    const config = testConfig({
      database,
      routingYaml: routing(assign),
      env: {
        AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
        AIRCALL_API_ID: aircall.apiId,
        AIRCALL_API_TOKEN: aircall.apiToken,
        AIRCALL_API_URL: aircall.url,
        ZENDESK_URL: zendesk.url,
        ZENDESK_EMAIL: zendesk.email,
        ZENDESK_API_TOKEN: zendesk.token,
        RINGBACK_API_TOKEN: API_TOKEN,
      },
    });
    const log = memoryLogger(config.secrets);
    logLines = log.lines;
    app = await startRingback(config, {
      clock,
      manualJobs: true,
      logger: log.logger,
      adapters: [
        registerProviders,
        createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
        registerTriage,
        // Holds out-of-hours cards until the line opens (the held-call test).
        registerEscalation,
        recordingSurface,
        recordingPosts,
      ],
    });
    act = { commands: app.commands, directory: app.directory, routing: app.config.routing };
    await drain();
    return app;
  }

  function running(): StartedRingback {
    if (!app) throw new Error('not started');
    return app;
  }

  beforeEach(async () => {
    database = sqliteDatabase();
    clock = new ManualClock(DateTime.fromISO('2026-12-02T10:00', { zone: PARIS }).toMillis());
    zendesk = await new FakeZendesk({ now: () => clock.now() }).start();
    aircall = await new FakeAircall({
      users: [
        { id: 1, name: 'Ana Lopez', email: 'ana@example.com' },
        { id: 2, name: 'Ben Martin', email: 'ben@example.com' },
        { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      ],
    }).start();
    zendesk.addAgent('Ana Lopez', 'ana@example.com');
    zendesk.addAgent('Ben Martin', 'ben@example.com');
    app = null;
  });

  afterEach(async () => {
    await app?.stop();
    await zendesk.stop();
    await aircall.stop();
    await database.drop();
  });

  async function drain(): Promise<void> {
    const ringback = running();
    for (let round = 0; round < 10; round++) {
      await ringback.runner.drain();
      const soon = (await ringback.store.jobs.list({})).filter(
        (job) =>
          job.status === 'pending' && job.runAt <= clock.now() + 5_000 && !job.kind.startsWith('test.'),
      );
      if (soon.length === 0) return;
      clock.set(clock.now() + 1_100);
    }
  }

  async function post(body: string): Promise<void> {
    const answer = await fetch(`${running().baseUrl}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(200);
  }

  async function missedCallFrom(number: string): Promise<Episode> {
    await post(callEnded(number, clock.now() - 120_000, null));
    await drain();
    const [episode] = await running().store.episodes.list({ states: ['open', 'claimed'], limit: 1 });
    if (!episode) throw new Error('no episode');
    return episode;
  }

  /** `actor` presses Claim on the card of `episodeId`, and what follows runs. */
  async function claimAs(actor: Actor, episodeId: string): Promise<void> {
    const claim = cardActionFor(ACTION_IDS.claim);
    if (!claim) throw new Error('no claim action');
    expect((await actOnCard(act, { episodeId, actor, action: claim })).status).toBe('accepted');
    await drain();
  }

  async function current(id: string): Promise<Episode> {
    const episode = await running().store.episodes.get(id);
    if (!episode) throw new Error(`no episode ${id}`);
    return episode;
  }

  async function notices(): Promise<Notice[]> {
    const jobs = await running().store.jobs.list({});
    return jobs.filter((j) => j.kind === NOTICE_JOB).map((j) => j.payload as Notice);
  }

  async function cardPosts(episodeId: string): Promise<{ slack: string[] }[]> {
    const jobs = await running().store.jobs.list({});
    return jobs
      .filter((j) => j.kind === CARD_POST_JOB && (j.payload as { episodeId: string }).episodeId === episodeId)
      .map((j) => j.payload as { slack: string[] });
  }

  async function apiCall(id: string): Promise<Record<string, unknown>> {
    const answer = await fetch(`${running().baseUrl}/api/calls/${id}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as Record<string, unknown>;
  }

  it('makes a VIP requester with an open urgent ticket a high call, with the pre-brief on the card', async () => {
    await start('');
    const acme = zendesk.addOrganization({ name: 'Acme <Corp>', tags: ['VIP', 'enterprise'] });
    const marie = zendesk.addUser({
      name: 'Marie Dupont',
      phone: '+33612345678',
      organization_id: acme.id,
      tags: ['billing'],
      iana_time_zone: 'America/New_York',
    });
    const benAgent = [...zendesk.users.values()].find((u) => u.email === 'ben@example.com');
    zendesk.addTicket({
      requester_id: marie.id,
      status: 'open',
      priority: 'urgent',
      subject: 'Invoice *wrong* <again>',
      assignee_id: benAgent?.id ?? null,
      via: { channel: 'email', source: { from: {}, to: {}, rel: null } },
    });

    const episode = await missedCallFrom('+33 6 12 34 56 78');
    const after = await current(episode.id);
    expect(after).toMatchObject({ priority: 'high', priorityRule: 'VIP with an urgent ticket' });

    // Posted once to the line's channel at once, then to the VIP channel as well once Zendesk answered.
    const posts = await cardPosts(episode.id);
    expect(posts.map((p) => p.slack)).toEqual([['C0123456789'], ['C0123456789', 'C0VIP00000']]);
    expect(await notices()).toContainEqual({
      kind: 'thread',
      episodeId: episode.id,
      text: 'High priority: tagged vip, urgent ticket open',
      mention: '<!subteam^S0VIP>',
    });

    const details = parseDetails(await running().store.episodes.getDetails(episode.id));
    const model = cardModelFor(running().config, after, details, clock.now());
    expect(model.priorityText).toBe('High priority · VIP with an urgent ticket');
    expect(model.prebriefLines).toEqual([
      'Organization: Acme <Corp>',
      'Tags: vip',
      `1 open ticket · latest #${model.prebriefTicket?.id} “Invoice *wrong* <again>” (urgent)`,
      'Last contact 2 Dec by email with Ben Martin',
      'Caller’s local time 04:00 (America/New_York)',
    ]);
    expect(model.prebriefTicket?.url).toBe(`${zendesk.url}/agent/tickets/${model.prebriefTicket?.id}`);

    const view = await apiCall(episode.id);
    expect(view.priority).toBe('high');
    expect(view.suggestedOwner).toBeNull();

    // A later normal call: lists that ask for it put the high one first anyway.
    clock.set(clock.now() + 60_000);
    await post(callEnded('+33 6 55 55 55 55', clock.now() - 30_000, null));
    await drain();
    const listed = await running().store.episodes.list({ states: ['open'], priorityFirst: true });
    expect(listed.map((e) => [e.caller.number, e.priority])).toEqual([
      ['+33612345678', 'high'],
      ['+33655555555', 'normal'],
    ]);
    const newestFirst = await running().store.episodes.list({ states: ['open'] });
    expect(newestFirst[0]?.caller.number).toBe('+33655555555');
  });

  /** Requests that create a Zendesk user (or would change one: create_or_update is never to be sent). */
  function userCreates(): string[] {
    return zendesk.requests
      .filter((r) => r.method === 'POST' && /^\/api\/v2\/users(\/create_or_update)?\.json$/.test(r.path))
      .map((r) => r.path);
  }

  /** Requests the pre-brief job sends: the requester's profile and their requested tickets. */
  function prebriefReads(): string[] {
    return zendesk.requests
      .filter((r) => r.method === 'GET' && /^\/api\/v2\/users\/\d+(\.json|\/tickets\/requested)/.test(r.path))
      .map((r) => r.path);
  }

  it('gives a first-time caller the pre-brief of the Zendesk user it just created, without reading it back', async () => {
    await start('');
    const episode = await missedCallFrom('+33 6 77 77 77 77');
    const after = await current(episode.id);
    expect(after.zendeskTicketId).not.toBeNull();
    // One search, with the digits only (as Zendesk's guide asks), then the user and the ticket.
    const searches = zendesk.requests.filter((r) => r.path.startsWith('/api/v2/users/search'));
    expect(searches.map((r) => r.query.get('query'))).toEqual(['33677777777']);
    expect(userCreates()).toEqual(['/api/v2/users.json']);
    expect(prebriefReads()).toEqual([]);

    const details = parseDetails(await running().store.episodes.getDetails(episode.id));
    expect(details.requester?.name).toBe('Caller +33 6 77 77 77 77');
    expect(details.prebrief).toEqual({
      fetchedAt: expect.any(Number),
      organization: null,
      tags: [],
      openTickets: { count: 0, highestPriority: null, latest: null },
      lastContact: null,
      assignee: null,
      // The line's country (FR) has one zone; a new Zendesk user only has the account's.
      timeZone: 'Europe/Paris',
    });
    // Announced as a pre-brief read from Zendesk is (the reactions table runs triage on it).
    const audit = await running().store.audit.listForEpisode(episode.id);
    expect(
      audit.filter((entry) => entry.type === 'details_changed').map((entry) => entry.data),
    ).toContainEqual({
      fields: ['requester', 'prebrief'],
    });
    const model = cardModelFor(running().config, after, details, clock.now());
    expect(model.prebriefLines).toContain('Caller’s local time 10:00 (Europe/Paris)');
  });

  it('reads the pre-brief from Zendesk when a retried ticket create finds the user it created earlier', async () => {
    await start('');
    zendesk.inject({ method: 'POST', path: /^\/api\/v2\/tickets\.json/, status: 503 });
    await post(callEnded('+33 6 88 88 88 88', clock.now() - 120_000, null));
    await drain();
    const [episode] = await running().store.episodes.list({ states: ['open'], limit: 1 });
    if (!episode) throw new Error('no episode');
    expect((await current(episode.id)).zendeskTicketId).not.toBeNull();
    // The first attempt may have made a ticket for this user before it failed: ask Zendesk.
    expect(userCreates()).toEqual(['/api/v2/users.json']);
    expect(prebriefReads()).toHaveLength(2);
    const details = parseDetails(await running().store.episodes.getDetails(episode.id));
    expect(details.prebrief?.openTickets.count).toBe(0);
  });

  it('reads the pre-brief and warns when the phone search missed a user Ringback made for an earlier call', async () => {
    await start('');
    // Made by Ringback a day ago; its number is not where this account's search looks.
    const earlier = zendesk.addUser({
      name: 'Caller +33 6 99 99 99 99',
      external_id: 'ringback-phone-+33699999999',
      created_at: new Date(clock.now() - 86_400_000).toISOString(),
    });
    const episode = await missedCallFrom('+33 6 99 99 99 99');
    const details = parseDetails(await running().store.episodes.getDetails(episode.id));
    expect(details.requester?.id).toBe(earlier.id);
    expect(prebriefReads()).toHaveLength(2);
    expect(logLines().filter((line) => line.includes('the phone search did not find user'))).toHaveLength(1);
  });

  it('finds a known user whose second phone number is the caller’s, instead of failing to make a new one', async () => {
    await start('');
    // Their main number is the office; the mobile calling is a second identity. Creating a user with that
    // number is refused (422 "already being used by another user").
    const known = zendesk.addUser({
      name: 'Marie Dupont',
      phone: '+33176360000',
      identities: [
        { id: 9001, type: 'phone_number', value: '+33176360000' },
        { id: 9002, type: 'phone_number', value: '+33655443322' },
      ],
    });
    const episode = await missedCallFrom('+33 6 55 44 33 22');
    const after = await current(episode.id);
    expect(after.zendeskTicketId).not.toBeNull();
    expect(parseDetails(await running().store.episodes.getDetails(episode.id)).requester?.id).toBe(known.id);
    expect(userCreates()).toEqual([]);
    expect(zendesk.requests.filter((r) => r.path.includes(`/users/${known.id}/identities`))).toHaveLength(1);
    expect(await running().store.jobs.list({ status: 'dead' })).toEqual([]);
  });

  it('gives a withheld caller an empty pre-brief, not that of the other withheld callers sharing their requester', async () => {
    await start('assign: { suggest: [ticketAssignee] }');
    const first = await missedCallFrom('anonymous');
    await claimAs(ben, first.id);
    clock.set(clock.now() + 600_000);
    await post(callEnded('anonymous', clock.now() - 60_000, null));
    await drain();
    const second = (await running().store.episodes.list({})).find((e) => e.id !== first.id);
    if (!second) throw new Error('no second episode');
    expect(second.zendeskTicketId).not.toBeNull();
    const details = parseDetails(await running().store.episodes.getDetails(second.id));
    // Ben holds the first anonymous caller's ticket: nothing says the second caller is the same person.
    expect(details.prebrief).toMatchObject({ openTickets: { count: 0 }, lastContact: null, assignee: null });
    expect(second.suggestedOwner).toBeNull();
  });

  it('suggests a repeat caller to the agent who answered them last, and counts their calls', async () => {
    await start('assign: { suggest: [lastAgent, roundRobin] }');
    await post(
      callEnded('+33 6 98 76 54 32', clock.now() - 86_400_000, {
        name: 'Ben Martin',
        email: 'ben@example.com',
      }),
    );
    await post(
      callEnded('+33 6 98 76 54 32', clock.now() - 3 * 86_400_000, {
        name: 'Ana Lopez',
        email: 'ana@example.com',
      }),
    );
    await drain();
    const episode = await missedCallFrom('+33 6 98 76 54 32');
    const after = await current(episode.id);
    expect(after.state).toBe('open');
    expect(after.suggestedOwner).toEqual({
      name: 'Ben Martin',
      email: 'ben@example.com',
      why: 'spoke with this caller on 1 Dec',
      source: 'lastAgent',
      autoClaimed: false,
    });
    const details = parseDetails(await running().store.episodes.getDetails(episode.id));
    const model = cardModelFor(running().config, after, details, clock.now());
    expect(model.suggestionText).toBe('Suggested: Ben Martin · spoke with this caller on 1 Dec');
    expect(model.prebriefLines).toContain('3rd call in 7 days');
    expect((await apiCall(episode.id)).suggestedOwner).toEqual({
      name: 'Ben Martin',
      email: 'ben@example.com',
      why: 'spoke with this caller on 1 Dec',
    });
  });

  it('claims for the suggested agent with autoClaim: they are told privately, the ticket follows, they can release', async () => {
    await start('assign: { suggest: [lastAgent], autoClaim: true }');
    await post(
      callEnded('+33 6 98 76 54 32', clock.now() - 86_400_000, {
        name: 'Ben Martin',
        email: 'ben@example.com',
      }),
    );
    const episode = await missedCallFrom('+33 6 98 76 54 32');
    const after = await current(episode.id);
    expect(after.state).toBe('claimed');
    expect(after.claimedBy).toMatchObject({ name: 'Ben Martin', email: 'ben@example.com' });
    const told = (await notices()).filter((n) => n.kind === 'dm');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ to: [{ email: 'ben@example.com' }] });
    expect((told[0] as { text: string }).text).toMatch(
      /^Ringback gave you the missed call from 06 98 76 54 32 on Support FR \(spoke with this caller on 1 Dec\)/,
    );
    const benAgent = [...zendesk.users.values()].find((u) => u.email === 'ben@example.com');
    const ticket = zendesk.tickets.get(after.zendeskTicketId ?? -1);
    expect(ticket?.assignee_id).toBe(benAgent?.id);

    const release = cardActionFor(ACTION_IDS.release);
    if (!release) throw new Error('no release action');
    const released = await actOnCard(act, { episodeId: episode.id, actor: ben, action: release });
    expect(released.status).toBe('accepted');
    await drain();
    expect((await current(episode.id)).state).toBe('open');
    expect(zendesk.tickets.get(after.zendeskTicketId ?? -1)?.assignee_id).toBeNull();
  });

  it('reassigns with the Zendesk assignee following, and refuses a non-agent', async () => {
    await start('');
    const episode = await missedCallFrom('+33 6 11 22 33 44');
    await claimAs(ana, episode.id);

    const toCarl = cardActionFor(ACTION_IDS.reassign, null, carl);
    if (!toCarl) throw new Error('no reassign action');
    const refused = await actOnCard(act, { episodeId: episode.id, actor: ana, action: toCarl });
    expect(refused).toMatchObject({ status: 'refused' });
    expect((refused as { message: string }).message).toMatch(/^Carl is not set up as an agent/);
    expect(cardActionFor(ACTION_IDS.reassign, null, null)).toBeNull();

    const toBen = cardActionFor(ACTION_IDS.reassign, null, ben);
    if (!toBen) throw new Error('no reassign action');
    const done = await actOnCard(act, { episodeId: episode.id, actor: ana, action: toBen });
    expect(done.status).toBe('accepted');
    await drain();
    const after = await current(episode.id);
    expect(after.claimedBy).toEqual(ben);
    const benAgent = [...zendesk.users.values()].find((u) => u.email === 'ben@example.com');
    expect(zendesk.tickets.get(after.zendeskTicketId ?? -1)?.assignee_id).toBe(benAgent?.id);
    const told = (await notices()).filter((n) => n.kind === 'dm');
    expect(told).toEqual([
      {
        kind: 'dm',
        to: [ben],
        text: 'Ana Lopez handed you the missed call from 06 11 22 33 44 on Support FR.',
        episodeId: episode.id,
      },
    ]);
    // Only the new owner (or a manager) may hand it on now.
    const back = cardActionFor(ACTION_IDS.reassign, null, ana);
    if (!back) throw new Error('no reassign action');
    expect(await actOnCard(act, { episodeId: episode.id, actor: ana, action: back })).toMatchObject({
      status: 'refused',
      message: 'Only Ben Martin or a manager can hand this call to someone else.',
    });
  });

  it('gives a call held overnight its round-robin owner when the line opens and the agents are back', async () => {
    for (const user of aircall.users) user.available = false;
    clock.set(DateTime.fromISO('2026-12-02T20:00', { zone: PARIS }).toMillis());
    await start(`assign: { suggest: [roundRobin], agents: [ana@example.com, ben@example.com, chloe@example.com] }
    businessHours: { mon-fri: "09:00-18:00" }
    outOfHours: { mode: hold }`);
    const night = await missedCallFrom('+33 6 00 00 00 09');
    // Nobody was available at night: no one in turn.
    expect((await current(night.id)).suggestedOwner).toBeNull();

    for (const user of aircall.users) user.available = true;
    const opening = DateTime.fromISO('2026-12-03T09:00', { zone: PARIS }).toMillis();
    clock.set(opening);
    for (const user of aircall.users) {
      await post(
        JSON.stringify({
          resource: 'user',
          event: 'user.opened',
          timestamp: Math.floor(opening / 1000),
          token: AIRCALL_FIXTURE_TOKEN,
          data: { id: user.id, name: user.name, email: user.email },
        }),
      );
    }
    await drain();
    clock.set(opening + 120_000);
    await drain();
    expect((await cardPosts(night.id)).length).toBe(1);
    expect((await current(night.id)).suggestedOwner?.source).toBe('roundRobin');
  });

  it('waits for the pre-brief before taking a round-robin turn when the ticket assignee ranks first', async () => {
    await start(
      'assign: { suggest: [ticketAssignee, roundRobin], autoClaim: true, agents: [ana@example.com, ben@example.com, chloe@example.com] }',
    );
    const marie = zendesk.addUser({ name: 'Marie Dupont', phone: '+33612345678' });
    const benAgent = [...zendesk.users.values()].find((u) => u.email === 'ben@example.com');
    zendesk.addTicket({
      requester_id: marie.id,
      status: 'open',
      priority: 'normal',
      subject: 'Invoice',
      assignee_id: benAgent?.id ?? null,
    });
    const episode = await missedCallFrom('+33 6 12 34 56 78');
    const after = await current(episode.id);
    expect(after.suggestedOwner).toMatchObject({ name: 'Ben Martin', source: 'ticketAssignee' });
    expect(after.claimedBy?.name).toBe('Ben Martin');
    // Nobody's turn was spent on a call that had its owner.
    expect(await running().store.cursors.get('roundrobin:Support FR')).toBeNull();
  });

  it('takes the round-robin turn anyway when the help desk gives no pre-brief in time', async () => {
    await start(
      'assign: { suggest: [ticketAssignee, roundRobin], autoClaim: true, agents: [ana@example.com, ben@example.com, chloe@example.com] }',
    );
    // Zendesk is down: no requester, no ticket, no pre-brief.
    for (const method of ['GET', 'POST', 'PUT'])
      zendesk.inject({ method, path: /\/api\/v2\//, status: 503, times: 1_000 });
    const episode = await missedCallFrom('+33 6 12 34 56 79');
    expect((await current(episode.id)).claimedBy).toBeNull();
    clock.set(clock.now() + PREBRIEF_WAIT_MS + 1_000);
    await drain();
    const after = await current(episode.id);
    expect(after.suggestedOwner?.source).toBe('roundRobin');
    expect(after.claimedBy).not.toBeNull();
  });

  it('round robin skips agents Aircall marks unavailable', async () => {
    const benUser = aircall.users.find((u) => u.email === 'ben@example.com');
    if (benUser) benUser.available = false;
    await start(
      'assign: { suggest: [roundRobin], agents: [ana@example.com, ben@example.com, chloe@example.com] }',
    );
    // Chloé closes herself by the webhook: the event says it before the next users read.
    await post(
      JSON.stringify({
        resource: 'user',
        event: 'user.closed',
        timestamp: Math.floor(clock.now() / 1000),
        token: AIRCALL_FIXTURE_TOKEN,
        data: { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      }),
    );
    const first = await missedCallFrom('+33 6 00 00 00 01');
    expect((await current(first.id)).suggestedOwner).toMatchObject({
      name: 'Ana Lopez',
      source: 'roundRobin',
    });
    // Chloé opens again; Ben is still unavailable: the next call goes to Chloé, the one after to Ana.
    await post(
      JSON.stringify({
        resource: 'user',
        event: 'user.opened',
        timestamp: Math.floor(clock.now() / 1000) + 1,
        token: AIRCALL_FIXTURE_TOKEN,
        data: { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      }),
    );
    clock.set(clock.now() + 1_000);
    await post(callEnded('+33 6 00 00 00 02', clock.now() - 60_000, null));
    await drain();
    await post(callEnded('+33 6 00 00 00 03', clock.now() - 30_000, null));
    await drain();
    const all = await running().store.episodes.list({});
    const byNumber = new Map(all.map((e) => [e.caller.number, e.suggestedOwner?.name]));
    expect(byNumber.get('+33600000002')).toBe('Chloé Roy');
    expect(byNumber.get('+33600000003')).toBe('Ana Lopez');
    // An older delivery of Chloé's closing changes nothing.
    await post(
      JSON.stringify({
        resource: 'user',
        event: 'user.closed',
        timestamp: Math.floor(clock.now() / 1000) - 3600,
        token: AIRCALL_FIXTURE_TOKEN,
        data: { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      }),
    );
    const rows = await running().store.db.selectFrom('agent_availability').selectAll().execute();
    expect(rows.find((r) => r.user_id === '3')?.available).toBe(1);
    expect(rows.find((r) => r.user_id === '2')?.available).toBe(0);
  });
});
