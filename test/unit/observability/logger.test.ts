import { describe, expect, it } from 'vitest';
import { maskEmails, maskPhoneNumbers } from '../../../src/observability/logger.js';
import { memoryLogger } from '../../helpers/ringback.js';

describe('maskPhoneNumbers', () => {
  it.each([
    ['call from +33 1 76 36 06 95', 'call from …0695'],
    ['+33176360695 again', '…0695 again'],
    ['US (213) 373-4253.', 'US …4253.'],
    ['+1 800-123-4567', '…4567'],
  ])('keeps only the last four digits of %s', (input, output) => {
    expect(maskPhoneNumbers(input)).toBe(output);
  });

  it('leaves UUIDs whole', () => {
    const ids = 'episode 0d3f0a12-3456-7890-abcd-1234567890ab and 12345678-1234-1234-1234-123456789012';
    expect(maskPhoneNumbers(ids)).toBe(ids);
  });

  it('leaves times, ids and short numbers alone', () => {
    const text = 'at 2026-11-21T09:32:10Z ticket 456 epoch 1732622896 attempt 2';
    expect(maskPhoneNumbers(text)).toBe(text);
  });

  it.each([
    '2024-01-15 10:00:00.123456-05',
    'backup-2024-01-15 ok',
    'job-2024-01-15',
    '2024-01-15-',
    '2024-01-15-2024-01-21',
    'backup-2024-01-15-001.tar.gz',
    'log-2024-01-15-2',
  ])('leaves the date of %s alone, whatever dash touches it', (text) => {
    expect(maskPhoneNumbers(text)).toBe(text);
  });

  it('masks a number that follows a date and a dash', () => {
    expect(maskPhoneNumbers('missed-2024-01-15-0612345678')).toBe('missed-2024-01-15-…5678');
    expect(maskPhoneNumbers('vm/2024-01-15-33612345678.mp3')).toBe('vm/2024-01-15-…5678.mp3');
  });
});

describe('masking numbers written without separators or +', () => {
  it.each([
    ['caller 33176360695 again', 'caller …0695 again'],
    ['caller 0176360695', 'caller …0695'],
    ['US 14155550100.', 'US …0100.'],
    ['US 4155550100', 'US …0100'],
    ['from=447700900123&to=x', 'from=…0123&to=x'],
    ['"+33176360695"', '"…0695"'],
    ['q=%2B33622334466&x=1', 'q=…4466&x=1'],
    ['number 0622-33-44-66', 'number …4466'],
  ])('masks %s', (input, output) => {
    expect(maskPhoneNumbers(input)).toBe(output);
  });

  it.each([
    ['a UUID with an all-digit last group', 'episode 0d3f0a12-3456-7890-abcd-123456789012 done'],
    ['an upper-case UUID', 'id 0D3F0A12-3456-7890-ABCD-123456789012'],
    ['a Slack message ts', 'posted 1700000000.000100 in C0123456789'],
    ['a Slack thread ts in a field', 'thread_ts=1732622896.123456'],
    ['epoch milliseconds', 'at 1732622896123 (lease until 1732622956123)'],
    ['epoch seconds', 'timestamp 1732622896'],
    ['an ISO time with milliseconds', 'at 2026-11-21T09:32:10.123Z'],
    ['a ticket id and an attempt count', 'ticket 456 attempt 3 of 10'],
    ['more digits than any phone number', 'trace 1234567890123456789'],
  ])('leaves %s whole', (_what, text) => {
    expect(maskPhoneNumbers(text)).toBe(text);
  });
});

describe('maskEmails', () => {
  it.each([
    ['agent ana@example.com claimed', 'agent a…@example.com claimed'],
    ['<mailto:ana.lopez+calls@support.example.co.uk|Ana>', '<mailto:a…@support.example.co.uk|Ana>'],
    ['to Bob.Smith@Example.COM.', 'to B…@Example.COM.'],
  ])('keeps the first letter and the domain of %s', (input, output) => {
    expect(maskEmails(input)).toBe(output);
  });

  it('leaves text without an address alone', () => {
    const text = 'user U0123456789 @here at 09:30 in #support';
    expect(maskEmails(text)).toBe(text);
  });
});

describe('logger', () => {
  it('masks bare phone numbers and e-mail addresses in messages and in structured fields', () => {
    const { logger, lines } = memoryLogger();
    logger.info(
      {
        caller: '33176360695',
        national: '0176360695',
        dialled: 33176360695,
        agent: { email: 'ana.lopez@example.com' },
        ticket: 456,
        episode: '0d3f0a12-3456-7890-abcd-123456789012',
        ts: '1700000000.000100',
        at: 1732622896123,
      },
      'ana.lopez@example.com called back 33176360695 on ticket 456',
    );
    const output = lines().join('\n');
    for (const leak of ['33176360695', '0176360695', 'ana.lopez', 'lopez@'])
      expect(output).not.toContain(leak);
    const line = JSON.parse(lines()[0] ?? '{}');
    expect(line).toMatchObject({
      caller: '…0695',
      national: '…0695',
      dialled: '…0695',
      agent: { email: 'a…@example.com' },
      ticket: 456,
      episode: '0d3f0a12-3456-7890-abcd-123456789012',
      ts: '1700000000.000100',
      at: 1732622896123,
      msg: 'a…@example.com called back …0695 on ticket 456',
    });
  });

  it('never writes a secret or a full phone number, in messages or fields', () => {
    const secret = 'xoxb-very-secret-token';
    const { logger, lines } = memoryLogger([secret]);
    logger.info(
      { caller: '+33 1 76 36 06 95', nested: { note: `token ${secret}` }, token: 'anything' },
      `posting with ${secret} for +33176360695`,
    );
    logger.error({ err: new Error(`failed for +33176360695 using ${secret}`) }, 'boom');
    const output = lines().join('\n');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('76 36 06 95');
    expect(output).not.toContain('+33176360695');
    expect(output).toContain('…0695');
    expect(output).toContain('[secret]');
    expect(lines()).toHaveLength(2);
  });
});
