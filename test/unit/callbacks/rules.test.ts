/** Pure rules around callbacks: snooze spans and the paused ladder, follow-up templates, routing keys, reactions. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { react } from '../../../src/app/reactions.js';
import { parseRouting } from '../../../src/config/load.js';
import { BusinessCalendar } from '../../../src/domain/businessHours.js';
import { dueOutsideSnoozes, snoozeSpans } from '../../../src/domain/callbacks.js';
import type { DomainEvent } from '../../../src/domain/episode.js';
import {
  emptySchedule,
  type OpeningInterval,
  parseDayKey,
  parseTimeRanges,
  type Weekday,
} from '../../../src/domain/schedule.js';
import { pickTemplate } from '../../../src/domain/templates.js';
import { fillTemplate, followUpValues } from '../../../src/zendesk/followUp.js';
import { maskNumber } from '../../../src/zendesk/requesterPhones.js';
import { ana, episode, T0 } from '../../helpers/episodes.js';

const MIN = 60_000;
const ALWAYS_OPEN = new BusinessCalendar({ zone: 'UTC', schedule: null, holidays: [] });

describe('the ladder is paused while snoozed', () => {
  const entries = [
    { type: 'claimed', at: T0, data: {} },
    { type: 'snoozed', at: T0 + 5 * MIN, data: { dueAt: T0 + 35 * MIN } },
    { type: 'came_due', at: T0 + 35 * MIN, data: {} },
    { type: 'snoozed', at: T0 + 40 * MIN, data: { dueAt: T0 + 100 * MIN } },
    { type: 'callback_started', at: T0 + 50 * MIN, data: {} },
  ];

  it('reads each snooze until it came due or something ended it', () => {
    expect(snoozeSpans(entries)).toEqual([
      { start: T0 + 5 * MIN, end: T0 + 35 * MIN },
      { start: T0 + 40 * MIN, end: T0 + 50 * MIN },
    ]);
  });

  it('moves a timer by the snoozed time between its arming and its due time', () => {
    // 20 minutes to wait from T0: 5 before the first snooze, 5 between them, 10 after the second.
    expect(dueOutsideSnoozes(T0, T0 + 20 * MIN, snoozeSpans(entries), ALWAYS_OPEN)).toBe(T0 + 60 * MIN);
    // Due before any snooze: unchanged.
    expect(dueOutsideSnoozes(T0, T0 + 4 * MIN, snoozeSpans(entries), ALWAYS_OPEN)).toBe(T0 + 4 * MIN);
  });

  it('counts the wait in the line’s business hours: a snooze over a night does not add the night again', () => {
    const weekdays = emptySchedule();
    for (const day of parseDayKey('mon-fri') as Weekday[])
      weekdays[day].push(...(parseTimeRanges('09:00-18:00') as OpeningInterval[]));
    const hours = new BusinessCalendar({ zone: 'UTC', schedule: weekdays, holidays: [] });
    const at = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' }).toMillis();
    // Claimed Tue 16:10 with 2 business hours to resolve: due Wed 09:10 (1 h 50 on Tuesday, 10 min on Wednesday).
    const claimed = at('2026-11-24T16:10');
    const due = hours.add(claimed, 120 * MIN) as number;
    expect(due).toBe(at('2026-11-25T09:10'));
    // Snoozed Tue 17:30 until Wed 10:30: 80 open minutes before, 40 left after it.
    const spans = snoozeSpans([
      { type: 'snoozed', at: at('2026-11-24T17:30'), data: { dueAt: at('2026-11-25T10:30') } },
    ]);
    expect(dueOutsideSnoozes(claimed, due, spans, hours)).toBe(at('2026-11-25T11:10'));
    // Counted in clock time, the 17 hours to Wednesday 09:10 minus 80 minutes came after 10:30: Thursday 02:10.
    expect(dueOutsideSnoozes(claimed, due, spans, ALWAYS_OPEN)).toBe(at('2026-11-26T02:10'));
  });

  it('waits for a snooze still running to end', () => {
    const running = snoozeSpans([{ type: 'snoozed', at: T0 + 5 * MIN, data: { dueAt: T0 + 65 * MIN } }]);
    expect(dueOutsideSnoozes(T0, T0 + 15 * MIN, running, ALWAYS_OPEN)).toBe(T0 + 75 * MIN);
  });
});

describe('follow-up templates', () => {
  const templates = {
    en: 'Hello {{callerName}}',
    fr: 'Bonjour {{ callerName }}',
    'pt-BR': 'Olá {{callerName}}',
  };

  it('picks the requester’s locale, its language, the line’s, then English', () => {
    expect(pickTemplate(templates, 'fr', 'en')?.locale).toBe('fr');
    expect(pickTemplate(templates, 'fr-CA', null)?.locale).toBe('fr');
    expect(pickTemplate(templates, 'pt-br', null)?.locale).toBe('pt-BR');
    expect(pickTemplate(templates, 'de', 'fr')?.locale).toBe('fr');
    expect(pickTemplate(templates, 'de', 'it')?.locale).toBe('en');
    expect(pickTemplate({ fr: 'x' }, 'de', null)).toBeNull();
  });

  it('takes a template of the same language when the region differs (fr-FR for fr or fr-CA)', () => {
    const regional = { en: 'Hello', 'fr-FR': 'Bonjour' };
    expect(pickTemplate(regional, 'fr', null)?.locale).toBe('fr-FR');
    expect(pickTemplate(regional, 'fr-CA', null)?.locale).toBe('fr-FR');
    expect(pickTemplate({ 'en-GB': 'Hello' }, 'de', null)?.locale).toBe('en-GB');
  });

  it('drops one subtag at a time before taking another script or region (zh-Hant-TW gets zh-Hant, not zh-Hans)', () => {
    const chinese = { en: 'Hello', 'zh-Hans': 'simplified', 'zh-Hant': 'traditional' };
    expect(pickTemplate(chinese, 'zh-Hant-TW', null)?.locale).toBe('zh-Hant');
    expect(pickTemplate(chinese, 'zh-Hans-CN', null)?.locale).toBe('zh-Hans');
    const regional = { en: 'Hello', 'zh-Hans-CN': 'simplified', 'zh-Hant-HK': 'traditional' };
    expect(pickTemplate(regional, 'zh-Hant-TW', null)?.locale).toBe('zh-Hant-HK');
    expect(pickTemplate(regional, 'zh', null)?.locale).toBe('zh-Hans-CN');
  });

  it('gives a Zendesk Chinese locale its script: zh-tw/zh-hk/zh-mo get zh-Hant, zh-cn/zh-sg zh-Hans, whichever is listed first', () => {
    for (const chinese of [
      { en: 'Hello', 'zh-Hans': 'simplified', 'zh-Hant': 'traditional' },
      { en: 'Hello', 'zh-Hant': 'traditional', 'zh-Hans': 'simplified' },
    ]) {
      for (const locale of ['zh-tw', 'zh-hk', 'zh-mo', 'zh-TW']) {
        expect(pickTemplate(chinese, locale, null)?.locale).toBe('zh-Hant');
      }
      for (const locale of ['zh-cn', 'zh-sg', 'zh'])
        expect(pickTemplate(chinese, locale, null)?.locale).toBe('zh-Hans');
      expect(pickTemplate(chinese, 'en', 'zh-tw')?.locale).toBe('en');
      expect(pickTemplate(chinese, 'de', 'zh-tw')?.locale).toBe('zh-Hant');
    }
    // The script of a template named by its region only counts too; an exact template still comes first.
    const regional = { en: 'Hello', 'zh-CN': 'simplified', 'zh-HK': 'traditional' };
    expect(pickTemplate(regional, 'zh-tw', null)?.locale).toBe('zh-HK');
    expect(pickTemplate(regional, 'zh-sg', null)?.locale).toBe('zh-CN');
    const plain = { en: 'Hello', 'zh-Hant': 'traditional', zh: 'chinese', 'zh-TW': 'taiwan' };
    expect(pickTemplate(plain, 'zh', null)?.locale).toBe('zh');
    expect(pickTemplate(plain, 'zh-tw', null)?.locale).toBe('zh-TW');
    expect(pickTemplate(plain, 'zh-hk', null)?.locale).toBe('zh-Hant');
  });

  it('leaves other languages as they were, and does not fail on a tag Intl refuses', () => {
    const portuguese = { en: 'Hello', pt: 'Olá', 'pt-PT': 'Olá (PT)' };
    expect(pickTemplate(portuguese, 'pt-BR', null)?.locale).toBe('pt');
    expect(pickTemplate(portuguese, 'pt-pt', null)?.locale).toBe('pt-PT');
    expect(pickTemplate({ en: 'Hello', 'pt-PT': 'PT', 'pt-BR': 'BR' }, 'pt-br', null)?.locale).toBe('pt-BR');
    const english = { en: 'Hello', 'en-US': 'Hi' };
    expect(pickTemplate(english, 'en-GB', null)?.locale).toBe('en');
    expect(pickTemplate(english, 'en-us', null)?.locale).toBe('en-US');
    expect(pickTemplate({ 'en-US': 'Hi', 'en-GB': 'Hello' }, 'en-AU', null)?.locale).toBe('en-US');
    const serbian = { en: 'Hello', sr: 'Здраво', 'sr-Latn': 'Zdravo' };
    expect(pickTemplate(serbian, 'sr-Latn', null)?.locale).toBe('sr-Latn');
    expect(pickTemplate(serbian, 'sr-Latn-RS', null)?.locale).toBe('sr-Latn');
    expect(pickTemplate(serbian, 'sr', null)?.locale).toBe('sr');
    expect(
      pickTemplate({ en: 'Hello', 'sr-Latn': 'Zdravo', 'sr-Cyrl': 'Здраво' }, 'sr-rs', null)?.locale,
    ).toBe('sr-Cyrl');
    for (const invalid of ['zh_TW', 'x', '12', '-', 'en--us']) {
      expect(pickTemplate(templates, invalid, null)?.locale).toBe('en');
    }
    expect(pickTemplate({ zh_TW: 'odd', en: 'Hello' }, 'zh_TW', null)?.locale).toBe('zh_TW');
  });

  it('fills placeholders once: braces in a value are not read again', () => {
    const values = { callerName: '{{line}}', line: 'Support', agentFirstName: 'Ana', attempts: '2' };
    expect(fillTemplate('Hi {{callerName}} from {{ line }} ({{attempts}})', values)).toBe(
      'Hi {{line}} from Support (2)',
    );
  });

  it('makes the caller’s name literal in the public comment: no link from a name', () => {
    const values = followUpValues(
      episode({ caller: { number: null, name: '[Pay here](https://evil.example)' } }),
      null,
    );
    expect(fillTemplate('Hi {{callerName}},', values)).toBe('Hi \\[Pay here\\](https://evil.example),');
  });

  it('does not greet the caller by a name made up for their number (Ringback’s or Talk’s): the requester’s, else none', () => {
    for (const madeUp of [
      'Caller +33 6 12 34 56 78',
      'Caller +33612345678',
      'Caller +1 (415) 555-0100',
      'Withheld number',
    ]) {
      const e = episode({ caller: { number: '+33612345678', name: madeUp } });
      expect(fillTemplate('Hello {{callerName}}', followUpValues(e, 'Marie Dupont'))).toBe(
        'Hello Marie Dupont',
      );
      expect(fillTemplate('Hello {{callerName}}', followUpValues(e, null))).toBe('Hello ');
      expect(fillTemplate('Hello {{callerName}}', followUpValues(e, 'Caller +33 6 12 34 56 78'))).toBe(
        'Hello ',
      );
    }
    const named = episode({ caller: { number: '+33612345678', name: 'Caller Marie' } });
    expect(followUpValues(named, 'Marie Dupont').callerName).toBe('Caller Marie');
  });

  it('takes the agent’s first name and the number of attempts from the episode', () => {
    const values = followUpValues(
      episode({
        claimedBy: { ...ana, name: 'Ana María Lopez' },
        attemptLog: [
          { at: T0, by: ana, result: 'no_answer' },
          { at: T0 + MIN, by: ana, result: 'no_answer' },
        ],
      }),
      null,
    );
    expect(values).toEqual({
      callerName: 'Marie Dupont',
      line: 'Support FR',
      agentFirstName: 'Ana',
      attempts: '2',
    });
  });

  it('masks numbers for logs', () => {
    expect(maskNumber('+33612345678')).toBe('+33*******78');
  });
});

describe('routing keys retry and followUp', () => {
  const parse = (lineYaml: string) => () =>
    parseRouting(`lines:\n  - name: L\n    match: "*"\n${lineYaml}`, 'ringback.yaml');

  it('accepts the documented example', () => {
    const routing = parse(`    locale: fr
    retry: { attempts: 3, every: 30m }
    followUp:
      after: [no_answer, voicemail]
      templates: { en: "We tried to call you back {{attempts}} times", fr: "Nous avons essayé de vous rappeler" }`)();
    expect(routing.lines[0]?.retry).toEqual({ attempts: 3, every: 30 * MIN });
    expect(routing.lines[0]?.followUp?.after).toEqual(['no_answer', 'voicemail']);
  });

  it('names the path of an unknown placeholder, a missing fallback and a bad retry', () => {
    expect(parse(`    followUp: { templates: { en: "Hi {{name}}" } }`)).toThrow(
      /lines\[0\]\.followUp\.templates\.en: unknown placeholder \{\{name\}\}/,
    );
    expect(parse(`    followUp: { templates: { de: "Hallo" } }`)).toThrow(
      /lines\[0\]\.followUp\.templates: expected an "en" template/,
    );
    expect(parse(`    retry: { attempts: 0, every: 30m }`)).toThrow(/lines\[0\]\.retry\.attempts/);
    expect(parse(`    retry: { attempts: 2, every: soon }`)).toThrow(
      /lines\[0\]\.retry\.every: expected a duration/,
    );
    expect(parse(`    followUp: { after: [maybe], templates: { en: "x" } }`)).toThrow(
      /lines\[0\]\.followUp\.after\[0\]/,
    );
  });

  it('refuses a placeholder with a brace missing, which would reach the caller as written', () => {
    expect(
      parse(`    followUp: { templates: { en: "Hello {{callerName}, Ana tried {{attempts}} times." } }`),
    ).toThrow(
      /lines\[0\]\.followUp\.templates\.en: a placeholder is not closed or opened: "\{\{callerName\}/,
    );
    expect(parse(`    followUp: { templates: { en: "Hello callerName}}" } }`)).toThrow(
      /not closed or opened/,
    );
    expect(
      parse(`    followUp: { templates: { en: "Hello {{callerName}}, {single} braces are fine" } }`),
    ).not.toThrow();
  });

  it('accepts a line locale as the only template', () => {
    expect(parse(`    locale: fr\n    followUp: { templates: { fr: "Bonjour" } }`)).not.toThrow();
  });

  it('accepts a template in the line locale’s language, as the follow-up would pick it', () => {
    expect(parse(`    locale: fr-CA\n    followUp: { templates: { fr: "Bonjour" } }`)).not.toThrow();
    expect(() => parse(`    locale: de\n    followUp: { templates: { fr: "Bonjour" } }`)()).toThrow(
      /expected an "en" template/,
    );
  });
});

describe('reactions of the callback events', () => {
  const routing = parseRouting(
    `lines:\n  - name: Support FR\n    match: "*"\n    followUp: { after: [no_answer], templates: { en: "x" } }`,
    'test',
  );
  const intents = (events: DomainEvent[]) =>
    react({ episode: episode(), previous: episode(), events }, routing);

  it('arms the due timer on a snooze and notes each attempt on the ticket', () => {
    expect(
      intents([{ type: 'snoozed', actor: ana, at: T0, dueAt: T0 + 30 * MIN, reason: 'asked' }]),
    ).toContainEqual({
      kind: 'timer.callbackDue',
      dueAt: T0 + 30 * MIN,
    });
    expect(
      intents([{ type: 'attempt_logged', actor: ana, at: T0, attempt: 1, of: 2, result: 'no_answer' }]),
    ).toContainEqual({
      kind: 'ticket.attemptNote',
      attempt: 1,
      of: 2,
      result: 'no_answer',
      at: T0,
      by: 'Ana',
    });
  });

  it('sends the follow-up only after an outcome the line lists', () => {
    const resolved = (outcome: 'no_answer' | 'reached'): DomainEvent => ({
      type: 'resolved',
      actor: ana,
      at: T0,
      outcome,
    });
    expect(intents([resolved('no_answer')])).toContainEqual({ kind: 'ticket.followUp' });
    expect(intents([resolved('reached')])).not.toContainEqual({ kind: 'ticket.followUp' });
  });

  it('dials the number the caller asked to be called back on', () => {
    const asked = episode({ callbackNumber: '+33699999999' });
    const planned = react(
      {
        episode: asked,
        previous: asked,
        events: [{ type: 'callback_started', actor: ana, at: T0, attempt: 1 }],
      },
      routing,
    );
    expect(planned).toContainEqual(expect.objectContaining({ kind: 'provider.dial', to: '+33699999999' }));
  });
});
