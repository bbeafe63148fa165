import { describe, expect, it } from 'vitest';
import { maskPhoneNumbers } from '../../../src/observability/logger.js';
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
});

describe('logger', () => {
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
