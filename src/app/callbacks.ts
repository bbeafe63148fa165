/**
 * The callback use cases' inputs, read against the routing file: when a snooze choice comes due on the
 * line's business calendar, the retry plan a resolve carries, and the number an agent typed. Each answers
 * the command to run, or why the input cannot be used (said to the person as a refusal).
 */
import type { RoutingConfig } from '../config/routing.js';
import { afterBusinessTime, dueTimeFor, hasBusinessHours } from '../domain/dueTime.js';
import type { Command, RetryPlan } from '../domain/episode.js';
import { callableNumber } from '../domain/phone.js';
import type { Actor } from '../domain/types.js';
import { lineNamed } from './routing.js';
import { lineCalendar } from './sla.js';

export type Prepared = { ok: true; command: Command } | { ok: false; message: string };

/** The snooze command for a `ringback.snooze` choice (`30m`, `1h`, `2h`, `tomorrow`, an ISO time). */
export function snoozeCommand(
  routing: RoutingConfig,
  input: { line: string; actor: Actor; at: number; choice: string; asManager: boolean },
): Prepared {
  const due = dueTimeFor(input.choice, {
    now: input.at,
    calendar: lineCalendar(routing, input.line),
    hasBusinessHours: hasBusinessHours(lineNamed(routing, input.line)),
  });
  if (!due.ok) return { ok: false, message: due.message };
  return {
    ok: true,
    command: {
      type: 'snooze',
      actor: input.actor,
      at: input.at,
      dueAt: due.dueAt,
      asManager: input.asManager,
    },
  };
}

/**
 * The line's retry policy as of `at`: the next attempt comes `every` of business time later, or at the next
 * opening when that count ends exactly at a closing.
 */
export function retryPlan(routing: RoutingConfig, line: string, at: number): RetryPlan | undefined {
  const config = lineNamed(routing, line);
  const retry = config?.retry;
  if (!retry) return undefined;
  return {
    attempts: retry.attempts,
    nextDueAt: afterBusinessTime(lineCalendar(routing, line), at, retry.every, hasBusinessHours(config)),
  };
}

/**
 * A number typed by an agent, read in the line's country when it has no country code; only numbers
 * libphonenumber finds valid are taken (a typo would send the agent's phone to a stranger).
 */
export function callbackNumberCommand(
  routing: RoutingConfig,
  input: { line: string; actor: Actor; at: number; number: string; asManager: boolean },
): Prepared {
  const number = callableNumber(input.number.slice(0, 40), lineNamed(routing, input.line)?.country);
  if (!number) {
    return {
      ok: false,
      message: 'That is not a valid phone number: write it with its country code, like +33 6 12 34 56 78.',
    };
  }
  return {
    ok: true,
    command: {
      type: 'set_callback_number',
      actor: input.actor,
      at: input.at,
      number,
      asManager: input.asManager,
    },
  };
}
