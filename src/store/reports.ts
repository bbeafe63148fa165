/**
 * Reads for reports over a period (agent legs, charts, the CSV export). Each walks its rows in keyset
 * batches, so a month of calls is read in constant memory and without holding a transaction open.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
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

// Stored records are our own JSON, but written by older versions too: a field that does not read is
// taken as absent rather than failing a whole report.
const storedLeg = z.object({
  agentName: z.string(),
  agentEmail: z.string().nullable().catch(null),
  result: z.enum(['ringing', 'missed', 'declined', 'answered']),
  at: z.number().nullable().catch(null),
});
const storedRecord = z.object({
  ended: z.boolean().catch(false),
  legs: z
    .array(z.unknown())
    .catch([])
    .transform((legs) => legs.flatMap((leg) => storedLeg.safeParse(leg).data ?? [])),
  agent: z
    .object({ name: z.string(), email: z.string().nullable().catch(null) })
    .nullable()
    .catch(null),
});

function recordOf(text: string): z.infer<typeof storedRecord> {
  let value: unknown = {};
  try {
    value = JSON.parse(text);
  } catch {
    // A broken row counts as a call without legs.
  }
  return (
    storedRecord.safeParse(typeof value === 'object' && value !== null ? value : {}).data ?? {
      ended: false,
      legs: [],
      agent: null,
    }
  );
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
