/** `@Ringback …` commands in Teams, and the notices Teams says (DMs, the managers' channel, summaries). */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../src/app/commands.js';
import { buildSummary } from '../../../src/app/summary.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { CALLBACKS, MANAGERS, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, type TeamsHarness } from './harness.js';

const WAIT = { timeout: 10_000, interval: 25 };

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({ database: db });
  await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
  await h.missedCall({ callId: 'CA-1', from: '+33612345611', callerName: 'Marie Dupont' });
  await h.missedCall({ callId: 'CA-2', from: '+33612345612', callerName: 'Jean Petit' });
  await vi.waitFor(async () => expect(await h.ringback.store.episodes.count()).toBe(2), WAIT);
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

afterEach(() => {
  expect(h.fake.invalidRequests).toEqual([]);
  expect(h.fake.throttled).toBe(0);
});

async function ask(user: (typeof USERS)[keyof typeof USERS], text: string) {
  const res = await h.fake.toBot(h.botUrl, h.fake.personalMessage(user, text));
  expect(res.status).toBe(200);
  const reply = h.fake.messagesIn(`a:personal-${user.id}`).at(-1);
  return {
    text: String(reply?.activity.text ?? ''),
    card: (reply?.activity.attachments as { content: unknown }[] | undefined)?.[0]?.content ?? null,
  };
}

describe('@Ringback summary', () => {
  describe('asked by a manager', () => {
    it('answers with the same figures as the summary use case, as a card', async () => {
      const answer = await ask(USERS.mia, 'summary today');
      const expected = await buildSummary(
        { store: h.ringback.store, clock: h.ringback.clock, routing: h.ringback.config.routing },
        { period: 'today' },
      );
      if (!expected.ok) throw new Error(expected.error);
      const text = cardText(answer.card);
      expect(text).toContain('Missed calls, today');
      expect(text).toContain(
        `${expected.summary.totals.missedCalls} from ${expected.summary.totals.uniqueCallers} unique callers`,
      );
      expect(text).toContain('Support FR');
    });

    it('names the oldest open call by its line and age, not its caller, when asked for public', async () => {
      expect(cardText((await ask(USERS.mia, 'summary today')).card)).toMatch(/oldest: Support FR, \+33 6/);
      const shared = cardText((await ask(USERS.mia, 'summary today public')).card);
      expect(shared).toContain('oldest: Support FR, missed');
      expect(shared).not.toMatch(/\+33 6/);
    });

    it('says what is wrong with a period it cannot read', async () => {
      const answer = await ask(USERS.mia, 'summary today Nowhere');
      expect(answer.text).toContain('no line named "Nowhere"');
    });
  });

  describe('asked by anyone else', () => {
    it('says summaries are for managers', async () => {
      const answer = await ask(USERS.ben, 'summary week');
      expect(answer.text).toContain('Summaries are for managers');
      expect(answer.card).toBeNull();
    });
  });
});

describe('@Ringback open', () => {
  it('lists the calls still waiting, oldest first', async () => {
    const answer = await ask(USERS.ben, 'open');
    expect(answer.text).toContain('**Open calls: 2**');
    expect(answer.text.indexOf('Marie Dupont')).toBeLessThan(answer.text.indexOf('Jean Petit'));
  });
});

/** The last message Ringback sent in a shared conversation, as everyone there reads it (text and card). */
function lastIn(conversationId: string): string {
  const reply = h.fake.messagesIn(conversationId).at(-1);
  const card = (reply?.activity.attachments as { content: unknown }[] | undefined)?.[0]?.content;
  return `${String(reply?.activity.text ?? '')}\n${card ? cardText(card) : ''}`;
}

describe('@Ringback open in a group chat', () => {
  it('says how many calls are open, naming no caller, and points to the personal chat for the list', async () => {
    const group = '19:group-chat-1@unq.gbl.spaces';
    const res = await h.fake.toBot(h.botUrl, h.fake.groupMessage(group, USERS.ben, 'open'));
    expect(res.status).toBe(200);
    const reply = h.fake.messagesIn(group).at(-1);
    expect(String(reply?.activity.text)).toContain('**Open calls: 2**');
    expect(String(reply?.activity.text)).toContain('personal chat');
    expect(lastIn(group)).not.toMatch(/Marie Dupont|Jean Petit|\+33|612345/);
    expect(reply?.activity.attachments ?? []).toEqual([]);
    // The same question in Ben's own chat gets the card with its buttons.
    const res2 = await h.fake.toBot(h.botUrl, h.fake.personalMessage(USERS.ben, 'open'));
    expect(res2.status).toBe(200);
    expect(h.fake.messagesIn(`a:personal-${USERS.ben.id}`).at(-1)?.activity.attachments).toHaveLength(1);
  });
});

describe('in a channel everyone reads', () => {
  it('answers open with the count only, naming no caller', async () => {
    const res = await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(MANAGERS.id, USERS.ben, 'open', { mention: true }),
    );
    expect(res.status).toBe(200);
    const said = lastIn(MANAGERS.id);
    expect(said).toContain('**Open calls: 2**');
    expect(said).toContain('personal chat');
    expect(said).not.toMatch(/Marie Dupont|Jean Petit|\+33|612345/);
  });

  it('answers a summary without callers’ numbers, as a public one, even when `public` was not asked', async () => {
    const res = await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(MANAGERS.id, USERS.mia, 'summary today', { mention: true }),
    );
    expect(res.status).toBe(200);
    const said = lastIn(MANAGERS.id);
    expect(said).toContain('Missed calls, today');
    expect(said).toContain('oldest: Support FR, missed');
    expect(said).not.toMatch(/Marie Dupont|Jean Petit|\+33|612345/);
  });

  it('answers a summary in a group chat without callers’ numbers too', async () => {
    const group = '19:group-chat-3@unq.gbl.spaces';
    expect(
      (await h.fake.toBot(h.botUrl, h.fake.groupMessage(group, USERS.mia, 'summary today'))).status,
    ).toBe(200);
    const said = lastIn(group);
    expect(said).toContain('oldest: Support FR, missed');
    expect(said).not.toMatch(/\+33|612345/);
  });
});

describe('@Ringback with a name of several words', () => {
  it('reads the command when Teams sends one mention per word of the bot’s name', async () => {
    const group = '19:group-chat-2@unq.gbl.spaces';
    const message = h.fake.groupMessage(group, USERS.ben, 'open') as {
      text: string;
      entities: unknown[];
      recipient: unknown;
    };
    // "Ringback Rappels", a localised name: two <at> tags, two mention entities of the bot.
    message.text = '<p><at>Ringback</at> <at>Rappels</at>&nbsp;open</p>';
    message.entities = [
      { type: 'mention', text: '<at>Ringback</at>', mentioned: message.recipient },
      { type: 'mention', text: '<at>Rappels</at>', mentioned: message.recipient },
    ];
    expect((await h.fake.toBot(h.botUrl, message)).status).toBe(200);
    expect(String(h.fake.messagesIn(group).at(-1)?.activity.text)).toContain('**Open calls: 2**');
  });
});

describe('@Ringback mine', () => {
  it('lists the calls I claimed, whichever surface I claimed them on', async () => {
    const [episode] = await h.ringback.store.episodes.list({ limit: 1 });
    if (!episode) throw new Error('no episode');
    // Ana claims in Slack; Teams knows her as the same person by her e-mail.
    await runCommand(h.ringback.commands, episode.id, {
      type: 'claim',
      actor: { id: 'slack:UANA000001', name: 'Ana', email: USERS.ana.email, surface: 'slack' },
      at: h.ringback.clock.now(),
    });
    const answer = await ask(USERS.ana, 'mine');
    expect(answer.text).toContain('**Your claimed calls: 1**');
    expect((await ask(USERS.ben, 'mine')).text).toContain('Your claimed calls: none.');
  });

  it('in a channel, says how many calls I hold without naming their callers', async () => {
    const res = await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(MANAGERS.id, USERS.ana, 'mine', { mention: true }),
    );
    expect(res.status).toBe(200);
    const said = lastIn(MANAGERS.id);
    expect(said).toContain('**Your claimed calls: 1**');
    expect(said).not.toMatch(/Marie Dupont|Jean Petit|\+33|612345/);
  });
});

describe('in a channel', () => {
  it('answers only when @mentioned', async () => {
    const before = h.fake.messagesIn(`${CALLBACKS.id};messageid=42`).length;
    await h.fake.toBot(h.botUrl, h.fake.channelMessage(`${CALLBACKS.id};messageid=42`, USERS.ben, 'help'));
    expect(h.fake.messagesIn(`${CALLBACKS.id};messageid=42`).length).toBe(before);
    await h.fake.toBot(
      h.botUrl,
      h.fake.channelMessage(`${CALLBACKS.id};messageid=42`, USERS.ben, 'help', { mention: true }),
    );
    expect(String(h.fake.messagesIn(`${CALLBACKS.id};messageid=42`).at(-1)?.activity.text)).toContain(
      '@Ringback mine',
    );
  });
});

describe('notices', () => {
  async function say(notice: Parameters<TeamsHarness['ringback']['notices']['plan']>[0]) {
    await h.ringback.store.transaction((repos) =>
      repos.enqueue(h.ringback.notices.plan(notice), h.ringback.clock.now()),
    );
  }

  it('posts a manager escalation in the managers’ channel', async () => {
    await say({
      kind: 'managers',
      text: 'Marie Dupont has waited 30m for a callback',
      mention: null,
      episodeId: null,
    });
    await vi.waitFor(
      () =>
        expect(h.fake.postsIn(MANAGERS.id).map((p) => p.activity.text)).toContainEqual(
          'Marie Dupont has waited 30m for a callback',
        ),
      WAIT,
    );
  });

  it('messages the managers it knows in their personal chat', async () => {
    await say({ kind: 'dm', to: 'managers', text: 'Two calls are past their SLA', episodeId: null });
    await vi.waitFor(
      () =>
        expect(h.fake.messagesIn(`a:personal-${USERS.mia.id}`).map((m) => m.activity.text)).toContainEqual(
          'Two calls are past their SLA',
        ),
      WAIT,
    );
  });

  it('finds people it has never met in the team’s roster, and messages them', async () => {
    await say({
      kind: 'dm',
      to: [
        { id: `email:${USERS.zoe.email}`, name: USERS.zoe.email, email: USERS.zoe.email, surface: 'system' },
      ],
      text: 'You are on call tonight',
      episodeId: null,
    });
    await vi.waitFor(
      () =>
        expect(h.fake.messagesIn(`a:personal-${USERS.zoe.id}`).map((m) => m.activity.text)).toContainEqual(
          'You are on call tonight',
        ),
      WAIT,
    );
  });

  it('messages each person once when Teams holds one of them back (one message per person)', async () => {
    const person = (user: typeof USERS.ben) => ({
      id: `email:${user.email}`,
      name: user.email,
      email: user.email,
      surface: 'system' as const,
    });
    const text = 'Three calls wait for a callback';
    // Teams answers 429 to the message for Zoe once: only hers waits and goes again.
    h.fake.failNext(
      (method, path) => method === 'POST' && path.includes(`a:personal-${USERS.zoe.id}/activities`),
      429,
      1,
    );
    await say({ kind: 'dm', to: [person(USERS.ben), person(USERS.zoe)], text, episodeId: null });
    const received = (user: typeof USERS.ben) =>
      h.fake.messagesIn(`a:personal-${user.id}`).filter((m) => m.activity.text === text).length;
    await vi.waitFor(() => expect(received(USERS.zoe)).toBe(1), { timeout: 15_000, interval: 50 });
    expect(received(USERS.ben)).toBe(1);
  });

  it('mentions the people a thread notice names, for real', async () => {
    const [episode] = await h.ringback.store.episodes.list({ limit: 1 });
    if (!episode) throw new Error('no episode');
    const [post] = await h.ringback.store.posts.listForEpisode(episode.id);
    if (!post?.threadRef) throw new Error('no Teams post');
    await say({
      kind: 'thread',
      episodeId: episode.id,
      text: 'Still unclaimed after 15m',
      mention: `${USERS.ana.email} @here`,
    });
    await vi.waitFor(() => {
      const reply = h.fake
        .messagesIn(post.threadRef as string)
        .find((m) => String(m.activity.text).includes('Still unclaimed'));
      expect(reply?.activity.text).toBe('<at>Ana Lima</at> Still unclaimed after 15m');
      expect(reply?.activity.entities).toEqual([
        { type: 'mention', text: '<at>Ana Lima</at>', mentioned: { id: USERS.ana.id, name: 'Ana Lima' } },
      ]);
    }, WAIT);
  });

  it('mentions someone it has never met (or has forgotten) whom the team’s roster has', async () => {
    const [episode] = await h.ringback.store.episodes.list({ limit: 1 });
    if (!episode) throw new Error('no episode');
    const [post] = await h.ringback.store.posts.listForEpisode(episode.id);
    if (!post?.threadRef) throw new Error('no Teams post');
    // Forgotten, as the retention purge does to someone not met for the retention.
    await h.ringback.store.db.deleteFrom('teams_members').where('email', '=', USERS.zoe.email).execute();
    expect(await h.ringback.store.teams.findMembers([USERS.zoe.email])).toEqual([]);
    await say({
      kind: 'thread',
      episodeId: episode.id,
      text: 'Escalated: nobody has claimed it',
      mention: USERS.zoe.email,
    });
    await vi.waitFor(() => {
      const reply = h.fake
        .messagesIn(post.threadRef as string)
        .find((m) => String(m.activity.text).includes('Escalated: nobody'));
      expect(reply?.activity.text).toBe('<at>Zoe Martin</at> Escalated: nobody has claimed it');
      expect(reply?.activity.entities).toEqual([
        { type: 'mention', text: '<at>Zoe Martin</at>', mentioned: { id: USERS.zoe.id, name: 'Zoe Martin' } },
      ]);
    }, WAIT);
  });

  it('posts a scheduled summary in its channel as a card', async () => {
    const answer = await buildSummary(
      { store: h.ringback.store, clock: h.ringback.clock, routing: h.ringback.config.routing },
      { period: 'today' },
    );
    if (!answer.ok) throw new Error(answer.error);
    await say({
      kind: 'summary',
      surface: 'teams',
      channel: MANAGERS.id,
      summary: answer.summary,
      timezone: answer.timezone,
      title: 'Daily missed calls',
    });
    await vi.waitFor(
      () =>
        expect(h.fake.postsIn(MANAGERS.id).map((p) => cardText(h.fake.cardOf(p)))).toContainEqual(
          expect.stringContaining('Daily missed calls'),
        ),
      WAIT,
    );
  });
});
