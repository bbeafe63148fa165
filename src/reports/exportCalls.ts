/**
 * The call export of a period: one CSV row per call (episode) missed in the period, oldest first, read in
 * batches so a year of calls streams in constant memory. Used by `GET /api/export.csv` and by the chat
 * command `/ringback export <period>` (which sends the file to a manager).
 */
import { DateTime } from 'luxon';
import { lineTyped, timezoneOf } from '../app/routing.js';
import { businessElapsed } from '../app/sla.js';
import type { RoutingConfig } from '../config/routing.js';
import type { Clock } from '../domain/clock.js';
import { parsePeriod, type TimeWindow } from '../domain/periods.js';
import type { SlaTargets } from '../domain/summary.js';
import type { Actor, Episode } from '../domain/types.js';
import type { Store } from '../store/store.js';
import { CSV_BOM, type CsvCall, csvHeader, csvRow } from './csv.js';

export interface ExportDeps {
  store: Store;
  clock: Clock;
  routing: RoutingConfig;
}

export interface ExportRequest {
  /** `today`, `yesterday`, `week`, `month`, `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD`. */
  period: string;
  /** Only this line (any case). */
  line?: string;
  /** Read `week`… as of this instant (when the manager asked), not when the job builds the file. */
  asOf?: number;
}

export interface ExportScope {
  window: TimeWindow;
  timezone: string;
  /** The line's stored name, when one was asked for. */
  line: string | undefined;
  /**
   * `ringback-calls-2026-11-16-to-2026-11-22.csv`: no characters a browser or Slack would trip on, but a
   * line's letters in its own script (`ringback-calls-поддержка-…`), so headers must encode it (RFC 6266).
   */
  filename: string;
  /**
   * The period as dates (`2026-11-16..2026-11-22`, or one date): what a link to the read API should ask for,
   * so it gives this very file whenever it is followed.
   */
  dates: string;
}

/** `met`, `breached`, `pending` (open and not breached yet); null when the line sets no target. */
export type SlaVerdict = 'met' | 'breached' | 'pending' | null;

/** The window, zone and line of an export, or what is wrong with the request (answered as a 400). */
export function exportScope(
  deps: Pick<ExportDeps, 'clock' | 'routing'>,
  request: ExportRequest,
): ExportScope | { error: string } {
  const { routing } = deps;
  const line = request.line ? lineTyped(routing, request.line) : null;
  if (request.line && !line) {
    return {
      error: `no line named "${request.line}" (lines: ${routing.lines.map((l) => l.name).join(', ') || 'none'})`,
    };
  }
  const timezone = line?.timezone ?? routing.timezone;
  const window = parsePeriod(request.period, request.asOf ?? deps.clock.now(), timezone);
  if ('error' in window) return { error: window.error };
  const day = (ms: number) => DateTime.fromMillis(ms, { zone: timezone }).toISODate() ?? '';
  const first = day(window.start);
  const last = day(window.end - 1);
  const slug = line ? `-${lineSlug(line.name)}` : '';
  return {
    window,
    timezone,
    line: line?.name,
    filename: `ringback-calls${slug}-${first === last ? first : `${first}-to-${last}`}.csv`,
    dates: first === last ? first : `${first}..${last}`,
  };
}

/**
 * A line name as a file name part: its letters and digits in any script ("Поддержка" → `поддержка`,
 * "Équipe Café" → `équipe-café`), everything else one dash. An ASCII-only slug left names written in another
 * script empty (`ringback-calls--2026-…`) and cut accents out of words; a name with no letter or digit at
 * all still needs a word between the dashes.
 */
function lineSlug(name: string): string {
  const slug = name
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '');
  return slug || 'line';
}

/**
 * The read API request that gives this export (`/api/export.csv?period=2026-11-16..2026-11-22&line=Support+FR`):
 * its dates, not the word ("week" followed next week would give another week), and its line when it has one.
 * Shared by the chat answers that point to it.
 */
export function exportApiPath(scope: { dates: string; line?: string | null | undefined }): string {
  const query = new URLSearchParams({ period: scope.dates, ...(scope.line ? { line: scope.line } : {}) });
  return `/api/export.csv?${query.toString()}`;
}

/** Whether a call met a target, by the same business-time rule as the summary's SLA breaches. */
export function slaVerdict(
  target: number | undefined,
  elapsedUntil: (to: number) => number,
  doneAt: number | null,
  now: number,
): SlaVerdict {
  if (target === undefined) return null;
  if (doneAt !== null) return elapsedUntil(doneAt) > target ? 'breached' : 'met';
  return elapsedUntil(now) > target ? 'breached' : 'pending';
}

/**
 * A time as ISO 8601 in the call's line zone with its offset (`2026-11-20T10:32:10+01:00`): what a
 * spreadsheet shows is the team's local time, and the offset keeps it exact across zones and DST.
 */
const isoIn = (zone: string) => (ms: number | null) =>
  ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true });

function who(actor: Actor | null): string | null {
  return actor ? actor.name : null;
}

/** One call as an export row. Times are ISO 8601 in the line's zone, with its offset. */
export function csvCallOf(
  episode: Episode,
  context: {
    sla: SlaTargets;
    elapsed: (line: string, from: number, to: number) => number;
    now: number;
    /** The IANA zone of the call's line. */
    zone: string;
  },
): CsvCall {
  const iso = isoIn(context.zone);
  const since = (to: number) => context.elapsed(episode.line, episode.missedAt, to);
  return {
    id: episode.id,
    line: episode.line,
    state: episode.state,
    caller_number: episode.caller.number,
    caller_name: episode.caller.name,
    call_count: episode.callCount,
    missed_at: iso(episode.missedAt),
    last_call_at: iso(episode.lastCallAt),
    claimed_by: who(episode.claimedBy),
    claimed_by_email: episode.claimedBy?.email ?? null,
    claimed_at: iso(episode.claimedAt),
    attempts: episode.attempts,
    first_callback_at: iso(episode.firstAttemptAt),
    last_callback_at: iso(episode.lastAttemptAt),
    outcome: episode.outcome,
    resolved_at: iso(episode.resolvedAt),
    resolved_by: who(episode.resolvedBy),
    auto_resolved: episode.autoResolved,
    zendesk_ticket_id: episode.zendeskTicketId,
    claim_sla: slaVerdict(
      context.sla.claimWithin,
      since,
      episode.firstClaimedAt ?? episode.claimedAt ?? episode.resolvedAt,
      context.now,
    ),
    resolve_sla: slaVerdict(context.sla.resolveWithin, since, episode.resolvedAt, context.now),
  };
}

/** The export's text in chunks of about `rowsPerChunk` rows: the BOM and header first, then the calls. */
export async function* exportChunks(
  deps: ExportDeps,
  scope: ExportScope,
  rowsPerChunk = 200,
): AsyncGenerator<string> {
  yield CSV_BOM + csvHeader();
  const slaByLine = new Map(deps.routing.lines.map((l) => [l.name, l.sla]));
  const context = { elapsed: businessElapsed(deps.routing), now: deps.clock.now() };
  let chunk = '';
  let rows = 0;
  for await (const episode of deps.store.reports.episodes({
    since: scope.window.start,
    until: scope.window.end,
    line: scope.line,
  })) {
    chunk += csvRow(
      csvCallOf(episode, {
        ...context,
        sla: slaByLine.get(episode.line) ?? {},
        zone: timezoneOf(deps.routing, episode.line),
      }),
    );
    if (++rows % rowsPerChunk === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * How large a chat attachment may grow (characters, about bytes): the file is built in memory before it is
 * uploaded, and a period of years would be hundreds of megabytes. The read API streams any size.
 */
export const MAX_CHAT_EXPORT_CHARS = 50_000_000;

/** The whole export of a period as one text, for a chat attachment. */
export async function csvForPeriod(
  deps: ExportDeps,
  request: ExportRequest,
  maxChars = MAX_CHAT_EXPORT_CHARS,
): Promise<{ ok: true; csv: string; filename: string; scope: ExportScope } | { ok: false; error: string }> {
  const scope = exportScope(deps, request);
  if ('error' in scope) return { ok: false, error: scope.error };
  let csv = '';
  for await (const chunk of exportChunks(deps, scope)) {
    csv += chunk;
    if (csv.length > maxChars) {
      return {
        ok: false,
        error: `that export is over ${maxChars >= 1_000_000 ? `${maxChars / 1_000_000} MB` : `${maxChars} characters`}: ask for a shorter period, or download it from GET ${exportApiPath(scope)}`,
      };
    }
  }
  return { ok: true, csv, filename: scope.filename, scope };
}
