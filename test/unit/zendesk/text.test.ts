import { describe, expect, it } from 'vitest';
import { parseDetails } from '../../../src/domain/details.js';
import { stripQuotedReply } from '../../../src/zendesk/sideConversations.js';
import {
  anotherCallNote,
  callerLabel,
  commentText,
  hasCallMarker,
  missedCallComment,
  resolveNote,
  sideConversationSubject,
  threadMessageBody,
  ticketSubject,
} from '../../../src/zendesk/text.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const PARIS = 'Europe/Paris';

describe('ticket subjects', () => {
  it('name the caller and the number, or say the number was withheld', () => {
    expect(ticketSubject({ number: '+33176360695', name: 'Marie Dupont' })).toBe(
      'Missed call from Marie Dupont (+33 1 76 36 06 95)',
    );
    expect(ticketSubject({ number: '+33176360695', name: null })).toBe('Missed call from +33 1 76 36 06 95');
    expect(callerLabel({ number: null, name: null })).toBe('a withheld number');
    expect(sideConversationSubject({ number: null, name: null })).toBe(
      'Missed call from a withheld number — team thread',
    );
  });
});

describe('the first comment of a ticket', () => {
  it('says when, why, who it rang and which call, in the line’s time zone', () => {
    const details = parseDetails({
      calls: [{ key: 'zendesk:5001', at: T0, reason: 'abandoned_in_queue', waitedSeconds: 52 }],
      rang: ['Ana', 'Ben'],
      voicemail: { url: 'https://example.com/vm.mp3', durationSeconds: 41, at: T0 },
    });
    const text = missedCallComment(episode(), details, PARIS);
    expect(text).toContain('Missed at: Fri 20 Nov 2026 10:32 (Europe/Paris)');
    expect(text).toContain('Why: Hung up while waiting in the queue');
    expect(text).toContain('Waited: 52s');
    expect(text).toContain('Rang: Ana, Ben');
    expect(text).toContain('Voicemail (41s): https://example.com/vm.mp3');
    expect(text).toContain('Call: zendesk:5001');
  });
});

describe('text from callers and people in a ticket comment', () => {
  const LINK = '[Verify your account](https://evil.example/login)';
  const literal = '\\[Verify your account\\](https://evil.example/login)';

  it('cannot make a link, an image or HTML: Zendesk reads the body as Markdown', () => {
    expect(commentText(LINK)).toBe(literal);
    expect(commentText('![x](https://t.example/p.gif) <img src=x> a\\b')).toBe(
      '!\\[x\\](https://t.example/p.gif) \\<img src=x\\> a\\\\b',
    );
    const details = parseDetails({
      calls: [{ key: 'generic:twilio:1', at: T0, reason: null, waitedSeconds: 5 }],
      rang: [LINK],
      transcript: `call me ${LINK}`,
    });
    const text = missedCallComment(
      episode({ caller: { number: '+33176360695', name: LINK } }),
      details,
      PARIS,
    );
    expect(text).toContain(`Missed call from ${literal} (+33 1 76 36 06 95)`);
    expect(text).toContain(`Rang: ${literal}`);
    expect(text).toContain(`Transcript: call me ${literal}`);
    expect(text).not.toContain(LINK);
    const resolved = episode({
      state: 'resolved',
      outcome: 'reached',
      resolvedAt: T0 + 60_000,
      resolvedBy: { ...ana, name: LINK },
      claimedBy: { ...ana, name: LINK },
      claimedAt: T0,
    });
    expect(resolveNote(resolved, PARIS)).not.toContain(LINK);
  });

  it('makes a provider’s missed reason and call id literal too, in the first comment and the next notes', () => {
    const details = parseDetails({
      calls: [{ key: `generic:twilio:${LINK}`, at: T0, reason: LINK, waitedSeconds: 5 }],
    });
    const first = missedCallComment(episode(), details, PARIS);
    expect(first).toContain(`Why: ${literal}`);
    expect(first).toContain(`Call: generic:twilio:${literal}`);
    expect(first).not.toContain(LINK);
    const note = anotherCallNote(
      episode({ callCount: 2 }),
      { key: `generic:twilio:${LINK}`, at: T0, reason: LINK },
      PARIS,
    );
    expect(note).not.toContain(LINK);
    // A retried job finds its note whichever form Zendesk gives the body back in.
    expect(hasCallMarker(note, `generic:twilio:${LINK}`)).toBe(true);
    expect(hasCallMarker(`(call generic:twilio:${LINK})`, `generic:twilio:${LINK}`)).toBe(true);
    expect(hasCallMarker(note, 'generic:twilio:another')).toBe(false);
  });

  it('leaves a plain name, and the subject, as they are', () => {
    expect(commentText('Marie-Hélène O’Neil (+33 1 76 36 06 95)')).toBe(
      'Marie-Hélène O’Neil (+33 1 76 36 06 95)',
    );
    expect(ticketSubject({ number: null, name: LINK })).toBe(`Missed call from ${LINK}`);
  });
});

describe('the note for another missed call', () => {
  it('carries the call marker a retried job looks for', () => {
    const text = anotherCallNote(
      episode({ callCount: 2 }),
      { key: 'zendesk:5002', at: T0 + 600_000, reason: null, talkTicketId: 991 },
      PARIS,
    );
    expect(text).toContain(
      'Another missed call from Marie Dupont (+33 1 76 36 06 95) at Fri 20 Nov 2026 10:42',
    );
    expect(text).toContain('2 calls so far. (call zendesk:5002)');
    expect(text).toContain('Zendesk Talk made ticket #991 for this call.');
  });
});

describe('the resolve note', () => {
  it('gives outcome, agent, surface and every time, with the time to callback', () => {
    const resolved = episode({
      state: 'resolved',
      outcome: 'reached',
      claimedBy: ana,
      claimedAt: T0 + 5 * 60_000,
      attempts: 2,
      firstAttemptAt: T0 + 12 * 60_000,
      lastAttemptAt: T0 + 20 * 60_000,
      resolvedAt: T0 + 21 * 60_000,
      resolvedBy: ana,
      callCount: 2,
    });
    expect(resolveNote(resolved, PARIS).split('\n')).toEqual([
      'Callback resolved: Reached the caller.',
      'Resolved by: Ana (ana@example.com) on Slack',
      'Missed at: Fri 20 Nov 2026 10:32 (Europe/Paris)',
      'Claimed at: Fri 20 Nov 2026 10:37 (Europe/Paris) by Ana',
      'First call back: Fri 20 Nov 2026 10:44 (Europe/Paris) (2 attempts)',
      'Resolved at: Fri 20 Nov 2026 10:53 (Europe/Paris)',
      'Time to callback: 12m',
      'Missed calls in this episode: 2',
    ]);
  });

  it('says when the caller got through by themselves, and leaves unknown times as dashes', () => {
    const auto = episode({
      state: 'resolved',
      outcome: 'reached',
      autoResolved: true,
      resolvedAt: T0 + 60_000,
    });
    const lines = resolveNote(auto, 'America/New_York').split('\n');
    expect(lines[0]).toBe(
      'Callback resolved automatically: Reached the caller (a later answered call with this caller).',
    );
    expect(lines).toContain('Resolved by: Ringback');
    expect(lines).toContain('Claimed at: —');
    expect(lines).toContain('Time to callback: —');
    expect(lines).toContain('Missed at: Fri 20 Nov 2026 04:32 (America/New_York)');
  });
});

describe('thread messages in the side conversation', () => {
  it('say who wrote them and where', () => {
    expect(threadMessageBody(ana, 'Calling her now')).toBe('Ana (Slack): Calling her now');
    expect(threadMessageBody({ ...ana, surface: 'teams' }, 'ok')).toBe('Ana (Teams): ok');
  });

  it('drop the quoted history of an email reply', () => {
    expect(
      stripQuotedReply('Done, thanks.\n\nOn Mon, 20 Nov 2026 at 10:00, Ringback wrote:\n> earlier'),
    ).toBe('Done, thanks.');
    expect(stripQuotedReply('Fine\r\n> quoted')).toBe('Fine');
    expect(stripQuotedReply('Fine\n-----Original Message-----\nold')).toBe('Fine');
    expect(stripQuotedReply('x'.repeat(4000))).toHaveLength(3000);
    expect(
      stripQuotedReply(
        'Customer said:\n> router down\nI will call.\n\nOn Mon, 20 Nov 2026, Ringback wrote:\n\n> earlier\n>\n> > older\n',
      ),
    ).toBe('Customer said:\n> router down\nI will call.');
  });

  it('keep a quote the agent answers below it, and a reply that is only a quote', () => {
    const inline =
      'Customer said:\n> my router is still down\nI will call her at 17:00, please do not call before.';
    expect(stripQuotedReply(inline)).toBe(inline);
    const leading = '> 3 missed calls today\nShe is VIP, escalate to Ben.';
    expect(stripQuotedReply(leading)).toBe(leading);
    expect(stripQuotedReply('> the router is down again')).toBe('> the router is down again');
    expect(stripQuotedReply('On Mon, 20 Nov 2026, Ringback wrote:\r\n> earlier')).toBe(
      'On Mon, 20 Nov 2026, Ringback wrote:\n> earlier',
    );
    expect(stripQuotedReply(' \n ')).toBe('');
  });
});
