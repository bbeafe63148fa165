/**
 * CSV for the call export (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds a comma,
 * a quote or a line break, quotes doubled inside. Cells are data, never formulas: a text cell that a
 * spreadsheet would read as one (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
 * leading `'` (OWASP's advice), so a caller name like `=HYPERLINK(…)` stays text. A caller number
 * `+33…` therefore reads `'+33…`.
 */

export const CSV_COLUMNS = [
  'id',
  'line',
  'state',
  'caller_number',
  'caller_name',
  'call_count',
  'missed_at',
  'last_call_at',
  'claimed_by',
  'claimed_by_email',
  'claimed_at',
  'attempts',
  'first_callback_at',
  'last_callback_at',
  'outcome',
  'resolved_at',
  'resolved_by',
  'auto_resolved',
  'zendesk_ticket_id',
  'claim_sla',
  'resolve_sla',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];
export type CsvValue = string | number | boolean | null;
/** One exported call: a value per column (null: empty cell). */
export type CsvCall = Record<CsvColumn, CsvValue>;

/** Byte order mark: spreadsheet tools read the file as UTF-8 only with it ("Chloé", not "ChloÃ©"). */
export const CSV_BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;
// `;` and tab too: spreadsheets in most of continental Europe split an unquoted field on `;`, and the part
// after it would start its own cell, unguarded (`Bob;=cmd|…`).
const NEEDS_QUOTES = /[",;\t\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(call: CsvCall): string {
  return `${CSV_COLUMNS.map((column) => csvCell(call[column])).join(',')}\r\n`;
}

/** The whole file for a list of calls (the chat export sends it as one attachment). */
export function exportCsv(calls: Iterable<CsvCall>): string {
  let text = CSV_BOM + csvHeader();
  for (const call of calls) text += csvRow(call);
  return text;
}
