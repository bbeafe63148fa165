/**
 * The leg report reads call records written by every version of Ringback: a record, a leg or an agent that
 * does not read is taken as absent, and the rest of the record still counts.
 */
import type { Insertable } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/db.js';
import type { LineCallLegs } from '../../../src/store/reports.js';
import type { ProviderCallsTable } from '../../../src/store/schema.js';
import { Store } from '../../../src/store/store.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');

describe('stored call records as the leg report reads them', () => {
  let store: Store;
  let stored = 0;

  beforeEach(async () => {
    store = new Store(openDatabase({ dialect: 'sqlite', path: ':memory:' }));
    await store.migrate();
    stored = 0;
  });

  afterEach(async () => {
    await store.close();
  });

  async function storeCall(data: string, answered = false): Promise<void> {
    stored++;
    const row: Insertable<ProviderCallsTable> = {
      key: `aircall:${stored}`,
      provider: 'aircall',
      provider_call_id: String(stored),
      episode_id: null,
      direction: 'inbound',
      from_number: '+33612345678',
      line: 'Support',
      started_at: T0 + stored,
      ended_at: T0 + stored + 30_000,
      answered: answered ? 1 : 0,
      missed_reason: answered ? null : 'agents_did_not_answer',
      data,
      updated_at: T0 + stored,
    };
    await store.db.insertInto('provider_calls').values(row).execute();
  }

  async function readLegs(): Promise<LineCallLegs[]> {
    const calls: LineCallLegs[] = [];
    for await (const call of store.reports.callLegs({ since: T0, until: T0 + 60_000 })) calls.push(call);
    return calls;
  }

  it('keeps the legs that read and leaves out the ones that do not', async () => {
    await storeCall(
      JSON.stringify({
        ended: true,
        legs: [
          { agentName: 'Ana', agentEmail: 'ana@example.com', result: 'missed', at: T0 },
          { agentName: 'Ben', agentEmail: 42, result: 'declined', at: 'soon' },
          { agentName: 'Chloe', result: 'transferred', at: T0 },
          { result: 'missed', at: T0 },
          'a leg',
          null,
        ],
        extra: 'ignored',
      }),
    );
    expect(await readLegs()).toEqual([
      {
        line: 'Support',
        answered: false,
        missedReason: 'agents_did_not_answer',
        legs: [
          { agentName: 'Ana', agentEmail: 'ana@example.com', result: 'missed', at: T0 },
          { agentName: 'Ben', agentEmail: null, result: 'declined', at: null },
        ],
        agent: null,
      },
    ]);
  });

  it('takes a leg time that is not a finite number as unknown', async () => {
    await storeCall('{"ended": true, "legs": [{"agentName": "Ana", "result": "missed", "at": 1e999}]}');
    const [call] = await readLegs();
    expect(call?.legs).toEqual([{ agentName: 'Ana', agentEmail: null, result: 'missed', at: null }]);
  });

  it('reads who answered only from an agent with a name, and its e-mail only when it is text', async () => {
    await storeCall(JSON.stringify({ ended: true, legs: [], agent: { name: 'Eve', email: ['eve'] } }), true);
    await storeCall(JSON.stringify({ ended: true, legs: [], agent: { email: 'nobody@example.com' } }), true);
    const [named, nameless] = await readLegs();
    expect(named?.agent).toEqual({ name: 'Eve', email: null });
    expect(nameless?.agent).toBeNull();
  });

  it('counts an unanswered call only once it is over, and a broken record as a call not over', async () => {
    await storeCall('{"ended": true, "legs": "none"}');
    await storeCall('{"ended": "yes", "legs": []}');
    await storeCall('not json');
    await storeCall('[1, 2]');
    await storeCall('{"ended": true}', true);
    await storeCall('not json either', true);
    const calls = await readLegs();
    // The first is over without legs; "yes", broken JSON and an array are not over; answered calls count.
    expect(calls.map((c) => [c.answered, c.legs])).toEqual([
      [false, []],
      [true, []],
      [true, []],
    ]);
  });
});
