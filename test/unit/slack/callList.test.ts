/**
 * `/ringback open` and `mine` answer with a list: a long list keeps whole rows, each with its card link, and
 * counts the rest, instead of being cut in the middle of a row. The list is shown in `verbatim` sections
 * (the text is the notification fallback), so a caller's name is never turned into a link by Slack.
 */
import { describe, expect, it } from 'vitest';
import type { ListedCall } from '../../../src/chat/commands.js';
import { slackAnswer } from '../../../src/surfaces/slack/command.js';

function call(i: number): ListedCall {
  return {
    episodeId: `ep-${i}`,
    when: 'Mon 16 Nov 09:40',
    who: `Caller with a long enough name number ${i}`,
    line: 'Support France Premium',
    state: 'open',
    posts: [
      {
        episodeId: `ep-${i}`,
        surface: 'slack',
        channel: 'C0123456789',
        ref: `1700000000.${String(i).padStart(6, '0')}`,
        threadRef: null,
        shownDigest: null,
      },
    ],
  };
}

describe('a list of calls in Slack text', () => {
  it('keeps whole rows with their card links and says how many more there are', () => {
    const calls = Array.from({ length: 25 }, (_, i) => call(i));
    const { text } = slackAnswer({ kind: 'calls', heading: 'Open calls', total: 30, calls }, 'acme');
    expect(text.length).toBeLessThanOrEqual(3000);
    const rows = text.split('\n').filter((line) => line.startsWith('• '));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(25);
    for (const row of rows) expect(row).toMatch(/\|card>$/);
    expect(text.endsWith(`…and ${30 - rows.length} more`)).toBe(true);
  });

  it('lists everything when it fits', () => {
    const calls = Array.from({ length: 3 }, (_, i) => call(i));
    const { text } = slackAnswer({ kind: 'calls', heading: 'Open calls', total: 3, calls }, 'acme');
    expect(text.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(3);
    expect(text).not.toContain('more');
  });

  it('shows the list in verbatim sections, so a caller name that is a URL stays text', () => {
    const urlCaller = { ...call(1), who: 'https://evil.example/pay-now <@U123>' };
    const answer = slackAnswer(
      { kind: 'calls', heading: 'Open calls', total: 1, calls: [urlCaller] },
      'acme',
    );
    expect(answer.text).toContain('https://evil.example/pay-now &lt;@U123&gt;');
    const blocks = answer.rich as { type: string; text: { type: string; text: string; verbatim: boolean } }[];
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: answer.text, verbatim: true },
    });
    expect(blocks[0]?.text.text).toContain(
      '• Mon 16 Nov 09:40 · https://evil.example/pay-now &lt;@U123&gt; ·',
    );
  });

  it('keeps a long list within Slack’s section limit, whole rows, in one verbatim section', () => {
    const calls = Array.from({ length: 25 }, (_, i) => call(i));
    const answer = slackAnswer({ kind: 'calls', heading: 'Open calls', total: 30, calls }, 'acme');
    const blocks = answer.rich as { type: string; text: { text: string; verbatim: boolean } }[];
    expect(blocks).toHaveLength(1);
    for (const block of blocks) {
      expect(block.type).toBe('section');
      expect(block.text.verbatim).toBe(true);
      expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(blocks.map((b) => b.text.text).join('\n')).toBe(answer.text);
  });

  it('says "none" in text alone', () => {
    const answer = slackAnswer({ kind: 'calls', heading: 'Open calls', total: 0, calls: [] }, 'acme');
    expect(answer).toEqual({ text: 'Open calls: none.' });
  });
});
