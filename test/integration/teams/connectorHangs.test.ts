/**
 * The calls the Teams SDK makes for an inbound activity (the roster, the reply) use its own client, which
 * has no timeout: Ringback bounds them with the Teams policy, so a Bot Connector that hangs costs a message
 * the policy's timeout, not the whole turn forever.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { vendorPolicies } from '../../../src/resilience/vendorPolicy.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { USERS } from '../../mocks/fakeTeams.js';
import { startTeamsHarness, type TeamsHarness } from './harness.js';

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({ database: db });
  expect((await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam())).status).toBe(200);
  // Production waits 10 s per request; compressed here.
  vendorPolicies.reset({ teams: { timeoutMs: 1_000 } });
});

afterAll(async () => {
  vendorPolicies.reset();
  await h?.stop();
  await db?.drop();
});

describe('a Bot Connector that hangs while a message is handled', () => {
  it('gives up on the roster after the timeout and answers with what it knows', async () => {
    h.fake.hangNext((method, path) => method === 'GET' && path.includes('/members/'));
    const started = Date.now();
    const answer = await h.fake.toBot(h.botUrl, h.fake.personalMessage(USERS.mia, 'help'));
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.logLines()).toContainEqual(expect.stringContaining('the roster did not answer'));
    expect(String(h.fake.messagesIn(`a:personal-${USERS.mia.id}`).at(-1)?.activity.text)).toContain('open');
  });

  it('gives up on a reply that hangs after the timeout, and says so in the log', async () => {
    h.fake.hangNext((method, path) => method === 'POST' && path.includes('/activities'));
    const started = Date.now();
    const answer = await h.fake.toBot(h.botUrl, h.fake.personalMessage(USERS.mia, 'help'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(h.logLines()).toContainEqual(expect.stringContaining('no answer within 1000 ms'));
  });
});

describe('a turn that outlives its deadline', () => {
  it('is answered 503 with a reason when the deadline passes, while the turn itself goes on', async () => {
    const db2 = sqliteDatabase();
    const slow = await startTeamsHarness({ database: db2, teams: { turnDeadlineMs: 300 } });
    try {
      expect((await slow.fake.toBot(slow.botUrl, slow.fake.botAddedToTeam())).status).toBe(200);
      // Starting Ringback reset the policies: the roster hangs for the Teams policy's 1 s again, longer
      // than the turn's deadline.
      vendorPolicies.reset({ teams: { timeoutMs: 1_000 } });
      slow.fake.hangNext((method, path) => method === 'GET' && path.includes('/members/'));
      const started = Date.now();
      const answer = await slow.fake.toBot(slow.botUrl, slow.fake.personalMessage(USERS.mia, 'help'));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(answer).toMatchObject({
        status: 503,
        body: { error: 'turn_timeout', detail: 'the activity was not handled within 300 ms' },
      });
      expect(slow.logLines()).toContainEqual(expect.stringContaining('was not handled within 300 ms'));
      // Once the roster times out, the turn still answers the person.
      await vi.waitFor(
        () =>
          expect(String(slow.fake.messagesIn(`a:personal-${USERS.mia.id}`).at(-1)?.activity.text)).toContain(
            'open',
          ),
        { timeout: 5_000, interval: 50 },
      );
    } finally {
      await slow.stop();
      await db2.drop();
    }
  });
});
