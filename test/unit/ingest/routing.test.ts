import { describe, expect, it } from 'vitest';
import { dialledNumber, findLine } from '../../../src/app/routing.js';
import { parseRouting } from '../../../src/config/load.js';

const routing = parseRouting(
  `
lines:
  - name: Support FR
    match: { aircallNumber: "+33 1 76 36 06 95", zendeskPhoneNumberId: 360001 }
    country: FR
  - name: Sales
    match: { number: "+44 20 7946 0000" }
  - name: Twilio Line
    match: { genericLine: "twilio-main" }
  - name: Everything else
    match: "*"
`,
  'test',
);

describe('findLine', () => {
  it('matches an Aircall number however it is written', () => {
    expect(findLine(routing, { aircallNumber: '+33176360695' })?.name).toBe('Support FR');
    expect(findLine(routing, { aircallNumber: '01 76 36 06 95' })?.name).toBe('Support FR');
  });

  it('matches the same line through Zendesk Talk', () => {
    expect(findLine(routing, { zendeskPhoneNumberId: '360001' })?.name).toBe('Support FR');
  });

  it('matches a dialled number from any provider', () => {
    expect(findLine(routing, { number: '+442079460000' })?.name).toBe('Sales');
    expect(findLine(routing, { genericLine: '+44 20 7946 0000' })?.name).toBe('Sales');
  });

  it('matches a generic line name as text', () => {
    expect(findLine(routing, { genericLine: 'twilio-main' })?.name).toBe('Twilio Line');
  });

  it('falls through to "*" in file order', () => {
    expect(findLine(routing, { aircallNumber: '+1 415 555 0100' })?.name).toBe('Everything else');
    expect(findLine(routing, {})?.name).toBe('Everything else');
  });

  it('finds nothing when no line matches and there is no "*"', () => {
    const strict = parseRouting('lines: [{ name: Only, match: { genericLine: x } }]', 'test');
    expect(findLine(strict, { genericLine: 'y' })).toBeNull();
  });
});

describe('dialledNumber', () => {
  it('gives the line number as E.164 when it reads as one', () => {
    expect(dialledNumber({ aircallNumber: '+33 1 76 36 06 95' })).toBe('+33176360695');
    expect(dialledNumber({ genericLine: 'twilio-main' })).toBeNull();
  });
});
