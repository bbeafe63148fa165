/**
 * What a person typed or picked for "call back later", as the `ringback.snooze` choice app/act.ts reads
 * (`30m`, `1h`, `2h`, `tomorrow` or an ISO 8601 time in the line's zone). Surfaces collect a time their own
 * way (Slack date and time pickers, a Teams text input); this turns it into that one form, so the rules
 * of what is allowed (not past, not a month away, the line's calendar) stay in one place.
 */
import { DateTime } from 'luxon';
import { SNOOZE_PRESETS } from '../domain/dueTime.js';

/** A date (`2026-11-20`) and a clock time (`17:00`) from pickers, as the ISO choice. */
export function pickedSnoozeChoice(date: string, time: string): string {
  return `${date.trim()}T${time.trim()}`;
}

/**
 * Typed text as a snooze choice: a preset, an ISO time (`2026-11-20T17:00`, or with a space), or a bare
 * clock time (`17:00`, `9h30`) meaning its next occurrence in the line's zone (at 18:00, "9:00" is tomorrow
 * morning: nobody types a time that has just passed on purpose). Anything else is passed on unchanged, so
 * the refusal names what was typed.
 */
function sameClock(a: DateTime, b: DateTime): boolean {
  return a.hour === b.hour && a.minute === b.minute;
}

/** A wall time the zone shows twice (the hour the clocks go back). */
function isRepeated(at: DateTime): boolean {
  return sameClock(at.plus({ hours: 1 }), at) || sameClock(at.minus({ hours: 1 }), at);
}

export function typedSnoozeChoice(text: string, context: { zone: string; now: number }): string {
  const typed = text.trim();
  if ((SNOOZE_PRESETS as readonly string[]).includes(typed.toLowerCase())) return typed.toLowerCase();
  const spaced = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$/.exec(typed);
  if (spaced) return `${spaced[1]}T${(spaced[2] ?? '').padStart(2, '0')}:${spaced[3]}`;
  const clock = /^(\d{1,2})\s*[:hH.]\s*(\d{2})$/.exec(typed);
  if (clock) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    if (hour > 23 || minute > 59) return typed;
    const now = DateTime.fromMillis(context.now, { zone: context.zone });
    const today = now.set({ hour, minute, second: 0, millisecond: 0 });
    // The night the clocks go back, a time in the repeated hour comes round twice: its second coming, an
    // hour later, is still the next one.
    const candidates = [today, ...[today.plus({ hours: 1 })].filter((t) => sameClock(t, today))];
    const at = candidates.find((t) => t.toMillis() > context.now) ?? today.plus({ days: 1 });
    // An ambiguous wall time carries its offset, or it would be read as its first coming.
    return at.toFormat(isRepeated(at) ? "yyyy-MM-dd'T'HH:mmZZ" : "yyyy-MM-dd'T'HH:mm");
  }
  return typed;
}
