/**
 * A weekly opening schedule in local wall-clock time. Pure data: the arithmetic over it
 * (SLA clocks in business hours) lives in businessHours.ts.
 */

/** ISO weekday: 1 = Monday … 7 = Sunday (luxon's numbering). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One opening interval that starts on a given weekday. `endMinute` may exceed 1440 for overnight shifts. */
export interface OpeningInterval {
  startMinute: number;
  endMinute: number;
}

export type WeeklySchedule = Record<Weekday, OpeningInterval[]>;

const DAY_NAMES: Record<string, Weekday> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const TIME_RANGE = /^([01]\d|2[0-4]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$/;

/** The key word of a weekday as a schedule names it (`mon` … `sun`). */
export function weekdayKey(day: Weekday): string {
  return Object.keys(DAY_NAMES).find((name) => DAY_NAMES[name] === day) ?? String(day);
}

export function emptySchedule(): WeeklySchedule {
  return { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
}

/** Parses a day key such as `mon`, `mon-fri`, `sat-sun` or `fri-mon` (wraps over the week end). */
export function parseDayKey(key: string): Weekday[] | string {
  const parts = key.trim().toLowerCase().split('-');
  if (parts.length === 1 || parts.length === 2) {
    const first = DAY_NAMES[parts[0] ?? ''];
    const last = DAY_NAMES[parts[parts.length - 1] ?? ''];
    if (first === undefined || last === undefined) {
      return `expected a day or a day range like mon, mon-fri or sat-sun, got "${key}"`;
    }
    const days: Weekday[] = [];
    let day: number = first;
    for (;;) {
      days.push(day as Weekday);
      if (day === last) break;
      day = (day % 7) + 1;
    }
    return days;
  }
  return `expected a day or a day range like mon, mon-fri or sat-sun, got "${key}"`;
}

/** Parses `09:00-18:00`, `09:00-12:00, 14:00-18:00`, `22:00-06:00` (overnight) or `closed`. */
export function parseTimeRanges(text: string): OpeningInterval[] | string {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'closed') return [];
  const intervals: OpeningInterval[] = [];
  for (const piece of trimmed.split(',')) {
    const match = TIME_RANGE.exec(piece.trim());
    if (!match)
      return `expected opening hours like "09:00-18:00" (several separated by commas, or "closed"), got "${text}"`;
    const start = Number(match[1]) * 60 + Number(match[2]);
    let end = Number(match[3]) * 60 + Number(match[4]);
    if (start >= 1440) return `"${piece.trim()}" starts at 24:00; use 00:00 of the next day`;
    if (end === start) return `"${piece.trim()}" opens and closes at the same time`;
    if (end < start) end += 1440; // overnight: closes the next morning
    if (end > 2880) return `"${piece.trim()}" is longer than a day`;
    intervals.push({ startMinute: start, endMinute: end });
  }
  return intervals.sort((a, b) => a.startMinute - b.startMinute);
}
