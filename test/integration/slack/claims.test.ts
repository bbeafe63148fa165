/** Twenty people click Claim on the same card at the same moment, on SQLite and on PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import {
  blocksText,
  CHANNEL,
  cardIn,
  click,
  openEpisode,
  type SlackHarness,
  startSlackHarness,
} from './harness.js';

const WAIT = { timeout: 15_000, interval: 25 };
const kinds = await databaseKinds();

describe.each(kinds)('20 concurrent claims on $name', (kind) => {
  let db: TestDatabase;
  let h: SlackHarness;

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    db = await kind.create();
    h = await startSlackHarness({ database: db });
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await h?.stop();
    await db?.drop();
  });

  it('has exactly one winner, 19 private refusals naming the winner, and one card update', async () => {
    const users = Array.from({ length: 20 }, (_, i) => ({
      id: `UCLAIM${String(i).padStart(4, '0')}`,
      name: `agent${i}`,
      realName: `Agent ${i}`,
      email: `agent${i}@example.com`,
    }));
    for (const user of users) h.fake.addUser(user);
    const episode = await openEpisode(h.ringback);
    await vi.waitFor(async () => {
      expect(await h.ringback.store.posts.get(episode.id, 'slack', CHANNEL)).not.toBeNull();
      const lanes = await h.ringback.store.jobs.list({ kind: 'slack.lane' });
      expect(lanes.filter((j) => j.status === 'pending' || j.status === 'running')).toEqual([]);
    }, WAIT);
    const card = cardIn(h.fake, CHANNEL, episode.id);
    if (!card) throw new Error('no card');

    const responses = await Promise.all(
      users.map((user) =>
        click(h, { user: user.id, episodeId: episode.id, cardTs: card.ts, actionId: 'ringback.claim' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 200));

    await vi.waitFor(() => expect(h.fake.ephemerals).toHaveLength(19), WAIT);
    await vi.waitFor(() => expect(h.fake.callsTo('chat.update').filter((c) => c.ok)).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(h.fake.replies(CHANNEL, card.ts)).toHaveLength(1), WAIT);

    const stored = await h.ringback.store.episodes.get(episode.id);
    const winner = users.find((u) => stored?.claimedBy?.id === `slack:${u.id}`);
    expect(winner).toBeDefined();
    expect(stored).toMatchObject({ state: 'claimed', version: 2 });

    const refused = h.fake.ephemerals.map((e) => e.user).sort();
    expect(refused).toEqual(
      users
        .filter((u) => u !== winner)
        .map((u) => u.id)
        .sort(),
    );
    for (const message of h.fake.ephemerals) {
      expect(message.text).toMatch(
        new RegExp(`^${winner?.realName} already has this call \\(since \\d\\d:\\d\\d\\)\\.$`),
      );
    }
    expect(blocksText(h.fake.message(CHANNEL, card.ts))).toContain(`Claimed by ${winner?.realName}`);
    expect(h.fake.replies(CHANNEL, card.ts)[0]?.text).toContain(`Claimed by *${winner?.realName}*`);
    const audit = await h.ringback.store.audit.listForEpisode(episode.id);
    expect(audit.filter((a) => a.type === 'claimed')).toHaveLength(1);
    expect(h.fake.errors).toEqual([]);
    expect(h.fake.rateLimited).toEqual([]);
  });
});
