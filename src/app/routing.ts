/**
 * The one place that looks lines up in the routing file: which line a call belongs to (the first line whose
 * `match` fits, in file order), a line by its name (exactly, as stored on episodes, or as people type it),
 * and the time zone a line's times are shown and counted in.
 */
import type { LineConfig, RoutingConfig } from '../config/routing.js';
import type { CallEvent } from '../domain/callEvent.js';
import { normalizeNumber, sameNumber, toE164 } from '../domain/phone.js';

export type LineKeys = CallEvent['line'];

function matchesLine(line: LineConfig, keys: LineKeys): boolean {
  const match = line.match;
  if (match === '*') return true;
  const country = line.country ?? null;
  // Any of the keys given identifies the line: one line may be reached through Aircall and Zendesk alike.
  if (match.aircallNumber !== undefined && keys.aircallNumber !== undefined) {
    if (sameNumber(match.aircallNumber, keys.aircallNumber, country)) return true;
  }
  if (match.zendeskPhoneNumberId !== undefined && keys.zendeskPhoneNumberId !== undefined) {
    if (String(match.zendeskPhoneNumberId) === String(keys.zendeskPhoneNumberId).trim()) return true;
  }
  if (match.genericLine !== undefined && keys.genericLine !== undefined) {
    if (match.genericLine.trim() === keys.genericLine.trim()) return true;
  }
  if (match.number !== undefined) {
    const dialled = [keys.number, keys.aircallNumber, keys.genericLine].filter(
      (value): value is string => value !== undefined,
    );
    if (dialled.some((value) => sameNumber(match.number as string, value, country))) return true;
  }
  return false;
}

/**
 * Lines already found, per routing file: every event asks, a company has a handful of numbers, and reading
 * each line's number again for every event was 4 % of ingest's CPU in the bench.
 */
const foundLines = new WeakMap<RoutingConfig, Map<string, LineConfig | null>>();
const FOUND_LINES_CAPACITY = 1_000;

/** The line a call came in on (or went out from), or null when the routing file names none. */
export function findLine(routing: RoutingConfig, keys: LineKeys): LineConfig | null {
  let found = foundLines.get(routing);
  if (!found) {
    found = new Map();
    foundLines.set(routing, found);
  }
  const key = JSON.stringify([keys.aircallNumber, keys.zendeskPhoneNumberId, keys.genericLine, keys.number]);
  const known = found.get(key);
  if (known !== undefined) return known;
  const line = routing.lines.find((candidate) => matchesLine(candidate, keys)) ?? null;
  if (found.size >= FOUND_LINES_CAPACITY) found.delete(found.keys().next().value as string);
  found.set(key, line);
  return line;
}

/** The line of this exact name (as stored on episodes), or null when the routing file no longer has it. */
export function lineNamed(routing: RoutingConfig, name: string): LineConfig | null {
  return routing.lines.find((line) => line.name === name) ?? null;
}

/** The line a person named, in any case ("support fr" for "Support FR"), or null. */
export function lineTyped(routing: RoutingConfig, typed: string): LineConfig | null {
  const wanted = typed.toLowerCase();
  return routing.lines.find((line) => line.name.toLowerCase() === wanted) ?? null;
}

/** The zone of a line's hours and of the times shown for it: its own, else the team's (also once removed). */
export function timezoneOf(routing: RoutingConfig, lineName: string): string {
  return lineNamed(routing, lineName)?.timezone ?? routing.timezone;
}

/**
 * " (Asia/Kolkata)" after a time of a line whose zone is not the team's, "" otherwise: lists and the storm
 * queue message mix lines under one heading in the team's zone, where a bare 14:20 would read as the team's.
 */
export function zoneNoteOf(routing: RoutingConfig, lineName: string): string {
  const zone = timezoneOf(routing, lineName);
  return zone === routing.timezone ? '' : ` (${zone})`;
}

/** The number the caller dialled, as E.164 when it reads as one. */
export function dialledNumber(keys: LineKeys, country?: string | null): string | null {
  for (const value of [keys.number, keys.aircallNumber, keys.genericLine]) {
    const e164 = value === undefined ? null : toE164(value, country);
    if (e164) return e164;
  }
  return null;
}

/**
 * The country to read a caller's national number in: the line's `country`, else the country of the number
 * dialled (a line written in international form says where the calls come in), else none.
 */
export function callerCountry(line: LineConfig | null, keys: LineKeys): string | null {
  if (line?.country) return line.country;
  const dialled = dialledNumber(keys);
  return dialled ? (normalizeNumber(dialled)?.country ?? null) : null;
}
