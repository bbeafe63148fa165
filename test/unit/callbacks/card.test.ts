/** The card model's callback lines, and how Slack and Teams draw them (escaped, the same words on both). */
import { describe, expect, it } from 'vitest';
import { cardActionFor } from '../../../src/app/act.js';
import { ACTION_IDS } from '../../../src/domain/actions.js';
import { buildCardModel, type CardContext } from '../../../src/domain/cardModel.js';
import { emptyDetails } from '../../../src/domain/details.js';
import type { Episode } from '../../../src/domain/types.js';
import { cardBlocks, parseResolveOptionValue } from '../../../src/surfaces/slack/blocks.js';
import { teamsCard, withoutCallerData } from '../../../src/surfaces/teams/card.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;
const ZONE = 'Europe/Paris';

function model(ep: Episode, now = T0 + 25 * MIN, extra: Partial<CardContext> = {}) {
  return buildCardModel({
    episode: ep,
    details: emptyDetails(),
    timezone: ZONE,
    now,
    lineCountry: 'FR',
    ...extra,
  });
}

const asked = episode({
  state: 'claimed',
  claimedBy: ana,
  claimedAt: T0 + 2 * MIN,
  callbackRequested: true,
  callbackRequestedAt: T0,
  autoCallback: 'retrying',
});

describe('callback lines of the card model', () => {
  it('says the caller asked, and when, and that Aircall is still calling back', () => {
    expect(model(asked).callbackLines).toEqual([
      'The caller asked to be called back at 10:32',
      'Aircall is calling back automatically',
    ]);
  });

  it('says a failed automated callback needs a person', () => {
    expect(model({ ...asked, autoCallback: 'failed' }).callbackLines).toContain(
      'Aircall’s automatic call back did not get through: a person must call back',
    );
  });

  it('shows when a snoozed call is due, then that it is due, with the attempt of the retry policy', () => {
    const snoozed: Episode = {
      ...asked,
      autoCallback: null,
      dueAt: T0 + 60 * MIN,
      snoozedAt: T0 + 20 * MIN,
      attemptLog: [{ at: T0 + 20 * MIN, by: ana, result: 'no_answer' }],
    };
    expect(model(snoozed, T0 + 25 * MIN, { retryAttempts: 3 }).callbackLines).toEqual([
      'The caller asked to be called back at 10:32',
      'Call back at 11:32 · attempt 2 of 3',
      'Attempts: 10:52 No answer (Ana)',
    ]);
    const due = model({ ...snoozed, dueRemindedAt: T0 + 60 * MIN }, T0 + 61 * MIN, { retryAttempts: 3 });
    expect(due.callbackLines).toContain('Due now: call back (planned for 11:32) · attempt 2 of 3');
  });

  it('calls back on the number the caller gave, and says so', () => {
    const other = model({ ...asked, callbackNumber: '+33699887766' });
    expect(other.caller.telUri).toBe('tel:+33699887766');
    expect(other.callbackLines).toContain('Call back on 06 99 88 77 66');
  });

  it('says plainly that a withheld number cannot be called back, and offers only the outcomes that fit', () => {
    const withheld = model(episode({ caller: { number: null, name: null } }));
    expect(withheld.callbackLines).toContain('The number is withheld: no call back is possible');
    expect(withheld.actions).toMatchObject({ callback: false, snooze: false, resolve: true });
    expect(withheld.outcomes.map((o) => o.code)).toEqual(['reached', 'not_needed']);
    expect(withheld.snoozeOptions).toEqual([]);
  });

  it('a withheld caller who gave a number can be called back on it', () => {
    const gave = model(episode({ caller: { number: null, name: null }, callbackNumber: '+33699887766' }));
    expect(gave.actions.callback).toBe(true);
    expect(gave.outcomes).toHaveLength(5);
  });

  it('offers the snooze presets while a call back is possible', () => {
    expect(model(asked).snoozeOptions.map((o) => o.value)).toEqual(['30m', '1h', '2h', 'tomorrow']);
    expect(model({ ...asked, state: 'resolved', outcome: 'reached' }).snoozeOptions).toEqual([]);
  });

  it('says what became of the follow-up', () => {
    expect(model({ ...asked, followUp: 'no_email' }).callbackLines).toContain(
      'No follow-up sent: the requester has no e-mail address',
    );
  });
});

describe('the renderers', () => {
  const tricky: Episode = {
    ...asked,
    attemptLog: [{ at: T0 + 20 * MIN, by: { ...ana, name: '*Ana* <!here> [x](y)' }, result: 'no_answer' }],
  };

  it('Slack draws every line in the status section, escaped', () => {
    const text = JSON.stringify(cardBlocks(model(tricky)));
    expect(text).toContain('The caller asked to be called back');
    expect(text).toContain('Aircall is calling back automatically');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!here&gt;');
  });

  it('a snooze preset in the Slack option-value form maps back to the snooze action', () => {
    const parsed = parseResolveOptionValue('tomorrow:ep-1');
    expect(parsed?.episodeId).toBe('ep-1');
    expect(cardActionFor(ACTION_IDS.snooze, parsed?.outcome)).toEqual({ type: 'snooze', choice: 'tomorrow' });
    expect(cardActionFor(ACTION_IDS.snooze, '  ')).toBeNull();
  });

  it('Teams draws the same lines, escaped', () => {
    const text = JSON.stringify(teamsCard(model(tricky), { viewer: 'claimer', timezone: ZONE }));
    expect(text).toContain('Aircall is calling back automatically');
    expect(text).not.toContain('*Ana*');
  });

  it('Teams drops the lines from a card without caller data (they may name the number)', () => {
    const full = model({ ...asked, callbackNumber: '+33699887766' });
    expect(JSON.stringify(teamsCard(full, { viewer: 'claimer' }))).toContain('06 99 88 77 66');
    const redacted = withoutCallerData(full);
    expect(redacted.callbackLines).toEqual([]);
    expect(JSON.stringify(teamsCard(redacted, { viewer: 'claimer' }))).not.toContain('06 99 88 77 66');
  });
});
