/**
 * A storm on Teams: when cards wait behind Teams' per-conversation pace, the channel gets the storm queue
 * message as an Adaptive Card with Claim next (`Action.Execute` ringback.claim_next); a click claims the next
 * call and answers privately which one; the message closes once every card is out, and Teams never had to
 * answer 429.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Pacing } from '../../../src/chat/pacing.js';
import { sendsInCursors } from '../../../src/chat/sharedSends.js';
import type { RoutingConfig } from '../../../src/config/routing.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { RetryAfter } from '../../../src/jobs/errors.js';
import type { JobRunner } from '../../../src/jobs/runner.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import type { TeamsConnector } from '../../../src/surfaces/teams/connector.js';
import { TeamsStormQueue, teamsStormKey } from '../../../src/surfaces/teams/stormQueue.js';
import { databaseKinds, sqliteDatabase, type TestDatabase, useStore } from '../../helpers/databases.js';
import { T0 } from '../../helpers/episodes.js';
import { memoryLogger } from '../../helpers/ringback.js';
import { CALLBACKS, type FakeActivity, USERS } from '../../mocks/fakeTeams.js';
import { cardText, startTeamsHarness, type TeamsHarness, verbsOf } from './harness.js';

const WAIT = { timeout: 60_000, interval: 50 };
const CALLS = 30;

let db: TestDatabase;
let h: TeamsHarness;

beforeAll(async () => {
  db = sqliteDatabase();
  h = await startTeamsHarness({ database: db, teams: { invokeWaitMs: 0 } });
  await h.fake.toBot(h.botUrl, h.fake.botAddedToTeam());
});

afterAll(async () => {
  await h?.stop();
  await db?.drop();
});

function queueMessage(): FakeActivity | undefined {
  return h.fake
    .postsIn(CALLBACKS.id)
    .find(
      (post) =>
        verbsOf(h.fake.cardOf(post)).includes(ACTION_IDS.claimNext) ||
        cardText(h.fake.cardOf(post)).includes('All cards are posted'),
    );
}

async function episodeOf(callId: string): Promise<string> {
  const call = await h.ringback.store.providerCalls.get(`generic:twilio:${callId}`);
  return call?.episodeId as string;
}

describe('a storm of missed calls in one Teams channel', () => {
  it('shows the queue message with Claim next, claims the next call on a click, and closes at the end', async () => {
    for (let i = 0; i < CALLS; i++) {
      await h.missedCall({
        callId: `CA-storm-${i}`,
        from: `+336123470${String(i).padStart(2, '0')}`,
        callerName: `Caller ${i}`,
      });
    }
    await vi.waitFor(() => expect(queueMessage()).toBeDefined(), WAIT);
    const queue = queueMessage() as FakeActivity;
    const card = h.fake.cardOf(queue);
    expect(verbsOf(card)).toEqual([ACTION_IDS.claimNext]);
    expect(cardText(card)).toMatch(/\d+ calls? (is|are) waiting for (its|their) card/);

    const answer = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ana, ACTION_IDS.claimNext, { channel: CALLBACKS.id }),
    );
    expect(answer.status).toBe(200);
    const body = answer.body as { type: string; value: string };
    expect(body.type).toBe('application/vnd.microsoft.activity.message');
    expect(body.value).toContain('You have the next call:');
    expect(body.value).toContain('**Caller 0**');
    expect(body.value).toContain('@Ringback mine');
    const first = await h.ringback.store.episodes.get(await episodeOf('CA-storm-0'));
    expect(first).toMatchObject({
      state: 'claimed',
      claimedBy: expect.objectContaining({ name: USERS.ana.name }),
    });

    const second = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ben, ACTION_IDS.claimNext, { channel: CALLBACKS.id }),
    );
    expect((second.body as { value: string }).value).toContain('**Caller 1**');

    // A button that names another channel than the one it is in changes nothing.
    const forged = await h.fake.toBot(
      h.botUrl,
      h.fake.invoke(queue, USERS.ben, ACTION_IDS.claimNext, { channel: '19:elsewhere@thread.tacv2' }),
    );
    expect((forged.body as { value: string }).value).toContain('belongs to another channel');

    await vi.waitFor(async () => {
      const posts = await Promise.all(
        Array.from({ length: CALLS }, async (_, i) =>
          h.ringback.store.posts.get(await episodeOf(`CA-storm-${i}`), 'teams', CALLBACKS.id),
        ),
      );
      expect(posts.every((p) => p !== null)).toBe(true);
    }, WAIT);
    await vi.waitFor(
      () => expect(cardText(h.fake.cardOf(queueMessage() as FakeActivity))).toContain('All cards are posted'),
      WAIT,
    );
    expect(verbsOf(h.fake.cardOf(queueMessage() as FakeActivity))).toEqual([]);
    expect(h.fake.throttled).toBe(0);
    expect(h.fake.invalidRequests).toEqual([]);
    // One card per call, plus the one queue message.
    expect(h.fake.postsIn(CALLBACKS.id)).toHaveLength(CALLS + 1);
  }, 120_000);
});

// Replicas share one PostgreSQL; a SQLite deployment is one process, which shares nothing.
describe.each((await databaseKinds()).filter((kind) => kind.name === 'postgres'))(
  'the storm queue message of a conversation another replica was told to pause, on $name',
  (kind) => {
    const { store: storeOf, database } = useStore(kind);
    const CHANNEL_ID = '19:storm@thread.tacv2';

    it('is not sent before the pause ends, then is', async () => {
      // The second replica has its own connections to the same database.
      const other = new Store(openDatabase(database().target, { onConnectionError: () => undefined }));
      try {
        const store = storeOf();
        const clock = new ManualClock(T0);
        const replica = (on: Store) =>
          new Pacing(
            { windows: [{ windowMs: 1_000, max: 7 }] },
            {
              maxInlineWaitMs: 1_500,
              now: () => clock.now(),
              sharedSends: sendsInCursors(on, 'teams', clock),
            },
          );
        const [here, there] = [replica(store), replica(other)];
        await store.teams.saveChannels(
          [
            {
              channelId: CHANNEL_ID,
              teamId: 'team-1',
              teamName: 'Support',
              channelName: 'Callbacks',
              tenantId: 'tenant-1',
              serviceUrl: 'https://smba.example.test/',
              botId: '28:bot',
              botName: 'Ringback',
            },
          ],
          T0,
        );
        // An open queue message and no card waiting any more: the watcher's next run closes it (an update).
        await store.cursors.set(
          teamsStormKey(CHANNEL_ID),
          JSON.stringify({
            ref: 'activity-1',
            startedAt: T0 - 10_000,
            shownKey: 'k',
            shownWaiting: 3,
            shownThrough: T0 - 10_000,
            checkedAt: T0 - 5_000,
            cardsPosted: 0,
          }),
          T0,
        );
        const updates: number[] = [];
        const connector = {
          update: async () => {
            updates.push(clock.now());
          },
        } as unknown as TeamsConnector;
        const storm = new TeamsStormQueue({
          store,
          clock,
          logger: memoryLogger().logger,
          routing: { timezone: 'Europe/Paris' } as RoutingConfig,
          connector: async () => connector,
        });
        storm.register({ handle: () => undefined } as unknown as JobRunner, here);

        // Teams answered the other replica 429 with Retry-After 30 s for this conversation.
        await expect(
          there.withPause(CHANNEL_ID, async () => {
            throw new RetryAfter(30_000, 'Teams 429');
          }),
        ).rejects.toBeInstanceOf(RetryAfter);

        // This replica's watcher goes back to the table for the rest of the pause instead of sending into it.
        const early = await storm.run(CHANNEL_ID).catch((error: unknown) => error);
        expect(early).toBeInstanceOf(RetryAfter);
        expect((early as RetryAfter).delayMs).toBeGreaterThan(29_000);
        expect(updates).toEqual([]);
        expect(await storm.queueOf(CHANNEL_ID)).not.toBeNull();

        clock.advance(30_000);
        await storm.run(CHANNEL_ID);
        expect(updates).toEqual([T0 + 30_000]);
        expect(await storm.queueOf(CHANNEL_ID)).toBeNull();
      } finally {
        await other.close();
      }
    });
  },
);
