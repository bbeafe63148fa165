/**
 * The app added to a team: Teams sends a conversationUpdate (membersAdded) and an installationUpdate (add)
 * for the same install, and they may be handled at the same moment.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { TEAM, USERS } from '../../mocks/fakeTeams.js';
import { startTeamsHarness, type TeamsHarness } from './harness.js';

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({ database: db });
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

function welcomes(): number {
  return h.fake.messagesIn(TEAM.id).filter((m) => String(m.activity.text).startsWith('Thanks for adding'))
    .length;
}

describe('when the app is added to a team', () => {
  it('welcomes the team once when conversationUpdate and installationUpdate arrive together', async () => {
    const membersAdded = h.fake.botAddedToTeam(USERS.ana) as Record<string, unknown> & {
      channelData: Record<string, unknown>;
    };
    const installed = {
      ...membersAdded,
      id: 'f:installation',
      type: 'installationUpdate',
      action: 'add',
      membersAdded: undefined,
      channelData: { ...membersAdded.channelData, eventType: undefined },
    };
    const answers = await Promise.all([
      h.fake.toBot(h.botUrl, membersAdded),
      h.fake.toBot(h.botUrl, installed),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await vi.waitFor(() => expect(welcomes()).toBe(1), { timeout: 5_000, interval: 25 });
    // Nothing late: the replies are sent inside the turns, which have both ended.
    expect(welcomes()).toBe(1);
    expect((await h.ringback.store.teams.listChannels()).some((c) => c.teamId === TEAM.id)).toBe(true);
  });

  it('welcomes it again after the app was removed and added back', async () => {
    const removed = h.fake.botAddedToTeam(USERS.ana) as Record<string, unknown>;
    await h.fake.toBot(h.botUrl, {
      ...removed,
      id: 'f:removed',
      type: 'installationUpdate',
      action: 'remove',
      membersAdded: undefined,
    });
    await h.fake.toBot(h.botUrl, { ...h.fake.botAddedToTeam(USERS.ana), id: 'f:added-again' });
    expect(welcomes()).toBe(2);
  });
});
