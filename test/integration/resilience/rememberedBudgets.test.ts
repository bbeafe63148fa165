/**
 * On SQLite the vendor budgets live in the one process, and each grant and pause is written to the
 * database first: a process started again on the same file (after kill -9, or crashing in a loop) spends
 * only what is left of the account's minute, and honours a Retry-After the one before it was given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BudgetLedger, rememberedBudgets } from '../../../src/resilience/budgets.js';
import { openDatabase } from '../../../src/store/db.js';
import { Store } from '../../../src/store/store.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const T0 = 1_800_000_000_000;

function manualClock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('budgets remembered across restarts (SQLite)', () => {
  let database: TestDatabase | null = null;
  const stores: Store[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await database?.drop();
    database = null;
  });

  /** One process's life on the test's database file. */
  async function processOnFile(): Promise<Store> {
    database ??= sqliteDatabase();
    const store = new Store(openDatabase(database.target));
    await store.migrate();
    stores.push(store);
    return store;
  }

  it('lets a restarted process spend only what is left of the minute', async () => {
    const clock = manualClock();
    const first = await rememberedBudgets((await processOnFile()).budgetLedger, clock);
    const zendesk = first.budget('zendesk:acme.zendesk.com', 5);
    for (let i = 0; i < 3; i++) {
      expect(await zendesk.take()).toBe(0);
      clock.advance(1_000);
    }

    // kill -9: nothing is closed; a new process opens the same file 10 s later.
    clock.advance(10_000);
    const second = await rememberedBudgets((await processOnFile()).budgetLedger, clock);
    const again = second.budget('zendesk:acme.zendesk.com', 5);
    expect(await again.take()).toBe(0);
    expect(await again.take()).toBe(0);
    // Five in the last minute: the next waits until the first process's first request leaves the window.
    expect(await again.take()).toBe(T0 + 60_000 - clock.now());
    // Another vendor's budget was not touched.
    expect(await second.budget('aircall', 5).take()).toBe(0);
  });

  it('keeps a vendor’s Retry-After through a restart', async () => {
    const clock = manualClock();
    const first = await rememberedBudgets((await processOnFile()).budgetLedger, clock);
    await first.budget('zendesk:acme.zendesk.com', 700).pause(45_000);

    clock.advance(5_000);
    const second = await rememberedBudgets((await processOnFile()).budgetLedger, clock);
    expect(await second.budget('zendesk:acme.zendesk.com', 700).take()).toBe(40_000);
    clock.advance(40_000);
    expect(await second.budget('zendesk:acme.zendesk.com', 700).take()).toBe(0);
  });

  it('forgets what left the window when a process starts, and as it goes', async () => {
    const clock = manualClock();
    const store = await processOnFile();
    const budgets = await rememberedBudgets(store.budgetLedger, clock);
    const slack = budgets.budget('slack:T1', 1_000);
    for (let i = 0; i < 499; i++) expect(await slack.take()).toBe(0);
    clock.advance(61_000);
    // The 500th grant drops every entry older than a minute.
    expect(await slack.take()).toBe(0);
    const left = await store.budgetLedger.since(0);
    expect(left.sent.get('slack:T1')).toEqual([clock.now()]);

    clock.advance(61_000);
    await rememberedBudgets(store.budgetLedger, clock);
    expect((await store.budgetLedger.since(0)).sent.size).toBe(0);
  });

  it('answers "wait" when the grant cannot be written (fail closed)', async () => {
    const clock = manualClock();
    const broken: BudgetLedger = {
      recordSent: async () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      recordPause: async () => undefined,
      since: async () => ({ sent: new Map(), pausedUntil: new Map() }),
      purgeBefore: async () => 0,
    };
    const budgets = await rememberedBudgets(broken, clock);
    expect(await budgets.budget('zendesk:acme.zendesk.com', 700).take()).toBeGreaterThan(0);
  });
});
