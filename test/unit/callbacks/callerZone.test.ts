/**
 * The due line of a snoozed call in the team's zone and, when known, on the caller's clock: Zendesk's
 * time zone for the requester first, else the zone of a country that has only one.
 */
import { describe, expect, it } from 'vitest';
import { buildCardModel, callerZoneOf } from '../../../src/domain/cardModel.js';
import { type EpisodeDetails, emptyDetails } from '../../../src/domain/details.js';
import { prebriefSchema } from '../../../src/domain/prebrief.js';
import type { Episode } from '../../../src/domain/types.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;
// 10:32 in Paris; due at 11:00 Paris = 05:00 in New York, 10:00 in London.
const NOW = T0;
const DUE = Date.parse('2026-11-20T10:00:00Z');

const snoozed: Episode = episode({
  state: 'claimed',
  claimedBy: ana,
  claimedAt: T0,
  dueAt: DUE,
  snoozedAt: T0,
});

function details(extra: Partial<EpisodeDetails> = {}, zone: string | null = null): EpisodeDetails {
  return {
    ...emptyDetails(),
    ...(zone ? { prebrief: prebriefSchema.parse({ fetchedAt: T0, timeZone: zone }) } : {}),
    ...extra,
  };
}

function dueLine(d: EpisodeDetails, now = NOW): string | undefined {
  return buildCardModel({
    episode: snoozed,
    details: d,
    timezone: 'Europe/Paris',
    now,
    lineCountry: 'FR',
  }).callbackLines.find((line) => line.startsWith('Call back') || line.startsWith('Due now'));
}

describe('the due line on the caller’s clock', () => {
  it('adds the caller’s time from Zendesk’s time zone, naming both zones', () => {
    expect(dueLine(details({}, 'America/New_York'))).toBe(
      'Call back at 11:00 (Europe/Paris) · 05:00 for the caller (America/New_York)',
    );
  });

  it('falls back on a country with a single zone', () => {
    expect(dueLine(details({ callerCountry: 'GB' }))).toBe(
      'Call back at 11:00 (Europe/Paris) · 10:00 for the caller (Europe/London)',
    );
  });

  it('prefers Zendesk’s zone over the number’s country', () => {
    expect(dueLine(details({ callerCountry: 'GB' }, 'Asia/Tokyo'))).toBe(
      'Call back at 11:00 (Europe/Paris) · 19:00 for the caller (Asia/Tokyo)',
    );
  });

  it('says nothing more when the caller’s clock is the team’s, or their zone is unknown', () => {
    expect(dueLine(details({ callerCountry: 'FR' }))).toBe('Call back at 11:00');
    expect(dueLine(details({ callerCountry: 'US' }))).toBe('Call back at 11:00');
    expect(dueLine(details())).toBe('Call back at 11:00');
  });

  it('names the caller’s day when it is not today for them', () => {
    // 23:32 on Friday there now: the call back falls on their Saturday.
    expect(dueLine(details({}, 'Pacific/Kiritimati'))).toBe(
      'Call back at 11:00 (Europe/Paris) · Sat 21 Nov 00:00 for the caller (Pacific/Kiritimati)',
    );
  });

  it('keeps the caller’s time on the line once the call is due', () => {
    expect(dueLine(details({}, 'America/New_York'), DUE + MIN)).toBe(
      'Due now: call back (planned for 11:00 (Europe/Paris) · 05:00 for the caller (America/New_York))',
    );
  });

  it('ignores a zone luxon does not know', () => {
    expect(callerZoneOf(details({}, 'Mars/Olympus'))).toBeNull();
  });
});
