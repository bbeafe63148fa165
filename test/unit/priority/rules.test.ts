/** Priority rules: the matcher (first match wins, every condition must hold), overrides, and validation. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { routingSchema } from '../../../src/config/routing.js';
import { newEpisode } from '../../../src/domain/episode.js';
import {
  atLeastPriority,
  byPriorityThenNewest,
  channelsFor,
  claimLadderFor,
  matchPriority,
  mentionFor,
  type PriorityFacts,
} from '../../../src/domain/priority.js';
import type { Episode } from '../../../src/domain/types.js';

const DAY = 24 * 60 * 60_000;
const NOW = Date.parse('2026-12-02T10:00:00Z');

function routing(yaml: string) {
  return routingSchema.parse(parse(yaml));
}

const BASE = `
lines:
  - name: Sales
    match: { genericLine: sales }
    slack: { channel: C0SALES0000 }
  - name: Support FR
    match: "*"
    slack: { channel: C0123456789 }
    teams: { channel: "19:line@thread.tacv2" }
    escalate: [{ after: 15m, notify: "@here" }]
`;

function facts(overrides: Partial<PriorityFacts> = {}): PriorityFacts {
  return {
    line: 'Support FR',
    callbackRequested: false,
    tags: [],
    organization: null,
    openTicketPriority: null,
    callTimes: [NOW],
    lastCallAt: NOW,
    ...overrides,
  };
}

function episode(overrides: Partial<Episode> = {}): Episode {
  return {
    ...newEpisode({
      id: 'e1',
      line: 'Support FR',
      caller: { number: '+33612345678', name: null },
      missedAt: NOW,
    }),
    ...overrides,
  };
}

describe('matchPriority', () => {
  const rules = routing(`${BASE}
priority:
  - { name: Internal, when: { organization: Ringback Inc }, level: normal }
  - { when: { callbackRequested: true }, level: high }
  - { name: VIP, when: { zendeskTag: [vip, gold] }, level: high, slack: { channel: C0VIP00000 } }
  - { name: Urgent ticket, when: { openTicketPriority: high, line: Support FR }, level: high }
  - { name: Insistent, when: { repeatCalls: { atLeast: 3, within: 1d } }, level: high }
`).priority;

  it('is normal when no rule holds', () => {
    expect(matchPriority(rules, facts())).toEqual({ level: 'normal', rule: null, because: null });
  });

  it('names the rule and why when one holds', () => {
    expect(matchPriority(rules, facts({ tags: ['GOLD'] }))).toEqual({
      level: 'high',
      rule: 'VIP',
      because: 'tagged gold',
    });
  });

  it('keys unnamed rules by position', () => {
    expect(matchPriority(rules, facts({ callbackRequested: true }))).toMatchObject({
      level: 'high',
      rule: '#2',
    });
  });

  it('lets the first match win, a normal rule included (an exception before the others)', () => {
    const verdict = matchPriority(
      rules,
      facts({ organization: 'ringback inc', tags: ['vip'], callbackRequested: true }),
    );
    expect(verdict).toMatchObject({ level: 'normal', rule: 'Internal' });
  });

  it('needs every condition of a rule', () => {
    expect(matchPriority(rules, facts({ openTicketPriority: 'urgent', line: 'Sales' })).rule).toBeNull();
    expect(matchPriority(rules, facts({ openTicketPriority: 'urgent' }))).toMatchObject({
      rule: 'Urgent ticket',
      because: 'urgent ticket open, line Support FR',
    });
  });

  it('reads open-ticket priority as "at least"', () => {
    expect(atLeastPriority('urgent', 'high')).toBe(true);
    expect(atLeastPriority('HIGH', 'high')).toBe(true);
    expect(atLeastPriority('normal', 'high')).toBe(false);
    expect(atLeastPriority(null, 'low')).toBe(false);
    expect(atLeastPriority('weird', 'low')).toBe(false);
  });

  it('counts repeat calls inside the window only', () => {
    const twoOld = [NOW - 2 * DAY, NOW - 2 * DAY + 1];
    expect(matchPriority(rules, facts({ callTimes: [...twoOld, NOW] })).rule).toBeNull();
    const recent = [NOW - 3_600_000, NOW - 60_000, NOW];
    expect(matchPriority(rules, facts({ callTimes: recent }))).toMatchObject({
      rule: 'Insistent',
      because: '3 calls recently',
    });
  });

  it('counts repeat calls in the window before the episode’s last call, however long ago it was', () => {
    const hourly = routing(`${BASE}
priority:
  - { name: Insistent, when: { repeatCalls: { atLeast: 3, within: 1h } }, level: high }
`).priority;
    const three = [NOW - 40 * 60_000, NOW - 20 * 60_000, NOW];
    expect(matchPriority(hourly, facts({ callTimes: three, lastCallAt: NOW })).level).toBe('high');
    // Calls hours old: the window is the hour before the last of them, not the hour before now.
    const earlier = three.map((at) => at - 3 * 3_600_000);
    expect(
      matchPriority(hourly, facts({ callTimes: earlier, lastCallAt: NOW - 3 * 3_600_000 })),
    ).toMatchObject({
      level: 'high',
      because: '3 calls recently',
    });
    // Calls after the episode's last one (another episode's) and more than `within` before it do not count.
    const spread = [NOW - 2 * 3_600_000, NOW - 20 * 60_000, NOW, NOW + 60_000];
    expect(matchPriority(hourly, facts({ callTimes: spread, lastCallAt: NOW })).level).toBe('normal');
  });

  it('matches a callbackRequested: false condition only without a request', () => {
    const only = routing(`${BASE}
priority: [{ when: { callbackRequested: false, line: Sales }, level: high }]
`).priority;
    expect(matchPriority(only, facts({ line: 'Sales' })).level).toBe('high');
    expect(matchPriority(only, facts({ line: 'Sales', callbackRequested: true })).level).toBe('normal');
  });
});

describe('what a matched rule overrides', () => {
  const config = routing(`${BASE}
priority:
  - name: VIP
    when: { zendeskTag: vip }
    level: high
    slack: { channel: C0VIP00000 }
    teams: { channel: "19:vip@thread.tacv2" }
    escalate: [{ after: 2m, notify: "<!subteam^S0VIP>" }]
    mention: "<!subteam^S0VIP>"
  - { when: { callbackRequested: true }, level: high }
`);

  it('posts a high call to the rule channel as well as the line one', () => {
    expect(channelsFor(config, episode({ priority: 'high', priorityRule: 'VIP' }))).toEqual({
      slack: ['C0123456789', 'C0VIP00000'],
      teams: ['19:line@thread.tacv2', '19:vip@thread.tacv2'],
    });
  });

  it('keeps the line channels for normal calls, rules without channels and rules no longer configured', () => {
    const line = { slack: ['C0123456789'], teams: ['19:line@thread.tacv2'] };
    expect(channelsFor(config, episode())).toEqual(line);
    expect(channelsFor(config, episode({ priority: 'high', priorityRule: '#2' }))).toEqual(line);
    expect(channelsFor(config, episode({ priority: 'high', priorityRule: 'Gone' }))).toEqual(line);
    expect(channelsFor(config, episode({ line: 'Unknown line' }))).toEqual({ slack: [], teams: [] });
  });

  it('swaps the claim ladder and adds the mention for the rule calls only', () => {
    const line = config.lines.find((l) => l.name === 'Support FR');
    if (!line) throw new Error('no line');
    expect(claimLadderFor(config, line, episode({ priority: 'high', priorityRule: 'VIP' }))).toEqual([
      { after: 120_000, notify: '<!subteam^S0VIP>', to: 'thread' },
    ]);
    expect(claimLadderFor(config, line, episode({ priority: 'high', priorityRule: '#2' }))).toBe(
      line.escalate,
    );
    expect(mentionFor(config, episode({ priority: 'high', priorityRule: 'VIP' }))).toBe('<!subteam^S0VIP>');
    expect(mentionFor(config, episode({ priority: 'normal', priorityRule: 'VIP' }))).toBeNull();
  });
});

describe('list order', () => {
  it('puts unresolved high calls first, then newest first', () => {
    const list = [
      episode({ id: 'old-normal', missedAt: NOW - 3 * DAY }),
      episode({ id: 'new-normal', missedAt: NOW }),
      episode({ id: 'old-high', missedAt: NOW - 2 * DAY, priority: 'high' }),
      episode({ id: 'resolved-high', missedAt: NOW + 1, priority: 'high', state: 'resolved' }),
      episode({ id: 'new-high', missedAt: NOW - DAY, priority: 'high' }),
    ];
    expect([...list].sort(byPriorityThenNewest).map((e) => e.id)).toEqual([
      'new-high',
      'old-high',
      'resolved-high',
      'new-normal',
      'old-normal',
    ]);
  });
});

describe('validation of priority and assign', () => {
  function problems(yaml: string): string[] {
    const result = routingSchema.safeParse(parse(yaml));
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }

  it('names the path of a rule without conditions, a bad level, an unknown line or a duplicate name', () => {
    expect(problems(`${BASE}\npriority: [{ when: {}, level: high }]`)).toEqual([
      expect.stringMatching(/^priority\.0\.when: expected at least one of callbackRequested/),
    ]);
    expect(problems(`${BASE}\npriority: [{ when: { zendeskTag: vip }, level: urgent }]`)[0]).toMatch(
      /^priority\.0\.level/,
    );
    expect(problems(`${BASE}\npriority: [{ when: { line: Nope }, level: high }]`)).toEqual([
      'priority.0.when.line: no line named "Nope"',
    ]);
    expect(
      problems(
        `${BASE}\npriority: [{ name: A, when: { zendeskTag: a }, level: high }, { name: A, when: { zendeskTag: b }, level: high }]`,
      ),
    ).toEqual(['priority.1.name: duplicate rule name "A"']);
    expect(
      problems(`${BASE}\npriority: [{ when: { zendeskTag: a }, level: high, slack: { channel: vip } }]`)[0],
    ).toMatch(/^priority\.0\.slack\.channel: expected a Slack channel id/);
    expect(
      problems(`${BASE}\npriority: [{ when: { repeatCalls: { atLeast: 1 } }, level: high }]`)[0],
    ).toMatch(/^priority\.0\.when\.repeatCalls\.atLeast/);
    expect(
      problems(`${BASE}\npriority: [{ when: { openTicketPriority: critical }, level: high }]`)[0],
    ).toMatch(/^priority\.0\.when\.openTicketPriority/);
  });

  it('names the path of a bad assign policy', () => {
    const line = (assign: string) => `lines: [{ name: A, match: "*", assign: ${assign} }]`;
    expect(problems(line('{ suggest: [] }'))[0]).toMatch(/^lines\.0\.assign\.suggest/);
    expect(problems(line('{ suggest: [lastAgent, lastAgent] }'))).toEqual([
      'lines.0.assign.suggest: each source may appear once',
    ]);
    expect(problems(line('{ suggest: [favourite] }'))[0]).toMatch(/^lines\.0\.assign\.suggest\.0/);
    expect(problems(line('{ suggest: [roundRobin], agents: [not-an-email] }'))[0]).toMatch(
      /^lines\.0\.assign\.agents\.0/,
    );
  });

  it('fills the defaults', () => {
    const config = routing(
      `lines: [{ name: A, match: "*", assign: { suggest: [lastAgent] } }]\npriority: [{ when: { repeatCalls: { atLeast: 2 } }, level: high }]`,
    );
    expect(config.lines[0]?.assign).toEqual({
      suggest: ['lastAgent'],
      autoClaim: false,
      agents: [],
      lastAgentWithin: 90 * DAY,
    });
    expect(config.priority[0]?.when.repeatCalls).toEqual({ atLeast: 2, within: 7 * DAY });
    expect(config.zendesk.showTags).toEqual([]);
  });
});
