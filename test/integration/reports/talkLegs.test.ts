import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import type { FakeZendesk } from '../../mocks/fakeZendesk.js';
import { eventually, startFake, startZendeskRingback, talkCall, zendeskConfig } from '../zendesk/harness.js';

const API_TOKEN = 'read-api-token-for-talk-legs';

describe('Zendesk Talk legs in the fair agent report', () => {
  let database: TestDatabase;
  let fake: FakeZendesk;
  let stop: (() => Promise<void>) | null = null;

  beforeEach(async () => {
    database = sqliteDatabase();
    fake = await startFake();
  });

  afterEach(async () => {
    await stop?.();
    await fake.stop();
    await database.drop();
  });

  it('counts a colleague’s missed leg exported after the answered call, never as a missed call', async () => {
    const marie = fake.addUser({ name: 'Marie Dupont', phone: '+33176360695' });
    const ana = fake.addAgent('Ana Lopez', 'ana@example.com');
    const eve = fake.addAgent('Eve Bernard', 'eve@example.com');
    fake.addTalkCall(
      talkCall({
        id: 9201,
        customer_id: marie.id,
        completion_status: 'completed',
        agent_id: eve.id,
        talk_time: 120,
      }),
    );

    const config = zendeskConfig(database, fake);
    config.env.RINGBACK_API_TOKEN = API_TOKEN;
    const ringback = await startZendeskRingback(config);
    stop = () => ringback.stop();
    await eventually('the answered call is stored', () => ringback.store.providerCalls.get('zendesk:9201'));

    // A later call moves the calls cursor past this one, so it is not exported again.
    const paul = fake.addUser({ name: 'Paul Martin', phone: '+33612345678' });
    fake.addTalkCall(
      talkCall({ id: 9202, customer_id: paul.id, updated_at: new Date(Date.now() - 5_000).toISOString() }),
    );
    await eventually('the later call is stored', () => ringback.store.providerCalls.get('zendesk:9202'));
    // Talk exports the legs on their own clock: Ana's miss of the first call comes in a later page.
    const now = new Date().toISOString();
    fake.addTalkLeg({
      id: 71,
      call_id: 9201,
      type: 'agent',
      agent_id: ana.id,
      completion_status: 'agent_missed',
      created_at: now,
      updated_at: now,
    });
    const today = DateTime.now().setZone('Europe/Paris');
    const days = `${today.minus({ days: 1 }).toISODate()}..${today.toISODate()}`;
    const summary = await eventually('the report shows Ana’s leg', async () => {
      const response = await fetch(`${ringback.baseUrl}/api/summary?period=${days}`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      const body = (await response.json()) as {
        totals: { missedCalls: number };
        agents: { name: string; legs: Record<string, number> }[];
      };
      return body.agents.some((a) => a.name === 'Ana Lopez') ? body : null;
    });
    // Paul's call is the day's one missed call; Marie's, answered by Eve, is not one.
    expect(summary.totals.missedCalls).toBe(1);
    expect(summary.agents.find((a) => a.name === 'Ana Lopez')?.legs).toMatchObject({
      offered: 1,
      rangOut: 1,
      colleagueAnswered: 1,
      onMissedCalls: 0,
    });
    expect(summary.agents.find((a) => a.name === 'Eve Bernard')?.legs).toMatchObject({
      offered: 1,
      answered: 1,
    });
  });
});
