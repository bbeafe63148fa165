/** Summary windows (`today`, `week`, `2026-11-02..2026-11-08`) computed in the team's time zone. */
import { DateTime } from 'luxon';

export interface TimeWindow {
  /** Inclusive start, epoch ms. */
  start: number;
  /** Exclusive end, epoch ms. */
  end: number;
  /** How people call it: "today", "week of 16 Nov", "2026-11-02 to 2026-11-08". */
  label: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a period word in `zone`, relative to `now`. Weeks start on Monday. Returns an error text for
 * anything else, so a slash command can answer with it.
 */
export function parsePeriod(text: string, now: number, zone: string): TimeWindow | { error: string } {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const word = text.trim().toLowerCase() || 'today';
  const window = (from: DateTime, to: DateTime, label: string): TimeWindow => ({
    start: from.toMillis(),
    end: to.toMillis(),
    label,
  });
  switch (word) {
    case 'today':
      return window(today, today.plus({ days: 1 }), 'today');
    case 'yesterday':
      return window(today.minus({ days: 1 }), today, 'yesterday');
    case 'week':
      return window(
        today.startOf('week'),
        today.startOf('week').plus({ weeks: 1 }),
        `week of ${today.startOf('week').toFormat('d LLL')}`,
      );
    case 'month':
      return window(
        today.startOf('month'),
        today.startOf('month').plus({ months: 1 }),
        today.toFormat('LLLL yyyy'),
      );
  }
  const [first, second, ...rest] = word.split('..');
  if (rest.length === 0 && first && DATE.test(first) && (second === undefined || DATE.test(second))) {
    const from = DateTime.fromISO(first, { zone });
    const to = DateTime.fromISO(second ?? first, { zone });
    if (!from.isValid || !to.isValid) return { error: `"${text}" is not a real date` };
    if (to < from) return { error: `"${text}" ends before it starts` };
    return window(from, to.plus({ days: 1 }), second ? `${first} to ${second}` : first);
  }
  return {
    error: `expected today, yesterday, week, month, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, got "${text}"`,
  };
}
