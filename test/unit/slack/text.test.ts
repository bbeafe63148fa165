import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/domain/episode.js';
import { timelineLine as lineWords, timelineText as timelineWords } from '../../../src/domain/timeline.js';
import type { Episode } from '../../../src/domain/types.js';
import { parseRingbackCommand } from '../../../src/surfaces/slack/command.js';
import { checkSlackSignature } from '../../../src/surfaces/slack/http.js';
import {
  escapeMrkdwn,
  link,
  outsideLink,
  slackMention,
  slackTextToPlain,
  truncate,
} from '../../../src/surfaces/slack/mrkdwn.js';
import { SLACK_MARKUP } from '../../../src/surfaces/slack/surface.js';
import { ana, ben, episode, T0 } from '../../helpers/episodes.js';
import { slackSignature } from '../../mocks/slackRequests.js';

describe('mrkdwn', () => {
  it('escapes the control characters', () => {
    expect(escapeMrkdwn('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
  });

  it('builds links whose label cannot break out', () => {
    expect(link('https://x.example/a|b', 'x > y | z')).toBe('<https://x.example/a%7Cb|x &gt; y ¦ z>');
  });

  it('links outside URLs (voicemails, recordings) only when they are https', () => {
    expect(outsideLink('https://cdn.example/vm.mp3', 'Listen')).toBe('<https://cdn.example/vm.mp3|Listen>');
    expect(outsideLink('http://cdn.example/vm.mp3', 'Listen')).toBe('Listen');
    expect(outsideLink('javascript:alert(1)', 'Listen <now>')).toBe('Listen &lt;now&gt;');
    expect(outsideLink('not a url', 'Listen')).toBe('Listen');
    expect(outsideLink(null, 'Listen')).toBe('Listen');
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  describe('mentions from the routing file', () => {
    it('turns @here, @channel and @everyone into Slack special mentions', () => {
      expect(slackMention('@here')).toBe('<!here>');
      expect(slackMention('@channel')).toBe('<!channel>');
      expect(slackMention('@everyone')).toBe('<!everyone>');
    });

    it('keeps Slack syntax as it is', () => {
      expect(slackMention('<!subteam^S0123>')).toBe('<!subteam^S0123>');
      expect(slackMention('<@U0123456>')).toBe('<@U0123456>');
      expect(slackMention('@here <@U0123456>')).toBe('<!here> <@U0123456>');
    });

    it('turns a bare user id into a mention and escapes anything else', () => {
      expect(slackMention('U0123456789')).toBe('<@U0123456789>');
      expect(slackMention('<script>')).toBe('&lt;script&gt;');
      expect(slackMention('')).toBeNull();
      expect(slackMention(null)).toBeNull();
    });
  });

  it('reads a Slack message as plain text', () => {
    expect(
      slackTextToPlain('Call <@U123> about <https://x.example|the order> &amp; <!here> <mailto:a@b.c|a@b.c>'),
    ).toBe('Call @U123 about the order (https://x.example) & @here a@b.c');
  });
});

describe('/ringback', () => {
  it('parses summary with a period, a line with spaces and public', () => {
    expect(parseRingbackCommand('summary week Support FR public')).toEqual({
      kind: 'summary',
      period: 'week',
      line: 'Support FR',
      public: true,
    });
  });

  it('keeps "public" in a line name, and reads it as the flag at the end or among the keywords', () => {
    expect(parseRingbackCommand('summary week Public Sector')).toMatchObject({
      line: 'Public Sector',
      public: false,
    });
    expect(parseRingbackCommand('summary week Public Sector public')).toMatchObject({
      line: 'Public Sector',
      public: true,
    });
    expect(parseRingbackCommand('summary public week')).toMatchObject({
      period: 'week',
      line: null,
      public: true,
    });
    expect(parseRingbackCommand('summary week public agents')).toMatchObject({ agents: true, public: true });
  });

  it('defaults the summary to today, privately', () => {
    expect(parseRingbackCommand('summary')).toEqual({
      kind: 'summary',
      period: 'today',
      line: null,
      public: false,
    });
  });

  it('takes date ranges as periods', () => {
    expect(parseRingbackCommand('summary 2026-11-02..2026-11-08')).toMatchObject({
      period: '2026-11-02..2026-11-08',
    });
    expect(parseRingbackCommand('summary 2026-11-02 Support FR')).toMatchObject({
      period: '2026-11-02',
      line: 'Support FR',
    });
  });

  it('parses open, mine and help, and keeps anything else as unknown', () => {
    expect(parseRingbackCommand('open Support FR')).toEqual({ kind: 'open', line: 'Support FR' });
    expect(parseRingbackCommand('open')).toEqual({ kind: 'open', line: null });
    expect(parseRingbackCommand('  MINE ')).toEqual({ kind: 'mine' });
    expect(parseRingbackCommand('')).toEqual({ kind: 'help' });
    expect(parseRingbackCommand('help')).toEqual({ kind: 'help' });
    expect(parseRingbackCommand('dance now')).toEqual({ kind: 'unknown', text: 'dance now' });
  });
});

describe('request signatures', () => {
  const secret = 'shhh-secret';
  const body = Buffer.from('payload=%7B%7D');
  const now = 1_700_000_000;

  it('accepts a body signed with the secret within 5 minutes', () => {
    const signature = slackSignature(secret, now - 299, body.toString());
    expect(checkSlackSignature(secret, body, { signature, timestamp: String(now - 299) }, now)).toEqual({
      ok: true,
    });
  });

  it('refuses a wrong signature', () => {
    const signature = slackSignature('other', now, body.toString());
    expect(checkSlackSignature(secret, body, { signature, timestamp: String(now) }, now)).toMatchObject({
      ok: false,
      error: 'invalid_signature',
    });
  });

  it('refuses a timestamp more than 5 minutes old, even with a good signature', () => {
    const signature = slackSignature(secret, now - 301, body.toString());
    expect(checkSlackSignature(secret, body, { signature, timestamp: String(now - 301) }, now)).toMatchObject(
      {
        ok: false,
        error: 'stale_request',
      },
    );
  });

  it('refuses missing headers and non-numeric timestamps', () => {
    expect(
      checkSlackSignature(secret, body, { signature: undefined, timestamp: undefined }, now),
    ).toMatchObject({
      error: 'missing_signature',
    });
    expect(checkSlackSignature(secret, body, { signature: 'v0=00', timestamp: 'soon' }, now)).toMatchObject({
      error: 'invalid_timestamp',
    });
  });
});

/** The timeline in Slack's markup, as the shared planner words it for Slack. */
const timelineLine = (event: DomainEvent, ep: Episode, zone: string) =>
  lineWords(event, ep, zone, SLACK_MARKUP.who, SLACK_MARKUP.escape);
const timelineText = (events: DomainEvent[], ep: Episode, zone: string) =>
  timelineWords(events, ep, zone, { who: SLACK_MARKUP.who, separator: SLACK_MARKUP.lineBreak });

describe('thread timeline', () => {
  const zone = 'Europe/Paris';
  const ep = episode();

  it('says who claimed, called back and resolved, each in one short line', () => {
    expect(timelineLine({ type: 'claimed', actor: ana, at: T0, implicit: false }, ep, zone)).toBe(
      '10:32 · Claimed by *Ana*',
    );
    expect(timelineLine({ type: 'callback_started', actor: ana, at: T0, attempt: 2 }, ep, zone)).toBe(
      '10:32 · *Ana* is calling back (attempt 2)',
    );
    expect(
      timelineLine(
        { type: 'resolved', actor: ana, at: T0 + 600_000, outcome: 'voicemail' },
        episode({ firstAttemptAt: T0 + 300_000 }),
        zone,
      ),
    ).toBe('10:42 · Resolved by *Ana*: Left a voicemail · called back 5m after the call');
  });

  it('names both people when a manager releases someone else’s claim', () => {
    expect(timelineLine({ type: 'released', actor: ben, at: T0, previous: ana }, ep, zone)).toBe(
      '10:32 · Released by *Ben* (was *Ana*): unclaimed again',
    );
  });

  it('mentions repeat calls and automatic resolution', () => {
    expect(timelineLine({ type: 'call_joined', at: T0, callCount: 3, providerCallKey: 'k' }, ep, zone)).toBe(
      '10:32 · Called again (3 calls so far)',
    );
    expect(timelineLine({ type: 'auto_resolved', actor: null, at: T0, providerCallKey: 'k' }, ep, zone)).toBe(
      '10:32 · Resolved automatically: the caller got through',
    );
  });

  it('leaves escalations to their notice (which carries the mention) and to the card', () => {
    expect(timelineLine({ type: 'escalated', at: T0, level: 2, step: 2 }, ep, zone)).toBeNull();
  });

  it('says an implicit claim through the action that caused it, and skips card-only events', () => {
    expect(
      timelineText(
        [
          { type: 'claimed', actor: ana, at: T0, implicit: true },
          { type: 'callback_started', actor: ana, at: T0, attempt: 1 },
        ],
        ep,
        zone,
      ),
    ).toBe('10:32 · *Ana* is calling back (attempt 1)');
    expect(timelineText([{ type: 'details_changed', at: T0, fields: ['voicemail'] }], ep, zone)).toBeNull();
  });

  it('escapes a rule’s reason and a suggestion’s why, which name things from Zendesk', () => {
    expect(
      timelineLine(
        {
          type: 'priority_set',
          at: T0,
          level: 'high',
          previous: 'normal',
          rule: 'vip',
          because: 'organization <!channel>',
        },
        ep,
        zone,
      ),
    ).toBe('10:32 · High priority: organization &lt;!channel&gt;');
  });

  it('escapes names', () => {
    expect(
      timelineLine(
        { type: 'claimed', actor: { ...ana, name: '<!channel>' }, at: T0, implicit: false },
        ep,
        zone,
      ),
    ).toBe('10:32 · Claimed by *&lt;!channel&gt;*');
  });
});
