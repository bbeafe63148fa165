/**
 * The callback workflow end to end, through the public routes (Aircall webhook, /api/calls), the clicks'
 * use case (app/act.ts, shared by Slack and Teams) and a fake Zendesk, with the durable timers on a manual
 * clock: callback request → claim → snooze → reminder at due time → no answer (attempt 1 of 2) → snoozed by
 * the retry policy → reminder → no answer → resolved → one public follow-up in French for a French requester;
 * none for a requester without e-mail (the card says so). Reminders and the follow-up happen once, also
 * when a second replica drains the same jobs and when the follow-up job runs again after a crash.
 */
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ActDeps, actOnCard, cardActionFor } from '../../../src/app/act.js';
import { cardModelFor } from '../../../src/app/card.js';
import type { Notice } from '../../../src/app/notices.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { parseDetails } from '../../../src/domain/details.js';
import type { Actor, Episode } from '../../../src/domain/types.js';
import { registerProviders } from '../../../src/providers/register.js';
import { registerEscalation } from '../../../src/timers/register.js';
import { FOLLOW_UP_TAG, followUpJob } from '../../../src/zendesk/followUp.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { memoryLogger, type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { NOTICE_JOB, recordingSurface } from '../escalation/harness.js';
import { AIRCALL_FIXTURE_TOKEN, fixtures } from '../ingest/support.js';

const PARIS = 'Europe/Paris';
const API_TOKEN = 'callbacks-api-token';
const ROUTING = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    country: FR
    locale: fr
    sla: { resolveWithin: 20m }
    reminders: { escalate: [] }
    retry: { attempts: 2, every: 30m }
    followUp:
      after: [no_answer]
      templates:
        en: "Hello {{callerName}}, {{agentFirstName}} from {{line}} tried to call you back {{attempts}} times."
        fr: "Bonjour {{callerName}}, {{agentFirstName}} du service {{line}} a essayé de vous rappeler {{attempts}} fois."
zendesk:
  createTickets: true
`;

const ana: Actor = { id: 'slack:UANA0001', name: 'Ana Lopez', email: 'ana@example.com', surface: 'slack' };

describe('the callback workflow, end to end', () => {
  let database: TestDatabase;
  let zendesk: FakeZendesk;
  let clock: ManualClock;
  let replicas: StartedRingback[];
  let app: StartedRingback;
  let act: ActDeps;

  async function start(): Promise<StartedRingback> {
    const config = testConfig({
      database,
      routingYaml: ROUTING,
      env: {
        AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
        ZENDESK_URL: zendesk.url,
        ZENDESK_EMAIL: zendesk.email,
        ZENDESK_API_TOKEN: zendesk.token,
        RINGBACK_API_TOKEN: API_TOKEN,
      },
    });
    return startRingback(config, {
      clock,
      manualJobs: true,
      logger: memoryLogger(config.secrets).logger,
      adapters: [
        registerProviders,
        createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
        registerEscalation,
        recordingSurface,
      ],
    });
  }

  beforeEach(async () => {
    database = sqliteDatabase();
    clock = new ManualClock(DateTime.fromISO('2026-11-20T17:00', { zone: PARIS }).toMillis());
    zendesk = await new FakeZendesk({ now: () => clock.now() }).start();
    zendesk.addAgent('Ana Lopez', 'ana@example.com');
    app = await start();
    replicas = [app, await start()];
    act = { commands: app.commands, directory: app.directory, routing: app.config.routing };
  });

  afterEach(async () => {
    for (const replica of replicas) await replica.stop();
    await zendesk.stop();
    await database.drop();
  });

  /**
   * Runs every due job on both replicas at once; jobs that stepped back for a moment (a ticket lease the
   * other replica held, a Zendesk 409) are given the few seconds they asked for.
   */
  async function drain(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      await Promise.all(replicas.map((r) => r.runner.drain()));
      const soon = (await app.store.jobs.list({})).filter(
        (job) =>
          job.status === 'pending' && job.runAt <= clock.now() + 5_000 && !job.kind.startsWith('test.'),
      );
      if (soon.length === 0) return;
      clock.set(clock.now() + 1_100);
    }
  }

  async function advanceTo(at: number): Promise<void> {
    clock.set(at);
    await drain();
  }

  async function webhook(folder: string, upTo?: number): Promise<void> {
    for (const f of fixtures('aircall', folder).slice(0, upTo)) {
      const answer = await fetch(`${app.baseUrl}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: f.text,
      });
      expect(answer.status).toBe(200);
    }
    await drain();
  }

  async function click(episodeId: string, id: string, value?: string) {
    const action = cardActionFor(id, value);
    if (!action) throw new Error(`no action for ${id} ${value}`);
    return actOnCard(act, { episodeId, actor: ana, action });
  }

  async function current(id: string): Promise<Episode> {
    const episode = await app.store.episodes.get(id);
    if (!episode) throw new Error('episode gone');
    return episode;
  }

  async function callObject(id: string): Promise<Record<string, unknown>> {
    const answer = await fetch(`${app.baseUrl}/api/calls/${id}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as Record<string, unknown>;
  }

  async function notices(): Promise<Notice[]> {
    return (await app.store.jobs.list({ kind: NOTICE_JOB })).map((job) => job.payload as Notice);
  }

  async function cardLines(id: string): Promise<string[]> {
    const episode = await current(id);
    const details = parseDetails(await app.store.episodes.getDetails(id));
    return cardModelFor({ routing: app.config.routing, env: app.config.env }, episode, details, clock.now())
      .callbackLines;
  }

  function ticketOf(episode: Episode) {
    const ticket =
      episode.zendeskTicketId !== null ? zendesk.tickets.get(episode.zendeskTicketId) : undefined;
    if (!ticket) throw new Error('no ticket');
    return ticket;
  }

  /** Aircall's automatic call back failed for a number nobody had: Ringback made its Zendesk requester. */
  async function failedAutomaticCallback() {
    await webhook('callback-automatic-failed');
    const [opened] = await app.store.episodes.list();
    if (!opened) throw new Error('no call');
    const user = zendesk.users.get(ticketOf(opened).requester_id as number);
    if (!user) throw new Error('no requester');
    return { opened, id: opened.id, user };
  }

  /** The line's two tries, half an hour apart, both unanswered (the last resolves the call); `between` runs between them. */
  async function twoUnansweredTries(id: string, between: () => Promise<void> = async () => {}) {
    await click(id, ACTION_IDS.resolve, 'no_answer');
    await advanceTo(clock.now() + 31 * 60_000);
    await between();
    await click(id, ACTION_IDS.resolve, 'no_answer');
    await drain();
  }

  it('runs request → claim → snooze → reminder → two failed attempts → a French follow-up, each once', async () => {
    zendesk.addUser({ name: 'Marie Dupont', email: 'marie@example.fr', phone: '+33622334466', locale: 'fr' });
    // The caller presses *: the call ends missed, then Aircall tags it "Callback request".
    await webhook('callback-tagged-done', 3);
    const [opened] = await app.store.episodes.list();
    const id = opened?.id ?? '';
    expect(await callObject(id)).toMatchObject({ callbackRequested: true, dueAt: null, attemptLog: [] });
    expect((await cardLines(id))[0]).toMatch(/^The caller asked to be called back at \d\d:\d\d$/);

    expect((await click(id, ACTION_IDS.claim)).status).toBe('accepted');
    const snooze = await click(id, ACTION_IDS.snooze, '30m');
    expect(snooze.status).toBe('accepted');
    const dueAt = clock.now() + 30 * 60_000;
    expect(await callObject(id)).toMatchObject({ dueAt: new Date(dueAt).toISOString() });
    expect(await cardLines(id)).toContain('Call back at 17:30');

    // The resolve SLA (20 min) falls inside the snooze: its reminder waits for the call to come due.
    await advanceTo(clock.now() + 21 * 60_000);
    expect((await notices()).filter((n) => n.kind === 'dm')).toHaveLength(0);

    await advanceTo(dueAt);
    let said = await notices();
    expect(said.filter((n) => n.kind === 'thread')).toEqual([
      expect.objectContaining({ kind: 'thread', episodeId: id, mention: '<@UANA0001>' }),
    ]);
    expect(said.filter((n) => n.kind === 'dm')).toEqual([
      expect.objectContaining({ kind: 'dm', to: [expect.objectContaining({ id: ana.id })] }),
    ]);
    expect((said[0] as { text: string }).text).toMatch(
      /^Time to call back .* on Support FR, planned at 17:30\.$/,
    );
    expect((await cardLines(id)).some((line) => line.startsWith('Due now: call back'))).toBe(true);
    // Drained again by both replicas: nothing more is said.
    await drain();
    expect(await notices()).toHaveLength(2);

    // First attempt: no answer → not resolved, snoozed 30 min, "attempt 2 of 2".
    const first = await click(id, ACTION_IDS.resolve, 'no_answer');
    expect(first.status).toBe('accepted');
    let episode = await current(id);
    expect(episode).toMatchObject({ state: 'claimed', outcome: null, dueAt: clock.now() + 30 * 60_000 });
    expect(await cardLines(id)).toContain('Call back at 18:00 · attempt 2 of 2');
    await drain();
    const notes = () => ticketOf(episode).comments.filter((c) => /Call-back attempt/.test(c.body ?? ''));
    expect(notes().map((c) => [c.public, c.body?.split(' at ')[0]])).toEqual([
      [false, 'Call-back attempt 1 of 2 by Ana Lopez'],
    ]);
    expect(await callObject(id)).toMatchObject({
      state: 'claimed',
      attemptLog: [{ by: { name: 'Ana Lopez' }, result: 'no_answer' }],
    });

    await advanceTo(episode.dueAt ?? 0);
    said = await notices();
    expect(said.filter((n) => n.kind === 'dm')).toHaveLength(2);
    expect((said.at(-1) as { text: string }).text).toContain('(attempt 2 of 2)');

    // Last attempt: no answer → resolved, and the French follow-up goes to the caller once.
    expect((await click(id, ACTION_IDS.resolve, 'no_answer')).status).toBe('accepted');
    await drain();
    episode = await current(id);
    expect(episode).toMatchObject({ state: 'resolved', outcome: 'no_answer', followUp: 'sent' });
    expect(notes()).toHaveLength(2);
    const ticket = ticketOf(episode);
    const publicComments = ticket.comments.filter((c) => c.public);
    expect(publicComments.map((c) => c.body)).toEqual([
      'Bonjour Marie Dupont, Ana du service Support FR a essayé de vous rappeler 2 fois.',
    ]);
    expect(ticket.tags).toContain(FOLLOW_UP_TAG);
    expect(await cardLines(id)).toContain('Follow-up e-mailed to the caller (a public reply on the ticket)');

    // The follow-up job again, as after a crash between Zendesk's answer and the job's end: no second comment.
    await app.store.transaction(async (repos) => {
      await repos.episodes.updateIfVersion(
        { ...episode, followUp: null, version: episode.version + 1 },
        episode.version,
        clock.now(),
      );
      await repos.enqueue([{ kind: followUpJob.name, payload: { episodeId: id } }], clock.now());
    });
    await drain();
    expect(ticketOf(episode).comments.filter((c) => c.public)).toHaveLength(1);
    expect((await current(id)).followUp).toBe('sent');
    expect(zendesk.specProblems).toEqual([]);
  });

  it('greets the caller by the name an agent gave their Zendesk user, not the placeholder with their number', async () => {
    // An unknown number: Ringback creates the requester "Caller +33 …", without e-mail.
    const { id, user } = await failedAutomaticCallback();
    expect(user.name).toMatch(/^Caller \+33/);
    // The caller writes in: an agent gives the user their name and e-mail.
    user.name = 'Marie Dupont';
    user.email = 'marie@example.fr';
    user.locale = 'fr';
    await twoUnansweredTries(id);
    const [body] = ticketOf(await current(id))
      .comments.filter((c) => c.public)
      .map((c) => c.body);
    expect(body).toContain('Marie Dupont');
    expect(body).not.toContain('Caller +33');
  });

  it('sends nothing to a requester without e-mail, and the card says so', async () => {
    // No Zendesk user has this number: Ringback creates the requester from the phone alone.
    const { opened, id } = await failedAutomaticCallback();
    expect(opened).toMatchObject({ callbackRequested: true, autoCallback: 'failed' });
    expect(await cardLines(id)).toContain(
      'Aircall’s automatic call back did not get through: a person must call back',
    );

    await twoUnansweredTries(id);
    const episode = await current(id);
    expect(episode).toMatchObject({ state: 'resolved', followUp: 'no_email' });
    const ticket = ticketOf(episode);
    expect(ticket.comments.filter((c) => c.public)).toHaveLength(0);
    expect(ticket.tags).not.toContain(FOLLOW_UP_TAG);
    expect(await cardLines(id)).toContain('No follow-up sent: the requester has no e-mail address');
  });

  /** The follow-up ticket of the episode's first ticket, closed in Zendesk before the last try. */
  function followUpOf(episode: Episode, closedId: number) {
    const ticket = ticketOf(episode);
    expect(ticket.id).not.toBe(closedId);
    expect(ticket.via.source).toMatchObject({ rel: 'follow_up', from: { ticket_id: closedId } });
    return ticket;
  }

  it('sends the follow-up on a follow-up ticket when the ticket was closed before it', async () => {
    const { opened, id, user } = await failedAutomaticCallback();
    user.email = 'marie@example.fr';
    const closedId = ticketOf(opened).id;
    // An agent closes the ticket from Zendesk before the last try.
    await twoUnansweredTries(id, async () => {
      ticketOf(await current(id)).status = 'closed';
    });
    const episode = await current(id);
    expect(episode).toMatchObject({ state: 'resolved', followUp: 'sent' });
    expect(followUpOf(episode, closedId).comments.filter((c) => c.public)).toHaveLength(1);
    expect(zendesk.tickets.get(closedId)?.comments.filter((c) => c.public)).toHaveLength(0);
    expect(await cardLines(id)).not.toContain(
      'No follow-up sent: the Zendesk ticket is closed and takes no reply',
    );
  });

  it('sends the follow-up on a follow-up ticket when the ticket closes between a 409 and its re-read', async () => {
    const { opened, id, user } = await failedAutomaticCallback();
    user.email = 'marie@example.fr';
    const closedId = ticketOf(opened).id;
    await twoUnansweredTries(id, async () => {
      const ticket = ticketOf(await current(id));
      // The follow-up's write meets a 409: someone changed the ticket, and closed it.
      zendesk.inject({
        method: 'PUT',
        path: new RegExp(`/tickets/${ticket.id}\\.json$`),
        status: 409,
        times: 1,
        // The public reply: the follow-up's own write.
        bodyMatches: (body) =>
          (body as { ticket?: { comment?: { public?: boolean } } }).ticket?.comment?.public === true,
        meanwhile: () => {
          ticket.status = 'closed';
        },
      });
    });
    const episode = await current(id);
    expect(episode).toMatchObject({ state: 'resolved', followUp: 'sent' });
    expect(followUpOf(episode, closedId).comments.filter((c) => c.public)).toHaveLength(1);
    expect(zendesk.tickets.get(closedId)?.comments.filter((c) => c.public)).toHaveLength(0);
    expect(zendesk.requests.filter((r) => r.status === 409)).toHaveLength(1);
  });

  it('refuses a snooze in the past and a number that is not one, in words', async () => {
    await webhook('callback-tagged-done', 3);
    const [opened] = await app.store.episodes.list();
    const id = opened?.id ?? '';
    const past = await click(id, ACTION_IDS.snooze, '2026-11-20T08:00');
    expect(past).toMatchObject({
      status: 'refused',
      message: 'That time has already passed: choose a later one.',
    });
    const bad = await actOnCard(act, {
      episodeId: id,
      actor: ana,
      action: { type: 'set_number', number: '12' },
    });
    expect(bad.status).toBe('refused');
    const good = await actOnCard(act, {
      episodeId: id,
      actor: ana,
      action: { type: 'set_number', number: '06 11 22 33 44' },
    });
    expect(good.status).toBe('accepted');
    expect(await callObject(id)).toMatchObject({ callbackNumber: '+33611223344' });
  });
});
