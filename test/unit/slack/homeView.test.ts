import { describe, expect, it } from 'vitest';
import type { ListedCall } from '../../../src/chat/commands.js';
import { type HomeContent, homeView } from '../../../src/surfaces/slack/homeView.js';

const call: ListedCall = {
  episodeId: 'e1',
  who: 'Hugo Home',
  line: 'Support FR',
  when: '10:00',
  state: 'open',
  due: null,
  posts: [],
  action: 'claim',
  callable: true,
};

function content(open: ListedCall[]): HomeContent {
  return {
    user: 'U1',
    mine: { total: 0, calls: [] },
    open: { total: open.length, calls: open },
    today: {
      missedCalls: open.length,
      calledBack: 0,
      resolved: 0,
      openNow: open.length,
      mineClaimed: 0,
      mineCalledBack: 0,
    },
    asOf: 'Thu 26 Nov, 10:42 (Europe/Paris)',
    refusal: null,
  };
}

const texts = (view: ReturnType<typeof homeView>) =>
  view.blocks.map((b) => (b as { text?: { text?: string } }).text?.text).filter((t) => t !== undefined);

describe('the App Home with nothing claimed', () => {
  it('says to claim one below only when there is an open call below', () => {
    expect(texts(homeView(content([])))).toEqual(
      expect.arrayContaining(['No calls claimed by you.', 'Nothing waiting for a callback.']),
    );
    expect(JSON.stringify(homeView(content([])).blocks)).not.toContain('Claim one below');
    const withOpen = texts(homeView(content([call])));
    expect(withOpen).toContain('No calls claimed by you. Claim one below.');
    expect(withOpen).not.toContain('Nothing waiting for a callback.');
  });
});
