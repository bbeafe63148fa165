/**
 * `/ringback open` and `mine` answer with text: a long list keeps whole rows, each with its card link, and
 * counts the rest, instead of being cut in the middle of a row.
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
});
