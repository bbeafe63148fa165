import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerProviders } from '../../../src/providers/register.js';
import { TEST_ROUTING_YAML, testConfig } from '../../helpers/config.js';
import { databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';
import { AIRCALL_FIXTURE_TOKEN, shuffled } from '../ingest/support.js';
import { DAY, fixtureDay } from './fixtureDay.js';

const kinds = await databaseKinds();
const API_TOKEN = 'read-api-token-for-leg-tests';

interface LegsBody {
  totals: { missedCalls: number; episodes: number };
  legs: Record<string, number>;
  agents: { name: string; claimed: number; legs: Record<string, number> }[];
}

describe.each(kinds)('the fair agent report on $name', (kind) => {
  let database: TestDatabase;
  let ringback: StartedRingback;

  beforeEach(async (ctx) => {
    if (kind.skipReason) ctx.skip(kind.skipReason);
    database = await kind.create();
    const config = testConfig({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN, RINGBACK_API_TOKEN: API_TOKEN },
    });
    ringback = await startRingback(config, { adapters: [registerProviders], manualJobs: true });
  });

  afterEach(async () => {
    if (kind.skipReason) return;
    await ringback.stop();
    await database.drop();
  });

  async function deliver(bodies: object[]): Promise<void> {
    for (const body of bodies) {
      const response = await fetch(`${ringback.baseUrl}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
    }
    await ringback.runner.drain();
  }

  async function summary(query: string): Promise<LegsBody> {
    const response = await fetch(`${ringback.baseUrl}/api/summary?${query}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as LegsBody;
  }

  const legsOf = (body: LegsBody, name: string) => body.agents.find((a) => a.name === name)?.legs;

  it.each([
    ['in order', 0],
    ['shuffled', 16],
  ])('separates missed legs from missed calls for a day delivered %s', async (_label, seed) => {
    const day = fixtureDay();
    await deliver(seed === 0 ? day : shuffled(day, seed));
    const body = await summary(`period=${DAY}`);

    // One call nobody answered: the only missed call of the day.
    expect(body.totals).toMatchObject({ missedCalls: 1, episodes: 1 });
    expect(body.legs).toEqual({
      calls: 3,
      answeredCalls: 2,
      unansweredCalls: 1,
      offered: 9,
      answered: 2,
      rangOut: 5,
      declined: 2,
      missedLegs: 7,
      colleagueAnswered: 5,
      onMissedCalls: 2,
    });
    // The call that rang four agents before Eve answered: four missed legs, none of them a missed call.
    for (const name of ['Chloé Durand', 'David Petit']) {
      expect(legsOf(body, name)).toEqual({
        offered: 1,
        answered: 0,
        rangOut: 1,
        declined: 0,
        missedLegs: 1,
        colleagueAnswered: 1,
        onMissedCalls: 0,
      });
    }
    expect(legsOf(body, 'Eve Bernard')).toMatchObject({ offered: 1, answered: 1, missedLegs: 0 });
    // Ana: rang out on the missed call and on Eve's call, answered the 10:32 one.
    expect(legsOf(body, 'Ana Lopez')).toEqual({
      offered: 3,
      answered: 1,
      rangOut: 2,
      declined: 0,
      missedLegs: 2,
      colleagueAnswered: 1,
      onMissedCalls: 1,
    });
    // Ben: declined twice (once on the missed call, once when Ana answered), rang out on Eve's call.
    expect(legsOf(body, 'Ben Martin')).toEqual({
      offered: 3,
      answered: 0,
      rangOut: 1,
      declined: 2,
      missedLegs: 3,
      colleagueAnswered: 2,
      onMissedCalls: 1,
    });
    // Nobody claimed anything: every agent is listed for their legs alone.
    expect(body.agents.every((a) => a.claimed === 0)).toBe(true);
  });

  it('leaves out the legs of a call its line ignores, as it leaves out the missed call', async () => {
    await ringback.stop();
    const config = testConfig({
      database,
      env: { AIRCALL_WEBHOOK_TOKEN: AIRCALL_FIXTURE_TOKEN, RINGBACK_API_TOKEN: API_TOKEN },
      routingYaml: TEST_ROUTING_YAML.replace(
        'sla: { claimWithin: 15m, resolveWithin: 2h }',
        'sla: { claimWithin: 15m, resolveWithin: 2h }\n    ignore: [agents_did_not_answer]',
      ),
    });
    ringback = await startRingback(config, { adapters: [registerProviders], manualJobs: true });
    await deliver(fixtureDay());
    const body = await summary(`period=${DAY}`);
    expect(body.totals).toMatchObject({ missedCalls: 0 });
    expect(body.legs).toMatchObject({ calls: 2, unansweredCalls: 0, onMissedCalls: 0 });
    expect(legsOf(body, 'Ana Lopez')).toMatchObject({ offered: 2, onMissedCalls: 0 });
  });

  it('reports the legs of one line only, and none on a day without calls', async () => {
    await deliver(fixtureDay());
    expect((await summary(`period=${DAY}&line=everything%20else`)).legs).toMatchObject({
      calls: 0,
      offered: 0,
    });
    expect((await summary(`period=${DAY}&line=support%20fr`)).legs).toMatchObject({ calls: 3, offered: 9 });
    const empty = await summary('period=2026-11-21');
    expect(empty.legs).toMatchObject({ calls: 0, missedLegs: 0 });
    expect(empty.agents).toEqual([]);
  });
});
