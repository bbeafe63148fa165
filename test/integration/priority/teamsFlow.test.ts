/**
 * Issue 15 on the Teams surface, end to end: calls through the generic webhook, the real teams-ai bot and
 * a fake Bot Connector, a fake Zendesk (and a fake Aircall for availability), the jobs run by the real
 * runner. A VIP requester with an open urgent ticket makes a high call whose card goes to the line's
 * channel at once and to the VIP channel as well, with the same pre-brief Slack shows; a repeat caller is
 * suggested to the agent who answered them last; an auto-claimed call is announced to its agent in a
 * personal chat and can be released; the Hand over control (`Action.Execute` `ringback.reassign` with a
 * people choice) moves the call with the Zendesk assignee following; round robin skips the agents Aircall
 * says are unavailable.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerTriage } from '../../../src/app/triage.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import { signGenericBody } from '../../../src/providers/generic/webhook.js';
import { REFRESH_VERB } from '../../../src/surfaces/teams/card.js';
import {
  REASSIGN_INPUT_ID,
  TEAM_MEMBERS_DATASET,
  UNKNOWN_PERSON,
} from '../../../src/surfaces/teams/reassignCard.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { FakeAircall } from '../../mocks/fakeAircall.js';
import { CALLBACKS, type FakeActivity, type FakeTeamsUser, TEAM, USERS } from '../../mocks/fakeTeams.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { cardText, startTeamsHarness, type TeamsHarness, verbsOf, WEBHOOK_SECRET } from '../teams/harness.js';

const WAIT = { timeout: 15_000, interval: 25 };
/** The team's General channel stands in for the VIP team's channel. */
const VIP_CHANNEL = TEAM.id;
const DAY = 86_400_000;

function routing(assign: string): string {
  return `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { genericLine: support-fr }
    teams: { channel: "${CALLBACKS.id}" }
    country: FR
    ${assign}
zendesk:
  createTickets: true
  showTags: [vip]
managers: { emails: [${USERS.mia.email}] }
priority:
  - name: VIP with an urgent ticket
    when: { zendeskTag: vip, openTicketPriority: urgent }
    level: high
    teams: { channel: "${VIP_CHANNEL}" }
`;
}

interface InvokeAnswer {
  statusCode: number;
  type: string;
  value: Record<string, unknown>;
}

describe('priority, suggestions and reassign on Teams', () => {
  let database: TestDatabase;
  let zendesk: FakeZendesk;
  let aircall: FakeAircall;
  let h: TeamsHarness | null;
  let calls = 0;

  beforeEach(async () => {
    database = sqliteDatabase();
    zendesk = await new FakeZendesk().start();
    aircall = await new FakeAircall({
      users: [
        { id: 1, name: USERS.ana.name, email: USERS.ana.email },
        { id: 2, name: USERS.ben.name, email: USERS.ben.email },
        { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      ],
    }).start();
    for (const user of [USERS.ana, USERS.ben, USERS.mia]) zendesk.addAgent(user.name, user.email);
    h = null;
  });

  afterEach(async () => {
    if (h) expect(h.fake.invalidRequests).toEqual([]);
    await h?.stop();
    await zendesk.stop();
    await aircall.stop();
    await database.drop();
  });

  async function start(assign: string, options: { aircallApi?: boolean } = {}): Promise<TeamsHarness> {
    h = await startTeamsHarness({
      database,
      routingYaml: routing(assign),
      env: {
        ZENDESK_URL: zendesk.url,
        ZENDESK_EMAIL: zendesk.email,
        ZENDESK_API_TOKEN: zendesk.token,
        ...(options.aircallApi
          ? {
              AIRCALL_API_ID: aircall.apiId,
              AIRCALL_API_TOKEN: aircall.apiToken,
              AIRCALL_API_URL: aircall.url,
            }
          : {}),
      },
      extraAdapters: [
        createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
        registerTriage,
      ],
    });
    expect((await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam())).status).toBe(200);
    return h;
  }

  function running(): TeamsHarness {
    if (!h) throw new Error('not started');
    return h;
  }

  /** A call through POST /webhooks/calls: missed, or answered by `agent`; resolves with its episode id. */
  async function call(from: string, at: number, agent: FakeTeamsUser | null): Promise<string> {
    calls += 1;
    const callId = `CA-${calls}`;
    const body = JSON.stringify({
      provider: 'twilio',
      callId,
      direction: 'inbound',
      from,
      line: 'support-fr',
      startedAt: new Date(at).toISOString(),
      endedAt: new Date(at + 45_000).toISOString(),
      answered: agent !== null,
      ...(agent
        ? { answeredAt: new Date(at + 5_000).toISOString(), agent: { name: agent.name, email: agent.email } }
        : { missedReason: 'no-answer' }),
    });
    const res = await fetch(`${running().ringback.baseUrl}/webhooks/calls`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ringback-signature': signGenericBody(WEBHOOK_SECRET, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    let stored = '';
    await vi.waitFor(async () => {
      const row = await running().ringback.store.providerCalls.get(`generic:twilio:${callId}`);
      expect(row).not.toBeNull();
      stored = row?.episodeId ?? '';
    }, WAIT);
    return stored;
  }

  async function missedCallFrom(number: string): Promise<Episode> {
    const episodeId = await call(number, Date.now() - 90_000, null);
    return current(episodeId);
  }

  async function current(id: string): Promise<Episode> {
    const episode = await running().ringback.store.episodes.get(id);
    if (!episode) throw new Error(`no episode ${id}`);
    return episode;
  }

  /** The card's copy in a channel, once Ringback stored it as the call's post there. */
  async function postIn(episodeId: string, channel: string): Promise<FakeActivity> {
    let found: FakeActivity | undefined;
    await vi.waitFor(async () => {
      const post = await running().ringback.store.posts.get(episodeId, 'teams', channel);
      found = running()
        .fake.postsIn(channel)
        .find((p) => p.id === post?.ref);
      expect(found).toBeDefined();
    }, WAIT);
    return found as FakeActivity;
  }

  function textOf(post: FakeActivity): string {
    return cardText(running().fake.cardOf(post));
  }

  async function cardSays(post: FakeActivity, text: string | RegExp): Promise<void> {
    await vi.waitFor(() => expect(textOf(post)).toMatch(text), WAIT);
  }

  async function click(
    post: FakeActivity,
    user: FakeTeamsUser,
    verb: string,
    data: Record<string, unknown>,
  ): Promise<InvokeAnswer> {
    const answer = await running().fake.toBot(
      running().botUrl,
      running().fake.invoke(post, user, verb, data),
    );
    expect(answer.status).toBe(200);
    return answer.body as InvokeAnswer;
  }

  function personalChat(user: FakeTeamsUser): string[] {
    return running()
      .fake.messagesIn(`a:personal-${user.id}`)
      .map((m) => String(m.activity.text ?? ''));
  }

  function thread(post: FakeActivity): string[] {
    return running()
      .fake.messagesIn(post.conversationId)
      .map((m) => String(m.activity.text ?? ''));
  }

  function zendeskIdOf(email: string): number | undefined {
    return [...zendesk.users.values()].find((u) => u.email === email)?.id;
  }

  async function assigneeOf(episodeId: string): Promise<number | null | undefined> {
    const ticketId = (await current(episodeId)).zendeskTicketId;
    return ticketId === null ? undefined : zendesk.tickets.get(ticketId)?.assignee_id;
  }

  function peopleInput(card: Record<string, unknown>): Record<string, unknown> | undefined {
    return (card.body as Record<string, unknown>[]).find((b) => b.id === REASSIGN_INPUT_ID);
  }

  it('posts a VIP requester’s call at once, then in the VIP channel as well, high, with the pre-brief', async () => {
    await start('');
    const acme = zendesk.addOrganization({ name: 'Acme Corp', tags: ['VIP'] });
    const marie = zendesk.addUser({ name: 'Marie Dupont', phone: '+33612345678', organization_id: acme.id });
    zendesk.addTicket({
      requester_id: marie.id,
      status: 'open',
      priority: 'urgent',
      subject: 'Invoice wrong',
      assignee_id: zendeskIdOf(USERS.ben.email) ?? null,
      via: { channel: 'email', source: { from: {}, to: {}, rel: null } },
    });

    const episode = await missedCallFrom('+33612345678');
    const lineCard = await postIn(episode.id, CALLBACKS.id);
    const vipCard = await postIn(episode.id, VIP_CHANNEL);
    // The line's card was never kept waiting for Zendesk or the rules: it went out first.
    expect(Number(lineCard.id)).toBeLessThan(Number(vipCard.id));
    expect(await current(episode.id)).toMatchObject({
      priority: 'high',
      priorityRule: 'VIP with an urgent ticket',
    });

    for (const post of [lineCard, vipCard]) {
      await cardSays(post, 'High priority · VIP with an urgent ticket');
      const text = textOf(post);
      expect(text).toContain('Before you call back');
      expect(text).toContain('Organization: Acme Corp');
      expect(text).toContain('Tags: vip');
      // Teams markdown: `#` and brackets escaped, shown as typed.
      expect(text).toMatch(/\d open tickets? · latest \\#\d+ “Invoice wrong” \\\(urgent\\\)/);
    }
    // The VIP copy's thread says why.
    await vi.waitFor(() => {
      expect(thread(vipCard).some((t) => t.includes('High priority: tagged vip, urgent ticket open'))).toBe(
        true,
      );
    }, WAIT);

    // Either copy is the card: a claim on the VIP copy shows on both.
    const claimed = await click(vipCard, USERS.ana, ACTION_IDS.claim, { callId: episode.id });
    expect(cardText(claimed.value)).toContain('Claimed by Ana Lima');
    await cardSays(lineCard, 'Claimed by Ana Lima');
    await cardSays(vipCard, 'Claimed by Ana Lima');
    expect(running().fake.postsIn(VIP_CHANNEL)).toHaveLength(1);
    expect(running().fake.postsIn(CALLBACKS.id)).toHaveLength(1);
  });

  it('suggests a repeat caller to the agent who answered them last, on the card', async () => {
    await start('assign: { suggest: [lastAgent, ticketAssignee] }');
    await call('+33698765432', Date.now() - DAY, USERS.ben);
    const episode = await missedCallFrom('+33698765432');
    const card = await postIn(episode.id, CALLBACKS.id);
    await cardSays(card, /Suggested: Ben Okafor · spoke with this caller on \d{1,2} \w{3}/);
    await cardSays(card, '2nd call in 7 days');
    expect((await current(episode.id)).state).toBe('open');
  });

  it('claims for the suggested agent with autoClaim, tells them in a personal chat, and lets them release it', async () => {
    await start('assign: { suggest: [lastAgent], autoClaim: true }');
    await call('+33698765433', Date.now() - DAY, USERS.ben);
    const episode = await missedCallFrom('+33698765433');
    const card = await postIn(episode.id, CALLBACKS.id);
    await cardSays(card, 'Claimed by Ben Okafor');
    // Ringback knew Ben only by e-mail: the team's roster finds him, and he hears it in his personal chat.
    await vi.waitFor(() => {
      expect(
        personalChat(USERS.ben).some((t) => t.startsWith('Ringback gave you the missed call from')),
      ).toBe(true);
    }, WAIT);
    await vi.waitFor(
      async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(USERS.ben.email)),
      WAIT,
    );

    const released = await click(card, USERS.ben, ACTION_IDS.release, { callId: episode.id });
    expect(verbsOf(released.value)).toContain(ACTION_IDS.claim);
    expect((await current(episode.id)).state).toBe('open');
    await vi.waitFor(async () => expect(await assigneeOf(episode.id)).toBeNull(), WAIT);
  });

  it('hands a call over with Hand over: Zendesk follows, both are told, the thread says so', async () => {
    await start('');
    const episode = await missedCallFrom('+33611223344');
    const card = await postIn(episode.id, CALLBACKS.id);
    const open = await click(card, USERS.ana, REFRESH_VERB, { callId: episode.id });
    expect(verbsOf(open.value)).not.toContain(ACTION_IDS.reassign);

    const claimed = await click(card, USERS.ana, ACTION_IDS.claim, { callId: episode.id });
    expect(verbsOf(claimed.value)).toContain(ACTION_IDS.reassign);
    expect(peopleInput(claimed.value)).toMatchObject({
      type: 'Input.ChoiceSet',
      'choices.data': { type: 'Data.Query', dataset: TEAM_MEMBERS_DATASET },
    });

    // Nobody chosen, or someone who is not an agent: the call stays with Ana, and she is told why.
    const blank = await click(card, USERS.ana, ACTION_IDS.reassign, { callId: episode.id });
    expect(cardText(blank.value)).toContain('Choose a person, then press Hand over.');
    const toZoe = await click(card, USERS.ana, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: USERS.zoe.aadObjectId,
    });
    expect(cardText(toZoe.value)).toContain('Zoe Martin is not set up as an agent');
    expect((await current(episode.id)).claimedBy?.email).toBe(USERS.ana.email);

    // Ben never used Ringback: the people picker names him by Entra id and the roster says who he is.
    const toBen = await click(card, USERS.ana, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: USERS.ben.aadObjectId,
    });
    expect(cardText(toBen.value)).toContain('Claimed by Ben Okafor');
    expect((await current(episode.id)).claimedBy).toMatchObject({
      id: `teams:${USERS.ben.aadObjectId}`,
      email: USERS.ben.email,
    });
    await cardSays(card, 'Claimed by Ben Okafor');
    await vi.waitFor(
      async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(USERS.ben.email)),
      WAIT,
    );
    await vi.waitFor(() => {
      expect(
        personalChat(USERS.ben).some((t) => t.startsWith('Ana Lima handed you the missed call from')),
      ).toBe(true);
      expect(
        thread(card).some((t) =>
          t.includes('**Ana Lima** handed the call from **Ana Lima** to **Ben Okafor**'),
        ),
      ).toBe(true);
    }, WAIT);

    // Ana no longer holds it; the manager's own view offers the people Ringback knows, Ben (the holder) and
    // Zoe (no agent) left out, and the manager may hand it on: Ben hears it too.
    const again = await click(card, USERS.ana, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: USERS.ana.aadObjectId,
    });
    expect(cardText(again.value)).toContain(
      'Only Ben Okafor or a manager can hand this call to someone else.',
    );
    // Someone Ringback met in another organisation's tenant (it serves a channel there too) is not offered,
    // and cannot be named by hand either.
    const { store, clock } = running().ringback;
    await store.teams.saveChannels(
      [
        {
          channelId: '19:elsewhere@thread.tacv2',
          teamId: '19:team-elsewhere@thread.tacv2',
          teamName: 'Elsewhere',
          channelName: 'Calls',
          tenantId: 'tenant-elsewhere',
          serviceUrl: 'http://127.0.0.1:9/',
          botId: '28:ringback-bot',
          botName: 'Ringback',
        },
      ],
      clock.now(),
    );
    await store.teams.saveMember(
      {
        userKey: 'olga-aad-id',
        mri: '29:olga',
        aadObjectId: 'olga-aad-id',
        name: 'Olga Other',
        email: 'olga@elsewhere.example',
        tenantId: 'tenant-elsewhere',
        serviceUrl: 'http://127.0.0.1:9/',
        botId: '28:ringback-bot',
      },
      clock.now(),
    );
    const managerView = await click(card, USERS.mia, REFRESH_VERB, { callId: episode.id });
    const choices = (peopleInput(managerView.value)?.choices ?? []) as { title: string; value: string }[];
    expect(choices.map((c) => c.title)).toEqual([USERS.ana.name, USERS.mia.name]);
    const toOlga = await click(card, USERS.mia, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: 'olga-aad-id',
    });
    expect(cardText(toOlga.value)).not.toContain('Claimed by Olga');
    expect((await current(episode.id)).claimedBy?.email).toBe(USERS.ben.email);
    const toAna = await click(card, USERS.mia, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: choices[0]?.value,
    });
    expect(cardText(toAna.value)).toContain('Claimed by Ana Lima');
    await vi.waitFor(
      async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(USERS.ana.email)),
      WAIT,
    );
    await vi.waitFor(() => {
      expect(
        personalChat(USERS.ben).some(
          (t) => t.startsWith('Mia Chen handed the missed call from') && t.includes('to Ana Lima'),
        ),
      ).toBe(true);
    }, WAIT);
  });

  it('does not hand a call to a colleague who has left the team, though Ringback still remembers them', async () => {
    await start('');
    const episode = await missedCallFrom('+33611223355');
    const card = await postIn(episode.id, CALLBACKS.id);
    // Ben used Ringback (so he is stored with his e-mail), then left the team; his roster check has aged.
    await click(card, USERS.ben, REFRESH_VERB, { callId: episode.id });
    await click(card, USERS.ana, ACTION_IDS.claim, { callId: episode.id });
    const { fake, ringback } = running();
    fake.users.splice(fake.users.indexOf(USERS.ben), 1);
    await ringback.store.db
      .updateTable('teams_members')
      .set({ roster_checked_at: ringback.clock.now() - 13 * 60 * 60_000 })
      .where('aad_object_id', '=', USERS.ben.aadObjectId)
      .execute();

    const toBen = await click(card, USERS.ana, ACTION_IDS.reassign, {
      callId: episode.id,
      [REASSIGN_INPUT_ID]: USERS.ben.aadObjectId,
    });
    expect(cardText(toBen.value)).toContain(UNKNOWN_PERSON);
    expect((await current(episode.id)).claimedBy?.email).toBe(USERS.ana.email);
  });

  it('suggests round robin among the available agents, skipping those Aircall marks unavailable', async () => {
    const ben = aircall.users.find((u) => u.email === USERS.ben.email);
    if (ben) ben.available = false;
    await start(
      `assign: { suggest: [roundRobin], agents: [${USERS.ana.email}, ${USERS.ben.email}, chloe@example.com] }`,
      { aircallApi: true },
    );
    await vi.waitFor(async () => {
      const rows = await running().ringback.store.db.selectFrom('agent_availability').selectAll().execute();
      expect(rows).toHaveLength(3);
    }, WAIT);

    const names: string[] = [];
    for (const number of ['+33600000001', '+33600000002', '+33600000003']) {
      const episode = await missedCallFrom(number);
      const card = await postIn(episode.id, CALLBACKS.id);
      await vi.waitFor(async () => expect((await current(episode.id)).suggestedOwner).not.toBeNull(), WAIT);
      const owner = (await current(episode.id)).suggestedOwner;
      names.push(owner?.name ?? '');
      await cardSays(card, `Suggested: ${owner?.name} · next in turn among the available agents`);
    }
    expect(names).toEqual([USERS.ana.name, 'Chloé Roy', USERS.ana.name]);
  });
});
