/**
 * Reads for reports over a period (agent legs, charts, the CSV export). Each walks its rows in keyset
 * batches, so a month of calls is read in constant memory and without holding a transaction open.
 */
import type { Kysely } from 'kysely';
import type { CallAgent, CallLeg } from '../domain/callEvent.js';
import type { CallLegs } from '../domain/legReport.js';
import type { Episode } from '../domain/types.js';
import { EPISODE_COLUMNS, episodeFromRow } from './episodes.js';
import type { Database } from './schema.js';

export interface PeriodFilter {
  /** Inclusive, epoch ms. */
  since: number;
  /** Exclusive, epoch ms. */
  until: number;
  /** Only this line (its exact name, as stored). */
  line?: string;
}

/** A provider call as the leg report sees it, with the line it was routed to. */
export interface LineCallLegs extends CallLegs {
  line: string;
  /** Why the call was not answered, as the provider said (`short_abandoned`…); null when answered or unsaid. */
  missedReason: string | null;
}

/** What the leg report reads of a stored call record. */
interface StoredLegs {
  ended: boolean;
  legs: CallLeg[];
  agent: CallAgent | null;
}

const LEG_RESULTS: ReadonlySet<string> = new Set<CallLeg['result']>([
  'ringing',
  'missed',
  'declined',
  'answered',
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function storedLeg(value: unknown): CallLeg | null {
  if (!isRecord(value) || typeof value.agentName !== 'string') return null;
  const result = value.result;
  if (typeof result !== 'string' || !LEG_RESULTS.has(result)) return null;
  return {
    agentName: value.agentName,
    agentEmail: stringOrNull(value.agentEmail),
    result: result as CallLeg['result'],
    at: typeof value.at === 'number' && Number.isFinite(value.at) ? value.at : null,
  };
}

/**
 * Stored records are our own JSON, but written by older versions too: a field that does not read is
 * taken as absent rather than failing a whole report. Read by hand rather than with a zod schema: this
 * runs once per call of the period, and zod's allocations for a hundred thousand records were promoted
 * and piled up in the old generation (about 40 MB of heap in the size bench's whole-history summary).
 */
function recordOf(text: string): StoredLegs {
  let value: unknown = null;
  try {
    value = JSON.parse(text);
  } catch {
    // A broken row counts as a call without legs.
  }
  if (!isRecord(value)) return { ended: false, legs: [], agent: null };
  const legs: CallLeg[] = [];
  if (Array.isArray(value.legs)) {
    for (const item of value.legs) {
      const leg = storedLeg(item);
      if (leg) legs.push(leg);
    }
  }
  const agent = value.agent;
  return {
    ended: value.ended === true,
    legs,
    agent:
      isRecord(agent) && typeof agent.name === 'string'
        ? { name: agent.name, email: stringOrNull(agent.email) }
        : null,
  };
}

export class ReportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inbound calls on routed lines that came in during the period and are answered or over (a call still
   * ringing has no final legs yet), oldest first.
   */
  async *callLegs(filter: PeriodFilter, batchSize = 1000): AsyncGenerator<LineCallLegs> {
    let after: { startedAt: number; key: string } | null = null;
    for (;;) {
      let query = this.db
        .selectFrom('provider_calls')
        .select(['key', 'line', 'started_at', 'answered', 'missed_reason', 'data'])
        .where('started_at', '>=', filter.since)
        .where('started_at', '<', filter.until)
        .where('direction', '=', 'inbound')
        .where('line', 'is not', null)
        .where('answered', 'is not', null);
      if (filter.line !== undefined) query = query.where('line', '=', filter.line);
      if (after) {
        const { startedAt, key } = after;
        // Implied by the OR; it is what starts the index walk at the cursor (see EpisodeRepository.page).
        query = query
          .where('started_at', '>=', startedAt)
          .where((eb) =>
            eb.or([
              eb('started_at', '>', startedAt),
              eb.and([eb('started_at', '=', startedAt), eb('key', '>', key)]),
            ]),
          );
      }
      const rows = await query.orderBy('started_at').orderBy('key').limit(batchSize).execute();
      for (const row of rows) {
        const record = recordOf(row.data);
        const answered = row.answered === 1;
        if (!answered && !record.ended) continue;
        yield {
          line: row.line ?? '',
          answered,
          missedReason: answered ? null : row.missed_reason,
          legs: record.legs,
          agent: answered ? record.agent : null,
        };
      }
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) return;
      after = { startedAt: Number(last.started_at), key: last.key };
    }
  }

  /** Episodes whose first missed call is in the period, oldest first. */
  async *episodes(filter: PeriodFilter, batchSize = 500): AsyncGenerator<Episode> {
    let after: { missedAt: number; id: string } | null = null;
    for (;;) {
      let query = this.db
        .selectFrom('episodes')
        .select(EPISODE_COLUMNS)
        .where('missed_at', '>=', filter.since)
        .where('missed_at', '<', filter.until);
      if (filter.line !== undefined) query = query.where('line', '=', filter.line);
      if (after) {
        const { missedAt, id } = after;
        // Implied by the OR; it is what starts the index walk at the cursor (see EpisodeRepository.page).
        query = query
          .where('missed_at', '>=', missedAt)
          .where((eb) =>
            eb.or([
              eb('missed_at', '>', missedAt),
              eb.and([eb('missed_at', '=', missedAt), eb('id', '>', id)]),
            ]),
          );
      }
      const rows = await query.orderBy('missed_at').orderBy('id').limit(batchSize).execute();
      for (const row of rows) yield episodeFromRow(row);
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) return;
      after = { missedAt: Number(last.missed_at), id: last.id };
    }
  }
}
