/**
 * SLA clocks of the routing file's lines: each line's business calendar (weekly hours, holidays, zone),
 * time left to claim for the card, and business-time elapsed for summaries. Lines without
 * `businessHours` count wall-clock time (minus their holidays, when they list any).
 */
import type { RoutingConfig } from '../config/routing.js';
import { BusinessCalendar } from '../domain/businessHours.js';
import type { Episode } from '../domain/types.js';
import { lineNamed, timezoneOf } from './routing.js';

const calendars = new WeakMap<RoutingConfig, Map<string, BusinessCalendar>>();

/**
 * The business calendar of a line, built once per routing config (calendars cache each day's spans).
 * An unknown line (removed from the file since) counts wall-clock time in the team's zone.
 */
export function lineCalendar(routing: RoutingConfig, lineName: string): BusinessCalendar {
  let byLine = calendars.get(routing);
  if (!byLine) {
    byLine = new Map();
    calendars.set(routing, byLine);
  }
  let calendar = byLine.get(lineName);
  if (!calendar) {
    const line = lineNamed(routing, lineName);
    calendar = new BusinessCalendar({
      zone: timezoneOf(routing, lineName),
      schedule: line?.businessHours ?? null,
      holidays: line?.holidays ?? [],
    });
    byLine.set(lineName, calendar);
  }
  return calendar;
}

/** Open time between two instants on a line (wall-clock for lines without hours). */
export function businessElapsed(routing: RoutingConfig): (line: string, from: number, to: number) => number {
  return (line, from, to) => lineCalendar(routing, line).elapsed(from, to);
}

/**
 * For the card (CardContext.claimDueAt): when the claim SLA of a call still open breaches; null when the
 * line has no `sla.claimWithin` or the call is no longer open. Counted in business time from the missed
 * call, so a call missed at 17:59 with a 15-minute SLA is due at 09:14 the next open morning.
 */
export function claimDueAt(episode: Episode, routing: RoutingConfig): number | null {
  return episode.state === 'open' ? claimDeadline(episode, routing) : null;
}

/** When the claim SLA of an episode breaches (an instant), or null without an SLA / a line that never opens. */
export function claimDeadline(episode: Episode, routing: RoutingConfig): number | null {
  const claimWithin = lineNamed(routing, episode.line)?.sla.claimWithin;
  if (claimWithin === undefined) return null;
  return lineCalendar(routing, episode.line).add(episode.missedAt, claimWithin);
}
