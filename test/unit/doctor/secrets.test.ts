import { describe, expect, it } from 'vitest';
import { MIN_SECRET_CHARS, secretChecks } from '../../../src/doctor/local.js';

describe('the doctor on the secrets callers must present', () => {
  it('warns about a short read-API token or webhook secret, naming it and how to make a good one', () => {
    const checks = secretChecks({ RINGBACK_API_TOKEN: 'hunter2', RINGBACK_WEBHOOK_SECRET: 'x'.repeat(12) });
    expect(checks.map((c) => [c.status, c.name])).toEqual([
      ['warn', 'RINGBACK_API_TOKEN'],
      ['warn', 'RINGBACK_WEBHOOK_SECRET'],
    ]);
    expect(checks[0]?.detail).toBe('RINGBACK_API_TOKEN is 7 characters long: short enough to guess');
    expect(checks[0]).toMatchObject({ fix: expect.stringContaining('openssl rand -hex 32') });
  });

  it('says nothing about long secrets, or about ones not set (their features are off)', () => {
    const long = 'a'.repeat(MIN_SECRET_CHARS);
    expect(secretChecks({ RINGBACK_API_TOKEN: long, RINGBACK_WEBHOOK_SECRET: undefined })).toEqual([]);
  });
});
