import { describe, expect, it } from 'vitest';
import { findLine } from '../../../src/app/routing.js';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';
import { ConfigError, parseRouting } from '../../../src/config/load.js';

function problemsOf(yaml: string): string[] {
  try {
    parseRouting(yaml, 'ringback.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const DESIGN_EXAMPLE = `
timezone: Europe/Paris
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95" }
    slack: { channel: C0123456789 }
    teams: { channel: "19:abc@thread.tacv2" }
    ignore: [short_abandoned]
    sla: { claimWithin: 15m, resolveWithin: 2h }
    escalate: [ { after: 15m, notify: "@here" }, { after: 30m, notify: "<!subteam^S0123>" } ]
    businessHours: { mon-fri: "09:00-18:00" }
    holidays: [2026-12-25]
zendesk:
  createTickets: true
  onResolve: { status: solved, addTags: [ringback_resolved] }
  sideConversation: { to: { email: callbacks@example.com } }
managers: { slack: [U0123456789], zendeskRoles: [admin] }
`;

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '15 minutes', '-5m', '0m', '1.5h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats back to short words', () => {
    expect([45_000, 12 * 60_000, 125 * 60_000, 28 * 3_600_000].map(formatDuration)).toEqual([
      '45s',
      '12m',
      '2h 05m',
      '1d 4h',
    ]);
  });
});

describe('routing file', () => {
  describe('the example in design.md', () => {
    it('is accepted as written', () => {
      const routing = parseRouting(DESIGN_EXAMPLE, 'ringback.yaml');
      const line = routing.lines[0]!;
      expect(line.sla).toEqual({ claimWithin: 900_000, resolveWithin: 7_200_000 });
      expect(line.escalate.map((s) => [s.after, s.notify, s.to])).toEqual([
        [900_000, '@here', 'thread'],
        [1_800_000, '<!subteam^S0123>', 'thread'],
      ]);
      expect(line.businessHours?.[1]).toEqual([{ startMinute: 540, endMinute: 1080 }]);
      expect(line.businessHours?.[6]).toEqual([]);
      expect(line.holidays).toEqual(['2026-12-25']);
      expect(routing.zendesk.onResolve).toMatchObject({ status: 'solved', addTags: ['ringback_resolved'] });
      expect(routing.managers).toMatchObject({ slack: ['U0123456789'], zendeskRoles: ['admin'] });
    });
  });

  describe('business hours', () => {
    const hoursOf = (hours: string) =>
      parseRouting(`lines: [{ name: A, match: "*", businessHours: ${hours} }]`, 'x').lines[0]?.businessHours;

    it('let a key naming fewer days override a wider one, in any order, so "closed" closes that day', () => {
      for (const hours of [
        '{ mon-sun: "09:00-18:00", sun: closed, fri: "09:00-16:00" }',
        '{ fri: "09:00-16:00", sun: closed, mon-sun: "09:00-18:00" }',
      ]) {
        const schedule = hoursOf(hours);
        expect(schedule?.[1]).toEqual([{ startMinute: 540, endMinute: 1080 }]);
        expect(schedule?.[5]).toEqual([{ startMinute: 540, endMinute: 960 }]);
        expect(schedule?.[7]).toEqual([]);
      }
    });

    it('refuse one day named by two keys of the same size, naming both', () => {
      expect(
        problemsOf(
          'lines: [{ name: A, match: "*", businessHours: { mon-fri: "09:00-18:00", thu-mon: "10:00-12:00" } }]',
        ),
      ).toEqual([
        'ringback.yaml lines[0].businessHours.thu-mon: thu, fri, mon named by "mon-fri" and "thu-mon": name each day once, or use a key for fewer days to override',
      ]);
    });
  });

  describe('defaults', () => {
    it('fill an almost empty file', () => {
      const routing = parseRouting('lines: [{ name: Default, match: "*" }]', 'x');
      expect(routing.timezone).toBe('UTC');
      expect(routing.lines[0]).toMatchObject({ ignore: [], escalate: [], holidays: [], sla: {} });
      expect(routing.zendesk.createTickets).toBe(true);
    });

    it('accept an empty file', () => {
      expect(parseRouting('', 'x').lines).toEqual([]);
    });
  });

  describe('problems', () => {
    it('name the path and what was expected', () => {
      expect(problemsOf('lines: [{ name: A, match: "*", slack: { channel: "#support" } }]')).toEqual([
        'ringback.yaml lines[0].slack.channel: expected a Slack channel id like C0123456789',
      ]);
    });

    it('are all reported at once', () => {
      const problems = problemsOf(`
timezone: Mars/Olympus
lines:
  - name: A
    match: "*"
    sla: { claimWithin: soon }
    businessHours: { weekdays: "9-5" }
    holidays: [2026-13-45]
`);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('timezone: expected an IANA time zone'),
          expect.stringContaining(
            'lines[0].sla.claimWithin: expected a duration like 90s, 15m or 2h, got "soon"',
          ),
          expect.stringContaining('lines[0].businessHours.weekdays: expected a day or a day range'),
          expect.stringContaining('lines[0].holidays[0]: expected a date like 2026-12-25'),
        ]),
      );
      expect(problems).toHaveLength(4);
    });

    it('catch misspelt keys instead of ignoring them', () => {
      expect(problemsOf('lines: [{ name: A, match: "*", slak: { channel: C0123456789 } }]')[0]).toContain(
        'lines[0]',
      );
    });

    it('catch duplicate line names and escalation steps out of order', () => {
      const problems = problemsOf(`
lines:
  - { name: A, match: { genericLine: a }, escalate: [ { after: 30m, notify: "@here" }, { after: 15m, notify: "@here" } ] }
  - { name: A, match: "*" }
`);
      expect(problems).toEqual([
        'ringback.yaml lines[0].escalate[1].after: steps must come in increasing order',
        'ringback.yaml lines[1].name: duplicate line name "A" (line names are compared in any case)',
      ]);
    });

    it('catch line names that differ only in case (the API and exports find lines in any case)', () => {
      expect(
        problemsOf(
          'lines: [{ name: Support FR, match: { genericLine: fr } }, { name: support fr, match: "*" }]',
        ),
      ).toEqual([
        'ringback.yaml lines[1].name: duplicate line name "support fr" (line names are compared in any case)',
      ]);
    });

    it('report broken YAML with its position', () => {
      expect(problemsOf('lines: [ { name: A')[0]).toMatch(/^ringback.yaml: not valid YAML/);
    });

    it('refuse reminders on a line without sla.resolveWithin, where they would never fire', () => {
      expect(
        problemsOf(`
lines:
  - name: A
    match: "*"
    sla: { claimWithin: 15m }
    reminders: { escalate: [ { after: 30m, notify: "@here" } ] }
`),
      ).toEqual([
        'ringback.yaml lines[0].reminders: reminders needs sla.resolveWithin: the reminder is due when a claimed call is still unresolved then',
      ]);
      expect(
        problemsOf(
          'lines: [{ name: A, match: "*", sla: { resolveWithin: 2h }, reminders: { escalate: [] } }]',
        ),
      ).toEqual([]);
    });

    it('say which match key has the wrong type, instead of "match: Invalid input"', () => {
      expect(problemsOf('lines: [{ name: A, match: { aircallNumber: +33176360695 } }]')).toEqual([
        'ringback.yaml lines[0].match.aircallNumber: expected a string; quote the number, like "+33 1 76 36 06 95"',
      ]);
      expect(problemsOf('lines: [{ name: A, match: { zendeskPhoneNumberId: true } }]')).toEqual([
        'ringback.yaml lines[0].match.zendeskPhoneNumberId: expected a Zendesk phone number id like 360000123456',
      ]);
      expect(problemsOf('lines: [{ name: A, match: all }]')).toEqual([
        'ringback.yaml lines[0].match: expected "*" or an object with aircallNumber, zendeskPhoneNumberId, number or genericLine',
      ]);
    });

    it('reject a match with no key', () => {
      expect(problemsOf('lines: [{ name: A, match: {} }]')[0]).toContain('lines[0].match');
    });
  });

  describe('durations', () => {
    it('are refused past a year and a day, instead of overflowing timers and the database', () => {
      expect(
        problemsOf(`
lines:
  - name: A
    match: "*"
    sla: { claimWithin: 99999999999999d, resolveWithin: 367d }
    escalate: [ { after: 8785h, notify: "@here" } ]
    retry: { attempts: 2, every: 9999999999999999999999999999d }
priority: [{ when: { repeatCalls: { atLeast: 2, within: 400d } }, level: high }]
`),
      ).toEqual([
        'ringback.yaml lines[0].sla.claimWithin: durations are at most 366d, got "99999999999999d"',
        'ringback.yaml lines[0].sla.resolveWithin: durations are at most 366d, got "367d"',
        'ringback.yaml lines[0].escalate[0].after: durations are at most 366d, got "8785h"',
        'ringback.yaml lines[0].retry.every: durations are at most 366d, got "9999999999999999999999999999d"',
        'ringback.yaml priority[0].when.repeatCalls.within: durations are at most 366d, got "400d"',
      ]);
    });

    it('accept 366d, and up to ten years for the retention and how far lastAgent looks back', () => {
      const routing = parseRouting(
        `
lines: [{ name: A, match: "*", sla: { resolveWithin: 366d }, assign: { suggest: [lastAgent], lastAgentWithin: 3660d } }]
retention: 3660d
`,
        'ringback.yaml',
      );
      expect(routing.lines[0]?.sla.resolveWithin).toBe(366 * 86_400_000);
      expect(routing.lines[0]?.assign?.lastAgentWithin).toBe(3660 * 86_400_000);
      expect(routing.retention).toBe(3660 * 86_400_000);
      expect(
        problemsOf(`
lines: [{ name: A, match: "*", assign: { suggest: [lastAgent], lastAgentWithin: 3661d } }]
retention: 99999999999999d
`),
      ).toEqual([
        'ringback.yaml lines[0].assign.lastAgentWithin: lastAgentWithin is at most 3660d, got "3661d"',
        'ringback.yaml retention: retention is at most 3660d, got "99999999999999d"',
      ]);
    });
  });

  describe('lines no call can reach (the first matching line wins)', () => {
    it('are refused after a match "*" line, naming the line and the one that takes its calls', () => {
      expect(
        problemsOf(`
lines:
  - { name: Default, match: "*" }
  - { name: Sales, match: { aircallNumber: "+33 1 76 36 06 95" } }
`),
      ).toEqual([
        'ringback.yaml lines[1].match: line "Sales" can never receive a call: "Default" (match "*") comes first and takes every call',
      ]);
    });

    it('are refused when an earlier line has the same number, however it is spaced, or the same id', () => {
      expect(
        problemsOf(`
lines:
  - { name: Support, match: { aircallNumber: "+33 1 76 36 06 95", zendeskPhoneNumberId: 360001 } }
  - { name: Copy, match: { aircallNumber: "+33176360695" } }
  - { name: Talk, match: { zendeskPhoneNumberId: "360001" } }
`),
      ).toEqual([
        'ringback.yaml lines[1].match: line "Copy" can never receive a call: "Support" comes first and takes every call to its aircallNumber "+33176360695" ("Support" has aircallNumber "+33 1 76 36 06 95")',
        'ringback.yaml lines[2].match: line "Talk" can never receive a call: "Support" comes first and takes every call to its zendeskPhoneNumberId "360001"',
      ]);
    });

    it('are refused when every key is taken, by an earlier number or by several earlier lines', () => {
      expect(
        problemsOf(`
lines:
  - { name: Sales, match: { number: "+44 20 7946 0000" } }
  - { name: Talk, match: { zendeskPhoneNumberId: 7 } }
  - { name: Late, match: { aircallNumber: "+442079460000", genericLine: "+44 20 7946 0000", zendeskPhoneNumberId: 7 } }
`),
      ).toEqual([
        'ringback.yaml lines[2].match: line "Late" can never receive a call: "Sales" comes first and takes every call to its aircallNumber "+442079460000" ("Sales" has number "+44 20 7946 0000") and genericLine "+44 20 7946 0000" ("Sales" has number "+44 20 7946 0000"); "Talk" comes first and takes every call to its zendeskPhoneNumberId "7"',
      ]);
    });

    it('are kept when some call can still reach them', () => {
      const routing = parseRouting(
        `
lines:
  - { name: Aircall, match: { aircallNumber: "+33 1 76 36 06 95" } }
  - { name: Talk too, match: { aircallNumber: "+33 1 76 36 06 95", zendeskPhoneNumberId: 360001 } }
  - { name: Prefixed, match: { number: "0033 1 44 55 66 77" } }
  - { name: Plus, match: { number: "+33 1 44 55 66 77" } }
  - { name: By name, match: { genericLine: sales } }
  - { name: By number, match: { number: "+33 1 76 36 06 95" } }
  - { name: Everything else, match: "*" }
`,
        'ringback.yaml',
      );
      // Any key of a line is enough: the Zendesk id still reaches the second line.
      expect(findLine(routing, { zendeskPhoneNumberId: '360001' })?.name).toBe('Talk too');
      // The same E.164 in other digits: a dialled number read as no number is compared by its digits.
      expect(findLine(routing, { genericLine: '33144556677' })?.name).toBe('Plus');
      // An earlier genericLine takes only that text, not every way of dialling a number.
      expect(findLine(routing, { number: '+33176360695' })?.name).toBe('By number');
      expect(findLine(routing, { genericLine: 'anything' })?.name).toBe('Everything else');
    });

    it('are kept when on lines of different countries (a national number reads differently)', () => {
      const routing = parseRouting(
        `
lines:
  - { name: US, country: US, match: { number: "+33 1 76 36 06 95" } }
  - { name: FR, country: FR, match: { number: "+33 1 76 36 06 95" } }
`,
        'ringback.yaml',
      );
      expect(findLine(routing, { number: '01 76 36 06 95' })?.name).toBe('FR');
    });
  });

  describe('business hours', () => {
    it('read overnight shifts, several ranges, wrapping day ranges and closed days', () => {
      const routing = parseRouting(
        `lines: [{ name: A, match: "*", businessHours: { fri-mon: "22:00-06:00", tue: "09:00-12:00, 14:00-18:00", wed: closed } }]`,
        'x',
      );
      const hours = routing.lines[0]!.businessHours!;
      expect(hours[5]).toEqual([{ startMinute: 1320, endMinute: 1800 }]);
      expect(hours[7]).toEqual([{ startMinute: 1320, endMinute: 1800 }]);
      expect(hours[1]).toEqual([{ startMinute: 1320, endMinute: 1800 }]);
      expect(hours[2]).toEqual([
        { startMinute: 540, endMinute: 720 },
        { startMinute: 840, endMinute: 1080 },
      ]);
      expect(hours[3]).toEqual([]);
      expect(hours[4]).toEqual([]);
    });
  });
});
