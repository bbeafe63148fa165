/** What people and callers typed stays text in Teams: Markdown, tags, mentions, links and metric labels. */
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, httpsUrl } from '../../../src/surfaces/teams/card.js';
import { activityTypeLabel } from '../../../src/surfaces/teams/metrics.js';
import { mentionName } from '../../../src/surfaces/teams/surface.js';

describe('escapeMarkdown', () => {
  it('escapes every character the Adaptive Card Markdown subset reads, and backslash', () => {
    expect(escapeMarkdown('\\ ` * _ [ ] ( ) # > ~')).toBe('\\\\ \\` \\* \\_ \\[ \\] \\( \\) \\# \\> \\~');
  });

  it('drops tag-like input, so no HTML or <at> mention survives', () => {
    expect(escapeMarkdown('Ana <at>Mia</at> <img src=x onerror=alert(1)>!')).toBe('Ana Mia !');
    expect(escapeMarkdown('1 < 2')).toBe('1 \\< 2');
  });
});

describe('mentionName', () => {
  it('cannot close the mention, open another, or format the message', () => {
    expect(mentionName('Mia</at><at>Boss')).toBe('Mia/atatBoss');
    expect(mentionName('**Ana** [x](https://evil)')).toBe('Ana xhttps://evil');
    expect(mentionName('<>')).toBe('someone');
  });
});

describe('httpsUrl', () => {
  it('keeps https links only', () => {
    expect(httpsUrl('https://files.example.com/vm.mp3')).toBe('https://files.example.com/vm.mp3');
    for (const url of ['http://files.example.com/vm.mp3', 'javascript:alert(1)', 'data:,x', 'nonsense', null])
      expect(httpsUrl(url)).toBeNull();
  });
});

describe('the activity type label of the Teams metric', () => {
  it('is one of a fixed set; anything a body invents is `other`', () => {
    expect(activityTypeLabel('invoke')).toBe('invoke');
    expect(activityTypeLabel('x'.repeat(500))).toBe('other');
  });
});
