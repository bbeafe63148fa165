/** What people and callers typed stays text in Teams: Markdown, tags, mentions, links and metric labels. */
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, httpsUrl } from '../../../src/surfaces/teams/card.js';
import { activityTypeLabel } from '../../../src/surfaces/teams/metrics.js';
import { mentionName, TEAMS_MARKUP } from '../../../src/surfaces/teams/surface.js';

describe('escapeMarkdown', () => {
  it('escapes every character the Adaptive Card Markdown subset reads, and backslash', () => {
    // `>` (a blockquote) is written as an entity, like `<`: see below.
    expect(escapeMarkdown('\\ ` * _ [ ] ( ) # > ~')).toBe('\\\\ \\` \\* \\_ \\[ \\] \\( \\) \\# &gt; \\~');
  });

  // This pinned the old behaviour, deleting anything between < and >: that lost a number written
  // "<+33 6 12 34 56 78>" and the "<Marie>" of "Dupont <Marie>". Entities keep the text and still form no tag.
  it('keeps tag-like input visible as text, so no HTML or <at> mention forms', () => {
    expect(escapeMarkdown('Ana <at>Mia</at> <img src=x onerror=alert(1)>!')).toBe(
      'Ana &lt;at&gt;Mia&lt;/at&gt; &lt;img src=x onerror=alert\\(1\\)&gt;!',
    );
    expect(escapeMarkdown('1 < 2')).toBe('1 &lt; 2');
    expect(escapeMarkdown('Please call me back on <+33 6 12 34 56 78>')).toBe(
      'Please call me back on &lt;+33 6 12 34 56 78&gt;',
    );
    expect(TEAMS_MARKUP.quote('Dupont <Marie>', 'hi')).toBe('**Dupont &lt;Marie&gt;:** hi');
  });

  it('keeps a typed entity as typed, and a lone ampersand as it is', () => {
    expect(escapeMarkdown('&lt;b&gt; &#60;')).toBe('&amp;lt;b&amp;gt; &amp;\\#60;');
    expect(escapeMarkdown('AT&T')).toBe('AT&T');
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
