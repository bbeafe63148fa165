/** The card's escalation line names the step of the ladder that fired, not how many fired over the episode. */
import { describe, expect, it } from 'vitest';
import { buildCardModel } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;

function escalationText(overrides: Partial<Episode>): string | null {
  return buildCardModel({
    episode: episode(overrides),
    details: emptyDetails(),
    timezone: 'Europe/Paris',
    now: T0 + 60 * MIN,
  }).escalationText;
}

describe('the card’s escalation line', () => {
  it('says step 1 for the first step of a ladder re-armed by a release, after two steps before it', () => {
    expect(escalationText({ escalationLevel: 3, escalationStep: 1, escalatedAt: T0 + 45 * MIN })).toBe(
      'Escalated (step 1) at 11:17',
    );
  });

  it('says the level for a step fired by a build that did not store the step yet', () => {
    expect(escalationText({ escalationLevel: 2, escalationStep: 0, escalatedAt: T0 + 30 * MIN })).toBe(
      'Escalated (step 2) at 11:02',
    );
  });

  it('says nothing before any step fired', () => {
    expect(escalationText({})).toBeNull();
  });
});
