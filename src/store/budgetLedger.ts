/**
 * The budget ledger: on SQLite, what each vendor budget granted in the last minute and until when a vendor
 * said to wait, so that a restarted process goes on from where the last one stopped (see
 * src/resilience/budgets.ts, `rememberedBudgets`).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface LedgerEntries {
  /** Per budget: when each request still in the window was granted, oldest first. */
  sent: Map<string, number[]>;
  /** Per budget: the latest time a vendor said to wait until. */
  pausedUntil: Map<string, number>;
}

export class BudgetLedgerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async recordSent(budget: string, at: number): Promise<void> {
    await this.db.insertInto('budget_ledger').values({ budget, entry: 'sent', at }).execute();
  }

  async recordPause(budget: string, until: number): Promise<void> {
    await this.db.insertInto('budget_ledger').values({ budget, entry: 'paused', at: until }).execute();
  }

  /** Requests granted after `since`, and pauses lasting past it. */
  async since(since: number): Promise<LedgerEntries> {
    const rows = await this.db
      .selectFrom('budget_ledger')
      .select(['budget', 'entry', 'at'])
      .where('at', '>', since)
      .orderBy('at')
      .execute();
    const entries: LedgerEntries = { sent: new Map(), pausedUntil: new Map() };
    for (const row of rows) {
      const at = Number(row.at);
      if (row.entry === 'paused') {
        entries.pausedUntil.set(row.budget, Math.max(at, entries.pausedUntil.get(row.budget) ?? 0));
        continue;
      }
      const sent = entries.sent.get(row.budget) ?? [];
      sent.push(at);
      entries.sent.set(row.budget, sent);
    }
    return entries;
  }

  /** Deletes the entries older than `before` (the ledger keeps a minute or two: a few thousand rows at most). */
  async purgeBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('budget_ledger').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
