/** Who a card says the missed call is from: the caller's own name, else their number, never a made-up name. */
import { describe, expect, it } from 'vitest';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { type EpisodeDetails, emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { episode, T0 } from '../../helpers/episodes.js';

function title(caller: Episode['caller'], requesterName: string | null): string {
  const details: EpisodeDetails = {
    ...emptyDetails(),
    ...(requesterName ? { requester: { id: 7, name: requesterName } } : {}),
  };
  return buildCardModel({
    episode: episode({ caller }),
    details,
    timezone: 'Europe/Paris',
    now: T0,
    lineCountry: 'FR',
  }).title;
}

describe('the card title', () => {
  it('names the caller by the Zendesk requester when the calls gave no name', () => {
    expect(title({ number: '+33612345678', name: null }, 'Marie Dupont')).toBe(
      'Missed call from Marie Dupont',
    );
  });

  it('shows the number rather than a requester named after it', () => {
    expect(title({ number: '+33612345678', name: null }, 'Caller +33 6 12 34 56 78')).toBe(
      'Missed call from 06 12 34 56 78',
    );
  });

  it('skips a made-up caller name kept from before for the requester’s real one', () => {
    expect(title({ number: '+33612345678', name: 'Caller +33 6 12 34 56 78' }, 'Marie Dupont')).toBe(
      'Missed call from Marie Dupont',
    );
  });

  it('calls a withheld caller’s shared requester a withheld number', () => {
    expect(title({ number: null, name: null }, 'Withheld number')).toBe('Missed call from a withheld number');
  });
});
