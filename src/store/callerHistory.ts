/**
 * What Ringback's own records say about a caller: who last answered a call with their number (inbound or
 * a call back), and when they called lately. Read from provider_calls (migration 011 indexes it by number)
 * over one transaction's repositories, so the reads join it.
 */
import type { CallRecord } from '../domain/callRecord.js';
import type { Candidate } from '../domain/suggestion.js';
import type { Repositories } from './store.js';

/** Answered calls looked at before giving up on finding one with a named agent. */
const ANSWERED_SCAN = 20;

export class CallerHistory {
  constructor(private readonly repos: Pick<Repositories, 'db'>) {}

  /** The agent of the latest answered call with this number since `since`, and when it was answered. */
  async lastAnsweredBy(number: string, since: number): Promise<{ agent: Candidate; at: number } | null> {
    const rows = await this.repos.db
      .selectFrom('provider_calls')
      .select(['data', 'started_at'])
      .where('from_number', '=', number)
      .where('answered', '=', 1)
      .where('started_at', '>=', since)
      .orderBy('started_at', 'desc')
      .limit(ANSWERED_SCAN)
      .execute();
    for (const row of rows) {
      const record = safeRecord(row.data);
      const agent = record?.agent;
      if (!agent?.name) continue;
      return {
        agent: { name: agent.name, email: agent.email ?? null },
        at: Number(record?.answeredAt ?? row.started_at),
      };
    }
    return null;
  }

  /** When the number's inbound calls started since `since` (missed and answered), oldest first. */
  async inboundCallTimes(number: string, since: number): Promise<number[]> {
    const rows = await this.repos.db
      .selectFrom('provider_calls')
      .select('started_at')
      .where('from_number', '=', number)
      .where('direction', '=', 'inbound')
      .where('started_at', '>=', since)
      .orderBy('started_at')
      .limit(1000)
      .execute();
    return rows.map((row) => Number(row.started_at));
  }
}

function safeRecord(text: string): Partial<CallRecord> | null {
  try {
    return JSON.parse(text) as Partial<CallRecord>;
  } catch {
    return null;
  }
}
