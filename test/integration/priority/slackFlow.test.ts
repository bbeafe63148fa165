/**
 * Issue 15 on the Slack surface, end to end: Aircall webhooks in, a real Bolt app and a fake Slack out, a
 * fake Zendesk (and a fake Aircall for availability), the jobs run by the real runner. A VIP requester
 * with an open urgent ticket makes a high call whose card is posted in the line's channel at once and in
 * the VIP channel as well, with the pre-brief on both copies; a repeat caller is suggested to the agent
 * who answered them last; an auto-claimed call is announced to its agent privately and can be released;
 * the card's `users_select` hands a call over with the Zendesk assignee following; round robin skips the
 * agents Aircall says are unavailable.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerTriage } from '../../../src/app/triage.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import type { Episode } from '../../../src/domain/types.js';
import { registerProviders } from '../../../src/providers/register.js';
import { createZendeskAdapter } from '../../../src/zendesk/register.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { FakeAircall } from '../../mocks/fakeAircall.js';
import type { FakeMessage } from '../../mocks/fakeSlack.js';
import { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { blockActions, interactivityBody, postToSlackEvents } from '../../mocks/slackRequests.js';
import { AIRCALL_FIXTURE_TOKEN } from '../ingest/support.js';
import {
  ANA,
  BEN,
  blocksText,
  CHANNEL,
  click,
  MIA,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitForCard,
} from '../slack/harness.js';

const WAIT = { timeout: 15_000, interval: 25 };
const VIP_CHANNEL = 'C0VIP00000';
const LINE_DIGITS = '+33 1 76 36 06 95';
const DAY = 86_400_000;
/** A Slack user who is not an agent anywhere. */
const CARL = { id: 'UCARL00001', name: 'carl', realName: 'Carl Stranger', email: 'carl@example.com' };
const HELPDESK_BOT = {
  id: 'UBOTHELP01',
  name: 'helpdesk',
  realName: 'Helpdesk Bot',
  email: null,
  isBot: true,
};
const GONE = {
  id: 'UGONE00001',
  name: 'gone',
  realName: 'Gina Gone',
  email: 'gina@example.com',
  deleted: true,
};

function routing(assign: string): string {
  return `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "${LINE_DIGITS}" }
    slack: { channel: ${CHANNEL} }
    country: FR
    ${assign}
zendesk:
  createTickets: true
  showTags: [vip]
managers: { slack: [${MIA.id}] }
priority:
  - name: VIP with an urgent ticket
    when: { zendeskTag: vip, openTicketPriority: urgent }
    level: high
    slack: { channel: ${VIP_CHANNEL} }
    mention: "<!subteam^S0VIP>"
`;
}

let callId = 5000;

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

describe('priority, suggestions and reassign on Slack', () => {
  let database: TestDatabase;
  let zendesk: FakeZendesk;
  let aircall: FakeAircall;
  let h: SlackHarness | null;

  beforeEach(async () => {
    database = sqliteDatabase();
    zendesk = await new FakeZendesk().start();
    aircall = await new FakeAircall({
      users: [
        { id: 1, name: ANA.realName, email: ANA.email },
        { id: 2, name: BEN.realName, email: BEN.email },
        { id: 3, name: 'Chloé Roy', email: 'chloe@example.com' },
      ],
    }).start();
    for (const agent of [ANA, BEN, MIA]) zendesk.addAgent(agent.realName, agent.email);
    h = null;
  });

  afterEach(async () => {
    if (h) expect(h.fake.errors).toEqual([]);
    await h?.stop();
    await zendesk.stop();
    await aircall.stop();
    await database.drop();
  });

  async function start(assign: string, options: { aircallApi?: boolean } = {}): Promise<SlackHarness> {
    h = await startSlackHarness({
      database,
      routingYaml: routing(assign),
      env: {
        AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN,
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
        registerProviders,
        createZendeskAdapter({ pollTalk: false, pollSideConversations: false, talkTicketGraceMs: 0 }),
        registerTriage,
      ],
    });
    for (const user of [ANA, BEN, MIA, CARL, HELPDESK_BOT, GONE]) h.fake.addUser(user);
    return h;
  }

  function running(): SlackHarness {
    if (!h) throw new Error('not started');
    return h;
  }

  async function webhook(body: string): Promise<void> {
    const answer = await fetch(`${running().ringback.baseUrl}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(200);
  }

  /** An answered call from `number`, once stored (Ringback's own record of who spoke with the caller). */
  async function answeredBy(agent: { realName: string; email: string }, number: string, at: number) {
    await webhook(callEnded(number, at, { name: agent.realName, email: agent.email }));
    const key = `aircall:${callId}`;
    await vi.waitFor(async () => {
      expect(await running().ringback.store.providerCalls.get(key)).not.toBeNull();
    }, WAIT);
  }

  /** A missed call from `number`: its episode once stored. */
  async function missedCallFrom(number: string): Promise<Episode> {
    const before = new Set((await running().ringback.store.episodes.list({})).map((e) => e.id));
    await webhook(callEnded(number, Date.now() - 120_000, null));
    let found: Episode | undefined;
    await vi.waitFor(async () => {
      found = (await running().ringback.store.episodes.list({})).find((e) => !before.has(e.id));
      expect(found).toBeDefined();
    }, WAIT);
    return found as Episode;
  }

  async function current(id: string): Promise<Episode> {
    const episode = await running().ringback.store.episodes.get(id);
    if (!episode) throw new Error(`no episode ${id}`);
    return episode;
  }

  /** The card's text in a channel, as it stands now. */
  function cardText(channel: string, ts: string): string {
    return blocksText(running().fake.message(channel, ts));
  }

  async function cardSays(channel: string, ts: string, text: string | RegExp): Promise<void> {
    await vi.waitFor(() => expect(cardText(channel, ts)).toMatch(text), WAIT);
  }

  function ephemeralsFor(user: string): string[] {
    return running()
      .fake.ephemerals.filter((e) => e.user === user)
      .map((e) => e.text);
  }

  function directMessages(user: string): string[] {
    return running()
      .fake.messages(user)
      .map((m) => m.text);
  }

  function zendeskIdOf(email: string): number | undefined {
    return [...zendesk.users.values()].find((u) => u.email === email)?.id;
  }

  async function assigneeOf(episodeId: string): Promise<number | null | undefined> {
    const ticketId = (await current(episodeId)).zendeskTicketId;
    return ticketId === null ? undefined : zendesk.tickets.get(ticketId)?.assignee_id;
  }

  /** A pick in the card's `users_select`, as Slack sends it. */
  async function pickPerson(options: {
    user: string;
    episodeId: string;
    cardTs: string;
    chosen: string;
    channel?: string;
  }): Promise<void> {
    const payload = blockActions({
      userId: options.user,
      channel: options.channel ?? CHANNEL,
      messageTs: options.cardTs,
      actionId: ACTION_IDS.reassign,
    });
    payload.actions = [
      {
        type: 'users_select',
        action_id: ACTION_IDS.reassign,
        block_id: `ringback.actions:${options.episodeId}`,
        selected_user: options.chosen,
        action_ts: '1700000001.000002',
      },
    ];
    const answer = await postToSlackEvents(running().ringback.baseUrl, SIGNING_SECRET, {
      contentType: 'application/x-www-form-urlencoded',
      body: interactivityBody(payload),
    });
    expect(answer.status).toBe(200);
  }

  /** The card of a missed call from `number`, on a line without assign rules: where a reassign flow starts. */
  async function cardOfMissedCall(number: string): Promise<{ episode: Episode; card: FakeMessage }> {
    await start('');
    const episode = await missedCallFrom(number);
    return { episode, card: await waitForCard(running(), episode.id) };
  }

  /** Ana claims the call with the card's button, as the card then shows. */
  async function claimAsAna(episodeId: string, cardTs: string): Promise<void> {
    await click(running(), { user: ANA.id, episodeId, cardTs, actionId: ACTION_IDS.claim });
    await cardSays(CHANNEL, cardTs, 'Claimed by Ana Lopez');
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
      assignee_id: zendeskIdOf(BEN.email) ?? null,
      via: { channel: 'email', source: { from: {}, to: {}, rel: null } },
    });

    const episode = await missedCallFrom('+33 6 12 34 56 78');
    const lineCard = await waitForCard(running(), episode.id, CHANNEL);
    const vipCard = await waitForCard(running(), episode.id, VIP_CHANNEL);

    // The line's card was never kept waiting for Zendesk or the rules: it went out first.
    const posts = running()
      .fake.callsTo('chat.postMessage')
      .filter(
        (c) => c.ok && !c.args.thread_ts && (c.args.channel === CHANNEL || c.args.channel === VIP_CHANNEL),
      );
    expect(posts.map((c) => c.args.channel)).toEqual([CHANNEL, VIP_CHANNEL]);
    expect(await current(episode.id)).toMatchObject({
      priority: 'high',
      priorityRule: 'VIP with an urgent ticket',
    });

    for (const [channel, card] of [
      [CHANNEL, lineCard],
      [VIP_CHANNEL, vipCard],
    ] as const) {
      await cardSays(channel, card.ts, 'High priority · VIP with an urgent ticket');
      const text = cardText(channel, card.ts);
      expect(text).toContain('Before you call back:');
      expect(text).toContain('• Organization: Acme Corp');
      expect(text).toContain('• Tags: vip');
      expect(text).toMatch(/• \d open tickets? · latest #\d+ “Invoice wrong” \(urgent\)/);
    }

    // The rule's mention is said in the VIP copy's thread.
    await vi.waitFor(() => {
      const replies = running()
        .fake.replies(VIP_CHANNEL, vipCard.ts)
        .map((m) => m.text);
      expect(
        replies.some((t) => t.includes('<!subteam^S0VIP>') && t.includes('High priority: tagged vip')),
      ).toBe(true);
    }, WAIT);

    // Either copy is the card: a claim on the VIP copy shows on both.
    await click(running(), {
      user: ANA.id,
      episodeId: episode.id,
      cardTs: vipCard.ts,
      actionId: ACTION_IDS.claim,
      channel: VIP_CHANNEL,
    });
    await cardSays(CHANNEL, lineCard.ts, 'Claimed by Ana Lopez');
    await cardSays(VIP_CHANNEL, vipCard.ts, 'Claimed by Ana Lopez');
    // Still one copy per channel.
    expect(
      running()
        .fake.messages(VIP_CHANNEL)
        .filter((m) => m.threadTs === null),
    ).toHaveLength(1);
    expect(
      running()
        .fake.messages(CHANNEL)
        .filter((m) => m.threadTs === null),
    ).toHaveLength(1);
  });

  it('suggests a repeat caller to the agent who answered them last, on the card', async () => {
    await start('assign: { suggest: [lastAgent, ticketAssignee] }');
    await answeredBy(BEN, '+33 6 98 76 54 32', Date.now() - DAY);
    const episode = await missedCallFrom('+33 6 98 76 54 32');
    const card = await waitForCard(running(), episode.id);
    await cardSays(CHANNEL, card.ts, /Suggested: Ben Martin · spoke with this caller on \d{1,2} \w{3}/);
    await cardSays(CHANNEL, card.ts, '2nd call in 7 days');
    expect((await current(episode.id)).suggestedOwner).toMatchObject({
      email: BEN.email,
      source: 'lastAgent',
      autoClaimed: false,
    });
    expect((await current(episode.id)).state).toBe('open');
  });

  it('claims for the suggested agent with autoClaim, tells them in Slack, and lets them release it', async () => {
    await start('assign: { suggest: [lastAgent], autoClaim: true }');
    await answeredBy(BEN, '+33 6 98 76 54 33', Date.now() - DAY);
    const episode = await missedCallFrom('+33 6 98 76 54 33');
    const card = await waitForCard(running(), episode.id);
    await cardSays(CHANNEL, card.ts, 'Claimed by Ben Martin');
    // Ringback knew Ben only by e-mail (from Aircall): Slack finds him by it and tells him privately.
    await vi.waitFor(() => {
      expect(directMessages(BEN.id).some((t) => t.startsWith('Ringback gave you the missed call from'))).toBe(
        true,
      );
    }, WAIT);
    expect(directMessages(BEN.id).join('\n')).toContain('Release it on the card if you cannot take it.');
    expect(
      running()
        .fake.callsTo('users.lookupByEmail')
        .map((c) => c.args.email),
    ).toContain(BEN.email);
    await vi.waitFor(async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(BEN.email)), WAIT);

    await click(running(), {
      user: BEN.id,
      episodeId: episode.id,
      cardTs: card.ts,
      actionId: ACTION_IDS.release,
    });
    await vi.waitFor(async () => expect((await current(episode.id)).state).toBe('open'), WAIT);
    await vi.waitFor(() => {
      const blocks = JSON.stringify(running().fake.message(CHANNEL, card.ts)?.blocks);
      expect(blocks).toContain('"action_id":"ringback.claim"');
      expect(blocks).not.toContain('users_select');
    }, WAIT);
    await vi.waitFor(async () => expect(await assigneeOf(episode.id)).toBeNull(), WAIT);
  });

  it('hands a call over with the card’s user picker: Zendesk follows, both are told, the thread says so', async () => {
    const { episode, card } = await cardOfMissedCall('+33 6 11 22 33 44');
    expect(JSON.stringify(running().fake.message(CHANNEL, card.ts)?.blocks)).not.toContain('users_select');

    await claimAsAna(episode.id, card.ts);
    const blocks = JSON.stringify(running().fake.message(CHANNEL, card.ts)?.blocks);
    expect(blocks).toContain('"type":"users_select","action_id":"ringback.reassign"');

    // Someone who is not an agent cannot be handed the call.
    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: card.ts, chosen: CARL.id });
    await vi.waitFor(
      () =>
        expect(
          ephemeralsFor(ANA.id).some((t) => t.startsWith('Carl Stranger is not set up as an agent')),
        ).toBe(true),
      WAIT,
    );
    expect((await current(episode.id)).claimedBy?.email).toBe(ANA.email);

    // Nor an app or a deactivated account: nobody would read the reminders.
    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: card.ts, chosen: HELPDESK_BOT.id });
    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: card.ts, chosen: GONE.id });
    await vi.waitFor(() => {
      expect(ephemeralsFor(ANA.id)).toContain(
        'Helpdesk Bot is an app, not a person and cannot take calls; nothing changed.',
      );
      expect(ephemeralsFor(ANA.id)).toContain(
        'Gina Gone is a deactivated account and cannot take calls; nothing changed.',
      );
    }, WAIT);
    expect((await current(episode.id)).claimedBy?.email).toBe(ANA.email);

    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: card.ts, chosen: BEN.id });
    await cardSays(CHANNEL, card.ts, 'Claimed by Ben Martin');
    expect((await current(episode.id)).claimedBy).toMatchObject({ id: `slack:${BEN.id}`, email: BEN.email });
    await vi.waitFor(async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(BEN.email)), WAIT);
    await vi.waitFor(() => {
      expect(
        directMessages(BEN.id).some((t) => t.startsWith('Ana Lopez handed you the missed call from')),
      ).toBe(true);
      expect(ephemeralsFor(ANA.id)).toContain(
        'You handed this call to *Ben Martin*; they have been told privately.',
      );
      const thread = running()
        .fake.replies(CHANNEL, card.ts)
        .map((m) => m.text);
      expect(
        thread.some((t) => /\*Ana Lopez\* handed the call from \*Ana Lopez\* to \*Ben Martin\*/.test(t)),
      ).toBe(true);
    }, WAIT);

    // Ana no longer holds it; a manager may still move it, and then Ben hears it too.
    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: card.ts, chosen: ANA.id });
    await vi.waitFor(
      () =>
        expect(ephemeralsFor(ANA.id)).toContain(
          'Only Ben Martin or a manager can hand this call to someone else.',
        ),
      WAIT,
    );
    await pickPerson({ user: MIA.id, episodeId: episode.id, cardTs: card.ts, chosen: ANA.id });
    await cardSays(CHANNEL, card.ts, 'Claimed by Ana Lopez');
    await vi.waitFor(async () => expect(await assigneeOf(episode.id)).toBe(zendeskIdOf(ANA.email)), WAIT);
    await vi.waitFor(() => {
      expect(
        directMessages(BEN.id).some(
          (t) => t.startsWith('Mia Manager handed the missed call from') && t.includes('to Ana Lopez'),
        ),
      ).toBe(true);
      expect(
        directMessages(ANA.id).some((t) => t.startsWith('Mia Manager handed you the missed call from')),
      ).toBe(true);
    }, WAIT);
  });

  it('refuses a pick from a message that is not the call’s card', async () => {
    const { episode, card } = await cardOfMissedCall('+33 6 11 22 33 55');
    await claimAsAna(episode.id, card.ts);
    await pickPerson({ user: ANA.id, episodeId: episode.id, cardTs: '1700000000.999999', chosen: BEN.id });
    await vi.waitFor(
      () =>
        expect(ephemeralsFor(ANA.id)).toContain(
          'This button does not belong to that call, so nothing changed.',
        ),
      WAIT,
    );
    expect((await current(episode.id)).claimedBy?.email).toBe(ANA.email);
  });

  it('lets a manager take a claimed call for herself with the picker: she is not told she handed it to herself', async () => {
    const { episode, card } = await cardOfMissedCall('+33 6 11 22 33 55');
    await claimAsAna(episode.id, card.ts);

    await pickPerson({ user: MIA.id, episodeId: episode.id, cardTs: card.ts, chosen: MIA.id });
    await cardSays(CHANNEL, card.ts, 'Claimed by Mia Manager');
    await vi.waitFor(() => {
      expect(ephemeralsFor(MIA.id)).toContain('You took this call from *Ana Lopez*.');
      // Ana is told, with the number as people in France write it.
      expect(
        directMessages(ANA.id).some((t) =>
          t.startsWith(
            'Mia Manager handed the missed call from 06 11 22 33 55 on Support FR to Mia Manager.',
          ),
        ),
      ).toBe(true);
    }, WAIT);
    expect(ephemeralsFor(MIA.id).join('\n')).not.toContain('You handed this call to');
    expect(directMessages(MIA.id).filter((t) => t.includes('handed you'))).toEqual([]);
  });

  it('suggests round robin among the available agents, skipping those Aircall marks unavailable', async () => {
    const ben = aircall.users.find((u) => u.email === BEN.email);
    if (ben) ben.available = false;
    await start(
      `assign: { suggest: [roundRobin], agents: [${ANA.email}, ${BEN.email}, chloe@example.com] }`,
      {
        aircallApi: true,
      },
    );
    // The users API was read at startup: Ringback knows who is available before the first call.
    await vi.waitFor(async () => {
      const rows = await running().ringback.store.db.selectFrom('agent_availability').selectAll().execute();
      expect(rows).toHaveLength(3);
    }, WAIT);

    const names: string[] = [];
    for (const number of ['+33 6 00 00 00 01', '+33 6 00 00 00 02', '+33 6 00 00 00 03']) {
      const episode = await missedCallFrom(number);
      const card = await waitForCard(running(), episode.id);
      await vi.waitFor(async () => expect((await current(episode.id)).suggestedOwner).not.toBeNull(), WAIT);
      const owner = (await current(episode.id)).suggestedOwner;
      names.push(owner?.name ?? '');
      await cardSays(CHANNEL, card.ts, `Suggested: ${owner?.name} · next in turn among the available agents`);
    }
    expect(names).toEqual([ANA.realName, 'Chloé Roy', ANA.realName]);
  });
});
