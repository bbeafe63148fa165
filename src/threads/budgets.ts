/**
 * On SQLite the vendor budgets live in memory, so the two threads of a split process must not keep one each:
 * the answering thread's few requests (a modal listing a requester's phones) would come on top of the jobs
 * thread's. The jobs thread keeps the budgets; the answering thread asks it for every request.
 * On PostgreSQL both threads draw from the database's budgets already and none of this is used.
 */
import type { BudgetSource, RequestBudget } from '../resilience/budgets.js';
import type { ThreadLink } from './link.js';

/** How long the answering thread waits for a budget answer before treating the budget as spent. */
const ASK_TIMEOUT_MS = 2_000;
/** Fail closed: when the jobs thread does not answer, wait this long rather than send over budget. */
const UNANSWERED_WAIT_MS = 1_000;

/** The answering thread's budgets: every take is the jobs thread's. */
export function budgetsOverLink(link: ThreadLink): BudgetSource {
  return {
    clusterWide: false,
    budget(name, perMinute, burst): RequestBudget {
      const which = burst === undefined ? { name, perMinute } : { name, perMinute, burst };
      return {
        take: () => link.ask('budget.take', which, ASK_TIMEOUT_MS).catch(() => UNANSWERED_WAIT_MS),
        pause: async (ms) => {
          await link.ask('budget.pause', { ...which, ms }, ASK_TIMEOUT_MS).catch(() => null);
        },
      };
    },
    async close() {},
  };
}

/** The jobs thread answers for `budgets` (its own, in memory). */
export function answerBudgets(link: ThreadLink, budgets: BudgetSource): void {
  link.answer('budget.take', async ({ name, perMinute, burst }) =>
    budgets.budget(name, perMinute, burst).take(),
  );
  link.answer('budget.pause', async ({ name, perMinute, burst, ms }) => {
    await budgets.budget(name, perMinute, burst).pause(ms);
    return null;
  });
}
