/** formatWhen: "Today" and "Yesterday" in the report's zone, also around a day whose midnight is skipped. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatWhen } from '../../../src/domain/cardModel.js';

/** The words for a call missed at `missed`, read at `now`, both local times in `zone`. */
function when(zone: string, missed: string, now: string): string {
  const at = (local: string) => DateTime.fromISO(local, { zone }).toMillis();
  return formatWhen(at(missed), at(now), zone);
}

describe('formatWhen', () => {
  it('says Today, Yesterday, then the day', () => {
    const zone = 'Europe/Paris';
    expect(when(zone, '2026-11-24T09:32', '2026-11-24T10:32')).toBe('Today 09:32 (1h 00m ago)');
    expect(when(zone, '2026-11-23T15:00', '2026-11-24T10:00')).toBe('Yesterday 15:00 (19h 00m ago)');
    expect(when(zone, '2026-11-22T15:00', '2026-11-24T10:00')).toBe('Sun 22 Nov 15:00 (1d 19h ago)');
  });

  it.each([
    ['America/Santiago', '2026-09-05', '2026-09-06', '2026-09-07'],
    ['Africa/Cairo', '2026-04-23', '2026-04-24', '2026-04-25'],
    ['Asia/Beirut', '2026-03-28', '2026-03-29', '2026-03-30'],
    ['America/Havana', '2026-03-07', '2026-03-08', '2026-03-09'],
  ])('says Yesterday on and after a day starting at 01:00 (%s %s)', (zone, before, skipped, after) => {
    expect(when(zone, `${before}T15:00`, `${skipped}T12:00`)).toMatch(/^Yesterday 15:00 /);
    expect(when(zone, `${skipped}T01:30`, `${skipped}T12:00`)).toMatch(/^Today 01:30 /);
    expect(when(zone, `${skipped}T15:00`, `${after}T12:00`)).toMatch(/^Yesterday 15:00 /);
  });
});
